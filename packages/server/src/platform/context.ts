// The service context: what every service is given, passed explicitly.
import type { Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Config } from '../config/config.ts';
import type { Db, ReportReader } from '../storage/database.ts';
import type { EventHub } from './live-events.ts';
import { systemTimers, type Timers } from './timers.ts';

/** What every service needs, passed explicitly: no module-level singletons. */
export interface ServiceContext {
  db: Db;
  /** Where reports run their long read-only queries; on `db` itself when not given. */
  reports?: ReportReader | undefined;
  config: Config;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  clock: () => number;
  /** 32-byte key for secrets at rest (AES-256-GCM) and keyed hashes of short codes. */
  encryptionKey: Buffer;
  /** Live events to open event streams (agents' screens, devices). */
  events: EventHub;
  /** Timers that follow `clock`: real ones in a server, the test clock's in tests. */
  timers: Timers;
  /** HTTPS agent for calls to push services; tests pass one that trusts their local push service. */
  pushAgent?: Agent | undefined;
  /**
   * DNS for outbound push connections, under the address rule (providers/outbound-address.ts);
   * the system's when unset. Tests pass one that maps names as a rebinding DNS server would.
   */
  resolveHost?: LookupFunction | undefined;
}

export const systemClock = (): number => Date.now();
export { systemTimers };
