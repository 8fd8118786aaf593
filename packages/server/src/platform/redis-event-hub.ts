// Live events through Redis, for several server processes.
import { createClient } from 'redis';
import type { EventHub, LiveEvent, LiveListener } from './live-events.ts';

/** Channels carry this prefix, so the server's traffic is recognisable on a shared Redis. */
const channelPrefix = 'helpdesk-auth:';

/**
 * Live events across server processes through Redis publish/subscribe (DESIGN section 7). Each
 * process subscribes to a topic's channel while one of its own streams listens to it, and
 * every publish goes through Redis, so a decision stored by one process reaches an agent's
 * stream held by another. Delivery is at most once, like the in-process hub: the database stays
 * the truth, and every stream has a matching read in the API.
 */
export async function createRedisEventHub(
  url: string,
  onError: (error: Error) => void,
): Promise<EventHub & { close(): Promise<void> }> {
  // A Redis that does not answer at start-up is a configuration error: fail then, instead of
  // retrying for ever. Once connected, the clients reconnect by themselves, backing off to 3 s.
  let connected = false;
  let failure: Error | undefined;
  const publisher = createClient({
    url,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(100 * 2 ** retries, 3000) : cause,
    },
  });
  const subscriber = publisher.duplicate();
  // Without listeners a connection error would crash the process; the clients reconnect by themselves.
  publisher.on('error', onError);
  subscriber.on('error', onError);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    for (const client of [publisher, subscriber]) {
      // Throws when that client never opened; there is nothing to close then.
      if (client.isOpen) client.destroy();
    }
    // The client reports only that it closed; the reason is the connection failure behind it.
    throw failure ?? error;
  }
  connected = true;

  const topics = new Map<string, Set<LiveListener>>();
  const deliver = (message: string, channel: string) => {
    const listeners = topics.get(channel.slice(channelPrefix.length));
    if (!listeners) return;
    let event: LiveEvent;
    try {
      event = JSON.parse(message) as LiveEvent;
    } catch {
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop the others.
      }
    }
  };

  return {
    publish(topic, event) {
      publisher.publish(channelPrefix + topic, JSON.stringify(event)).catch(onError);
    },
    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (!listeners) {
        listeners = new Set();
        topics.set(topic, listeners);
        subscriber.subscribe(channelPrefix + topic, deliver).catch(onError);
      }
      listeners.add(listener);
      return () => {
        const current = topics.get(topic);
        if (!current?.delete(listener) || current.size > 0) return;
        topics.delete(topic);
        subscriber.unsubscribe(channelPrefix + topic).catch(onError);
      };
    },
    listenerCount(topic) {
      return topics.get(topic)?.size ?? 0;
    },
    async isListening(topic) {
      // Any process: Redis counts one subscription per process that holds a stream on the topic.
      const counts = await publisher.pubSubNumSub(channelPrefix + topic);
      return (counts[channelPrefix + topic] ?? 0) > 0;
    },
    async close() {
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
