// The Redis the tests use.
import { createClient } from 'redis';
import { serviceConnectTimeoutMs, skipWhenMissing } from './skip.ts';

/** The Redis the tests use; locally they skip loudly without it, under CI=true they must run. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let reachable: Promise<string | undefined> | undefined;

function redisUnavailable(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = createClient({
      url: testRedisUrl,
      socket: { connectTimeout: serviceConnectTimeoutMs, reconnectStrategy: false },
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (error) {
      return `Redis at ${testRedisUrl} is not reachable (${(error as Error).message})`;
    } finally {
      await client.quit().catch(() => {});
    }
  })();
  return reachable;
}

/** Test option for node:test: skip locally without Redis, never under CI. */
export async function redisSkip(): Promise<string | false> {
  return skipWhenMissing('Redis', await redisUnavailable());
}
