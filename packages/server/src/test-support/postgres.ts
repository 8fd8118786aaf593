// A fresh PostgreSQL database for one test suite, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceConnectTimeoutMs, skipWhenMissing } from './skip.ts';

/**
 * A fresh, empty PostgreSQL database for one test suite, dropped afterwards. Locally, when no
 * server answers, suites skip and say so loudly; with CI=true a missing server fails the run.
 */
export const postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgres {
  url: string;
  drop(): Promise<void>;
}

let reachable: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL is reachable; otherwise why not. */
export function postgresUnavailable(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new pg.Client({
      connectionString: postgresAdminUrl,
      connectionTimeoutMillis: serviceConnectTimeoutMs,
    });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${postgresAdminUrl} is not reachable (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/** Test option for node:test: skip locally without PostgreSQL, never under CI. */
export async function postgresSkip(): Promise<string | false> {
  return skipWhenMissing('PostgreSQL', await postgresUnavailable());
}

export async function createTestPostgres(): Promise<TestPostgres> {
  return createScratchDatabase(postgresAdminUrl, 'ha_test');
}

/**
 * A new, empty database on the server of `adminUrl` (for tests and the benchmark), with a
 * random name under `prefix`; `drop()` removes it, closing any connection left open.
 */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<TestPostgres> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: serviceConnectTimeoutMs,
  });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
