import type { Config } from './config/config.ts';
import { resolveEncryptionKey } from './config/encryption-key.ts';
import { systemClock } from './services/context.ts';
import { createServices, type Services } from './services/index.ts';
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
  options: { migrate?: boolean; warn?: (message: string) => void; clock?: () => number } = {},
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
  const services = createServices({ db: database.db, config, clock: options.clock ?? systemClock });
  return { config, database, services, encryptionKey, close: () => database.close() };
}
