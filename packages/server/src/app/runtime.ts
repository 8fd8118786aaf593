// The runtime: configuration, database and services built once for a server process or a CLI
// command.
import type { Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Config } from '../config/config.ts';
import { resolveEncryptionKey } from '../config/encryption-key.ts';
import { systemClock, systemTimers } from '../platform/context.ts';
import { createEventHub } from '../platform/live-events.ts';
import type { createRedisEventHub } from '../platform/redis-event-hub.ts';
import type { Timers } from '../platform/timers.ts';
import {
  type Database,
  migrateToLatest,
  openDatabase,
  redactDatabaseUrl as redactUrl,
} from '../storage/database.ts';
import { createServices, type Services } from './services.ts';

/** Everything a server process or CLI command needs, built once from the configuration. */
export interface Runtime {
  config: Config;
  database: Database;
  services: Services;
  encryptionKey: Buffer;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  options: {
    migrate?: boolean;
    warn?: (message: string) => void;
    clock?: () => number;
    timers?: Timers;
    pushAgent?: Agent;
    resolveHost?: LookupFunction;
  } = {},
): Promise<Runtime> {
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  const encryptionKey = resolveEncryptionKey(config, warn);
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    preparedStatements: config.databasePreparedStatements,
    onIdleError: (error) => warn(`An idle database connection failed and will be replaced: ${error.message}`),
  });
  try {
    if (options.migrate !== false) await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  let redisHub: Awaited<ReturnType<typeof createRedisEventHub>> | undefined;
  if (config.redisUrl) {
    try {
      // Loaded only when configured: the Redis client is about 7 MiB resident that a single
      // process never uses (docs/benchmarks.md, "Idle memory").
      const { createRedisEventHub } = await import('../platform/redis-event-hub.ts');
      redisHub = await createRedisEventHub(config.redisUrl, (error) =>
        warn(`Redis (live events): ${error.message}`),
      );
    } catch (error) {
      await database.close();
      throw new Error(`Cannot reach Redis at ${redactUrl(config.redisUrl)}: ${(error as Error).message}`);
    }
  }
  const services = createServices({
    db: database.db,
    reports: database.reports,
    config,
    clock: options.clock ?? systemClock,
    timers: options.timers ?? systemTimers,
    encryptionKey,
    events: redisHub ?? createEventHub(),
    pushAgent: options.pushAgent,
    resolveHost: options.resolveHost,
  });
  return {
    config,
    database,
    services,
    encryptionKey,
    close: async () => {
      services.verifications.stop();
      services.calls.stop();
      services.ciba.stop();
      services.keycloakChannel.stop();
      await services.webhooks.stop();
      services.delivery.close();
      services.practicePhones.close();
      await redisHub?.close();
      await database.close();
    },
  };
}
