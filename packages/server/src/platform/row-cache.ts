// Rows every request reads (an API key, a device's key), kept in memory for a short while, and
// forgotten at once in this process and through the live-events hub in the others.
import type { EventHub, LiveEvent } from './live-events.ts';

/**
 * A small cache of rows that nearly every request reads and that rarely change: the API key
 * behind a request, the device behind a proof. On PostgreSQL each such read is a round trip to
 * the database; here it is a map lookup.
 *
 * Correctness rules:
 * - A change that must take effect at once (a revoked key or device) calls `forget` after its
 *   transaction committed. This process then reads the row afresh on the next request.
 * - `forget` is published on the live-events hub (`cache:<name>`), so with Redis every other
 *   process forgets it too, as soon as Redis delivers the message (milliseconds).
 * - Whatever the hub does (no Redis, Redis down, a message lost), no entry is used for longer
 *   than `ttlMs` after it was read: that is the bound on how long another process can act on a
 *   row that changed (docs/architecture.md, "Cached rows").
 * - A read that started before a `forget` is not stored, so a read racing a revocation cannot put
 *   the old row back.
 */
export interface RowCache<V> {
  /** The cached row, or `load`'s answer, kept when it is not undefined. */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  /** Changes a cached row in place (for bookkeeping columns such as "last used"). */
  update(key: string, change: (value: V) => V): void;
  /** Forgets one row, or every row, here and in every process listening on the hub. */
  forget(key?: string): void;
  /** Stops listening on the hub. */
  close(): void;
}

export interface RowCacheOptions {
  /** How long an entry is used at most; 0 turns the cache off (every read goes to the database). */
  ttlMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
}

const forgetAll = '*';

/** The caches of the server, by the name their news travels under on the hub. */
export const rowCacheNames = {
  apiKey: 'api-key',
  device: 'device',
  /** A tenant's name and settings, read by every push start. */
  tenant: 'tenant',
  /** The stored document of a tenant's policy in force, read after every approval. */
  policy: 'policy',
} as const;

const byHub = new WeakMap<EventHub, Map<string, RowCache<unknown>>>();

/**
 * The cache named `name` of this process (one per hub, so that the service that reads a row and
 * the one that revokes it share it, whichever creates it first).
 */
export function rowCache<V>(events: EventHub, name: string, options: RowCacheOptions): RowCache<V> {
  let caches = byHub.get(events);
  if (!caches) {
    caches = new Map();
    byHub.set(events, caches);
  }
  let cache = caches.get(name);
  if (!cache) {
    cache = createRowCache<unknown>(events, name, options);
    caches.set(name, cache);
  }
  return cache as RowCache<V>;
}

export function createRowCache<V>(events: EventHub, name: string, options: RowCacheOptions): RowCache<V> {
  const { ttlMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const topic = `cache:${name}`;
  const entries = new Map<string, { value: V; until: number }>();
  /** Bumped by every forget: a read that began under an older generation is not stored. */
  let generation = 0;

  function drop(key: string): void {
    generation += 1;
    if (key === forgetAll) entries.clear();
    else entries.delete(key);
  }

  const unsubscribe =
    ttlMs > 0
      ? events.subscribe(topic, (event: LiveEvent) => {
          const key = (event.data as { key?: unknown } | undefined)?.key;
          drop(typeof key === 'string' ? key : forgetAll);
        })
      : () => {};

  return {
    async get(key, load) {
      if (ttlMs <= 0) return load();
      const now = performance.now();
      const entry = entries.get(key);
      if (entry && entry.until > now) return entry.value;
      if (entry) entries.delete(key);
      const started = generation;
      const value = await load();
      if (value !== undefined && started === generation) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, { value, until: now + ttlMs });
      }
      return value;
    },
    update(key, change) {
      const entry = entries.get(key);
      if (entry) entry.value = change(entry.value);
    },
    forget(key) {
      drop(key ?? forgetAll);
      if (ttlMs > 0) events.publish(topic, { type: 'forget', data: { key: key ?? forgetAll } });
    },
    close: unsubscribe,
  };
}
