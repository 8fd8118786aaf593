/**
 * Live events for open event streams (server-sent events). Topics name who listens:
 *
 * - `verification:<id>`: everyone watching one verification (the agent's panel, integrators);
 * - `call:<id>`: everyone watching one outbound call notice (the calling agent's screen);
 * - `starter:<tenant id>:<actor id>`: everything about the verifications one operator or API key started;
 * - `customer:<tenant id>:<customer id>`: the customer's devices (new requests, new devices);
 * - `device:<device id>`: one device (its own revocation);
 * - `customer-devices:<tenant id>:<customer id>`: a customer's devices enrolled and revoked, for
 *   the console's customer page;
 * - `fraud-cases:<tenant id>`: the tenant's fraud queue (cases opened, assigned, noted, resolved),
 *   for supervisors' consoles;
 * - `cache:<name>`: no stream listens; processes tell each other that a cached row changed
 *   (row-cache.ts).
 *
 * Publishing is fire-and-forget and never blocks the change that caused it: events are a
 * convenience for screens, the database stays the truth, and every stream can be re-read
 * from the API. With Redis, nothing a request does waits for Redis beyond a short bound, and an
 * event published while Redis is down reaches this process's streams only (it is not kept for
 * later: a late "started" or "approved" would mislead more than it helps). This hub serves one server process; with several processes, REDIS_URL selects
 * the Redis hub (redis-event-hub.ts) behind the same interface.
 */
export interface LiveEvent {
  /** The SSE event name, e.g. `verification`. */
  type: string;
  data: Record<string, unknown>;
}

export type LiveListener = (event: LiveEvent) => void;

export interface EventHub {
  publish(topic: string, event: LiveEvent): void;
  /** Returns the function that ends the subscription. */
  subscribe(topic: string, listener: LiveListener): () => void;
  /** Listeners on a topic in this process. */
  listenerCount(topic: string): number;
  /**
   * Whether any server process has a listener on the topic: is the device's live channel open?
   * Answers quickly whatever the state of Redis (with Redis down or slow: this process's own).
   */
  isListening(topic: string): Promise<boolean>;
  /**
   * How live events travel: `local` within this process (no Redis configured), `up` through
   * Redis, `down` when Redis does not answer (events then reach this process's streams only).
   */
  state(): 'local' | 'up' | 'down';
}

export function createEventHub(): EventHub {
  const topics = new Map<string, Set<LiveListener>>();
  return {
    publish(topic, event) {
      const listeners = topics.get(topic);
      if (!listeners) return;
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch {
          // One broken stream must not stop the others; the stream's own close handler cleans up.
        }
      }
    },
    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (!listeners) {
        listeners = new Set();
        topics.set(topic, listeners);
      }
      listeners.add(listener);
      return () => {
        const current = topics.get(topic);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) topics.delete(topic);
      };
    },
    listenerCount(topic) {
      return topics.get(topic)?.size ?? 0;
    },
    async isListening(topic) {
      return (topics.get(topic)?.size ?? 0) > 0;
    },
    state() {
      return 'local';
    },
  };
}

export const topics = {
  verification: (id: string) => `verification:${id}`,
  /** Everyone watching one outbound call notice (the calling agent's screen). */
  call: (id: string) => `call:${id}`,
  starter: (tenantId: string, actorId: string) => `starter:${tenantId}:${actorId}`,
  customer: (tenantId: string, customerId: string) => `customer:${tenantId}:${customerId}`,
  device: (deviceId: string) => `device:${deviceId}`,
  /** The customer's devices as operators see them: enrolled and revoked, nothing about requests. */
  customerDevices: (tenantId: string, customerId: string) => `customer-devices:${tenantId}:${customerId}`,
  /** A tenant's fraud queue: every change to its cases, for supervisors. */
  fraudCases: (tenantId: string) => `fraud-cases:${tenantId}`,
};
