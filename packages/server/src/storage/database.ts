// The database: opening SQLite or PostgreSQL, migrations, durability, health.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  type Compilable,
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import { withConstraintViolations } from './constraint-violations.ts';
import * as initial from './migrations/0001-initial.ts';
import * as pushVerification from './migrations/0002-push-verification.ts';
import * as webhooks from './migrations/0003-webhooks.ts';
import * as ciba from './migrations/0004-ciba.ts';
import * as operatorSsoScim from './migrations/0005-operator-sso-scim.ts';
import * as fallbacks from './migrations/0006-fallbacks.ts';
import * as webauthn from './migrations/0007-webauthn.ts';
import * as statusIndexes from './migrations/0008-status-indexes.ts';
import * as questionChecksInFlight from './migrations/0009-question-checks-in-flight.ts';
import * as onePendingPush from './migrations/0010-one-pending-push.ts';
import * as onePendingCode from './migrations/0011-one-pending-code.ts';
import * as activationSubject from './migrations/0012-activation-subject.ts';
import * as pushCredentials from './migrations/0013-push-credentials.ts';
import * as serverKeySets from './migrations/0014-server-key-sets.ts';
import * as offlineCodes from './migrations/0015-offline-codes.ts';
import * as externalIdHint from './migrations/0016-external-id-hint.ts';
import * as idTokenAlg from './migrations/0017-id-token-alg.ts';
import * as auditSealing from './migrations/0018-audit-sealing.ts';
import * as webhookQueueIndexes from './migrations/0020-webhook-queue-indexes.ts';
import * as fraudResolved from './migrations/0021-fraud-resolved.ts';
import * as methodVerifications from './migrations/0022-method-verifications.ts';
import * as operatorPasswordChange from './migrations/0023-operator-password-change.ts';
import * as operatorSecondFactor from './migrations/0024-operator-second-factor.ts';
import * as callNotices from './migrations/0025-call-notices.ts';
import * as campaigns from './migrations/0026-campaigns.ts';
import * as fraudCases from './migrations/0027-fraud-cases-and-analytics.ts';
import * as requestSigningAlg from './migrations/0029-request-signing-alg.ts';
import * as practice from './migrations/0032-practice.ts';
import * as fallbackReason from './migrations/0033-fallback-reason.ts';
import * as practiceAnswers from './migrations/0034-practice-answers.ts';
import { namingPool } from './postgres/postgres-statements.ts';
import type { Schema } from './schema.ts';
import { type ConnectionUse, createNodeSqliteDialect } from './sqlite/node-sqlite-dialect.ts';
import { createSqliteReportReader } from './sqlite/report-reader.ts';

export type Db = Kysely<Schema>;
export type DatabaseKind = 'sqlite' | 'postgres';

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** Where the data lives, without credentials, for logs and the CLI. */
  location: string;
  /** Connections open, idle, and queries waiting for one (PostgreSQL's pool; SQLite's one connection). */
  connections(): ConnectionUse;
  /** Where long read-only queries run (reports): off the serving thread on SQLite. */
  reports: ReportReader;
  close(): Promise<void>;
}

/**
 * Runs the long read-only queries of reports (the supervisors' dashboard). On PostgreSQL a pooled
 * connection, as any query; on SQLite a worker thread with a read-only connection of its own, so
 * that the thread serving HTTP goes on meanwhile (sqlite/report-reader.ts).
 */
export interface ReportReader {
  rows<R>(query: Compilable<R>): Promise<R[]>;
}

/** Reports run on the database's own connections, as any query. */
export function reportsOn(db: Db): ReportReader {
  return { rows: async <R>(query: Compilable<R>) => (await db.executeQuery(query.compile())).rows };
}

/** Every migration, in order. The same list runs on SQLite and PostgreSQL. */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-push-verification': pushVerification,
  '0003-webhooks': webhooks,
  '0004-ciba': ciba,
  '0005-operator-sso-scim': operatorSsoScim,
  '0006-fallbacks': fallbacks,
  '0007-webauthn': webauthn,
  '0008-status-indexes': statusIndexes,
  '0009-question-checks-in-flight': questionChecksInFlight,
  '0010-one-pending-push': onePendingPush,
  '0011-one-pending-code': onePendingCode,
  '0012-activation-subject': activationSubject,
  '0013-push-credentials': pushCredentials,
  '0014-server-key-sets': serverKeySets,
  '0015-offline-codes': offlineCodes,
  '0016-external-id-hint': externalIdHint,
  '0017-id-token-alg': idTokenAlg,
  '0020-webhook-queue-indexes': webhookQueueIndexes,
  '0021-fraud-resolved': fraudResolved,
  '0022-method-verifications': methodVerifications,
  '0023-operator-password-change': operatorPasswordChange,
  '0024-operator-second-factor': operatorSecondFactor,
  '0025-call-notices': callNotices,
  '0029-request-signing-alg': requestSigningAlg,
  '0027-fraud-cases-and-analytics': fraudCases,
  '0026-campaigns': campaigns,
  '0032-practice': practice,
  '0033-fallback-reason': fallbackReason,
  '0034-practice-answers': practiceAnswers,
  '0018-audit-sealing': auditSealing,
};

const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };

// PostgreSQL returns bigint (int8) as text so as not to lose precision past 2^53; our bigints
// are millisecond times, sequence numbers and counts, all far below that.
const int8Oid = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8Oid
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** PostgreSQL: name repeated statements so each connection prepares them once (default true). */
  preparedStatements?: boolean;
  /** Told about connection errors that happen while a pooled connection sits idle. */
  onIdleError?: (error: Error) => void;
}

export function openDatabase(options: OpenDatabaseOptions): Database {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 10,
      // Give up on a server that accepts the connection but never answers, instead of hanging.
      connectionTimeoutMillis: 10_000,
      types: pgTypes,
    });
    // An idle pooled connection can die (server restart, failover, admin action). pg then emits
    // 'error' on the pool, which without a listener would crash the process; the pool replaces
    // the connection on next use, so noting it is enough.
    pool.on('error', (error) => options.onIdleError?.(error));
    const dialect = new PostgresDialect({
      pool: options.preparedStatements === false ? pool : namingPool(pool),
    });
    const db = new Kysely<Schema>({ dialect: withConstraintViolations(dialect) });
    return {
      db,
      kind: 'postgres',
      location: redactDatabaseUrl(options.databaseUrl),
      connections: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      reports: reportsOn(db),
      close: () => db.destroy(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(options.dataDir, 'helpdesk-auth.sqlite');
  const sqlite = createNodeSqliteDialect(file);
  const db = new Kysely<Schema>({ dialect: withConstraintViolations(sqlite.dialect) });
  durability.set(db, sqlite.durable);
  const reader = createSqliteReportReader(file);
  return {
    db,
    kind: 'sqlite',
    location: file,
    connections: sqlite.connections,
    reports: {
      rows: async <R>(query: Compilable<R>) => {
        const { sql: text, parameters } = query.compile();
        // The worker's connection sees what is committed: first every change made so far here.
        await sqlite.durable();
        return (await reader.rows(text, parameters)) as R[];
      },
    },
    close: async () => {
      await reader.close();
      await db.destroy();
    },
  };
}

/**
 * How to wait until every change made so far is durable. SQLite commits in groups (see
 * node-sqlite-dialect.ts); PostgreSQL commits each transaction itself, so it has nothing to wait for.
 */
const durability = new WeakMap<object, () => Promise<void>>();

export function durable(db: Db): Promise<void> {
  return durability.get(db)?.() ?? Promise.resolve();
}

export interface MigrationOutcome {
  applied: string[];
}

export async function migrateToLatest(db: Db): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Applies migrations up to and including `name` (tests of a migration's data changes). */
export async function migrateTo(db: Db, name: string): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Names of migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const list = await migrator.getMigrations();
  return list.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
