import type { Agent } from 'node:https';
import type { Config } from './config/config.ts';
import { resolveEncryptionKey } from './config/encryption-key.ts';
import { systemClock, systemTimers } from './services/context.ts';
import { createServices, type Services } from './services/index.ts';
import { createEventHub } from './services/live-events.ts';
import type { Timers } from './services/timers.ts';
import { type Database, migrateToLatest, openDatabase } from './storage/database.ts';

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
  } = {},
): Promise<Runtime> {
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  const encryptionKey = resolveEncryptionKey(config, warn);
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onIdleError: (error) => warn(`An idle database connection failed and will be replaced: ${error.message}`),
  });
  try {
    if (options.migrate !== false) await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  const services = createServices({
    db: database.db,
    config,
    clock: options.clock ?? systemClock,
    timers: options.timers ?? systemTimers,
    encryptionKey,
    events: createEventHub(),
    pushAgent: options.pushAgent,
  });
  return {
    config,
    database,
    services,
    encryptionKey,
    close: async () => {
      services.verifications.stop();
      await database.close();
    },
  };
}
