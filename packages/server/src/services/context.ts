import type { Config } from '../config/config.ts';
import type { Db } from '../storage/database.ts';

/** What every service needs, passed explicitly: no module-level singletons. */
export interface ServiceContext {
  db: Db;
  config: Config;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  clock: () => number;
}

export const systemClock = (): number => Date.now();
