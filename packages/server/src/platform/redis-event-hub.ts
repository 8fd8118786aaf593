// Live events through Redis, for several server processes.
import { createClient } from 'redis';
import type { EventHub, LiveEvent, LiveListener } from './live-events.ts';

/** Channels carry this prefix, so the server's traffic is recognisable on a shared Redis. */
const channelPrefix = 'helpdesk-auth:';

/** How long a request waits for Redis before answering without it (`isListening`). */
const requestTimeoutMs = 250;
/** How often Redis is asked whether it answers, and how long it gets to answer. */
const healthIntervalMs = 1000;
const healthTimeoutMs = 500;

/** Settles with `fallback` when `promise` has not settled after `ms`; never rejects. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/**
 * Live events across server processes through Redis publish/subscribe (DESIGN section 7). Each
 * process subscribes to a topic's channel while one of its own streams listens to it, and
 * every publish goes through Redis, so a decision stored by one process reaches an agent's
 * stream held by another. Delivery is at most once, like the in-process hub: the database stays
 * the truth, and every stream has a matching read in the API.
 *
 * Redis is a convenience, never a dependency of a request. Nothing here makes a request wait for
 * it longer than `requestTimeoutMs`: the publishing client has no offline queue (a command while
 * it is disconnected fails at once), a publish is never awaited, and the one question a request
 * asks (`isListening`) is answered from this process's own streams when Redis is down or slow.
 * While Redis is down an event reaches the streams of this process only; those of other
 * processes miss it (their clients read the state again from the API, as after any gap).
 * A PING every second tells whether Redis answers (`state`, shown by /readyz).
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
    // Commands fail at once while disconnected instead of waiting, queued, for a reconnection.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(100 * 2 ** retries, 3000) : cause,
    },
  });
  // Subscriptions keep their queue: they are not awaited by a request, and must reach Redis
  // once it is back.
  const subscriber = publisher.duplicate({ disableOfflineQueue: false });
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

  // Whether Redis answered the last PING in time. A connection that hangs without closing (a
  // network that drops packets) counts as down as soon as a PING goes unanswered.
  let answering = true;
  let checking = false;
  const health = setInterval(() => {
    if (checking) return;
    checking = true;
    within(
      publisher.isReady ? publisher.ping().then(() => true) : Promise.resolve(false),
      healthTimeoutMs,
      false,
    )
      .then((ok) => {
        answering = ok && subscriber.isReady;
      })
      .finally(() => {
        checking = false;
      });
  }, healthIntervalMs);
  health.unref();
  const up = () => answering && publisher.isReady && subscriber.isReady;

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

  /** This process's own listeners, without Redis (while Redis is down). */
  const deliverHere = (topic: string, event: LiveEvent) => {
    for (const listener of [...(topics.get(topic) ?? [])]) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop the others.
      }
    }
  };

  return {
    publish(topic, event) {
      if (!up()) {
        deliverHere(topic, event);
        return;
      }
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
      const here = (topics.get(topic)?.size ?? 0) > 0;
      if (here || !up()) return here;
      // Any process: Redis counts one subscription per process that holds a stream on the topic.
      // Without an answer in time, only this process's own streams are known.
      return within(
        publisher
          .pubSubNumSub(channelPrefix + topic)
          .then((counts) => (counts[channelPrefix + topic] ?? 0) > 0),
        requestTimeoutMs,
        false,
      );
    },
    state() {
      return up() ? 'up' : 'down';
    },
    async close() {
      clearInterval(health);
      // QUIT waits for an answer; a Redis that does not answer is let go.
      await within(Promise.allSettled([subscriber.quit(), publisher.quit()]), 1000, undefined);
      for (const client of [subscriber, publisher]) if (client.isOpen) client.destroy();
    },
  };
}
