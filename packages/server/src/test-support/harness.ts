// The test harness: a clock the test moves, a scratch database, the app, signed-in clients.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Agent } from 'node:https';
import { type AddressInfo, createServer, type LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role } from '@helpdesk-auth/core';
import pino from 'pino';
import { buildApp } from '../app/build-app.ts';
import { openRuntime, type Runtime } from '../app/runtime.ts';
import { type Config, loadConfig } from '../config/config.ts';
import type { App } from '../http/types.ts';
import { cliActor } from '../platform/audit-log.ts';
import { loggerOptions } from '../platform/logging.ts';
import { type Database, type DatabaseKind, migrateToLatest, openDatabase } from '../storage/database.ts';
import { createTestPostgres, type TestPostgres } from './postgres.ts';

/**
 * A clock the test moves by hand, so expiry is tested without waiting. It is also the server's
 * timers: moving the clock fires every timer that has come due, in order, as real time would.
 */
export function createTestClock(start = Date.UTC(2026, 0, 15, 9, 0, 0)) {
  let now = start;
  let sequence = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
      const due = [...pending.entries()]
        .filter(([, t]) => t.at <= now)
        .sort(([a, x], [b, y]) => x.at - y.at || a - b);
      for (const [handle, timer] of due) {
        pending.delete(handle);
        timer.callback();
      }
    },
    setTimeout(callback: () => void, delayMs: number): unknown {
      const handle = ++sequence;
      pending.set(handle, { at: now + Math.max(0, delayMs), callback });
      return handle;
    },
    clearTimeout(handle: unknown) {
      pending.delete(handle as number);
    },
  };
}
export type TestClock = ReturnType<typeof createTestClock>;

export const testPassword = 'correct horse battery staple';

export interface TestDatabase {
  kind: DatabaseKind;
  config: Partial<Config>;
  cleanup(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'postgres') {
    const pgdb: TestPostgres = await createTestPostgres();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-pg-'));
    return {
      kind,
      config: { databaseUrl: pgdb.url, dataDir },
      cleanup: async () => {
        await pgdb.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-sqlite-'));
  return {
    kind,
    config: { dataDir },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * A scratch database of the kind, opened (not through a runtime) and, unless `migrate` is false,
 * migrated; `close` closes it and removes it.
 */
export async function openTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<{ database: Database; close(): Promise<void> }> {
  const testDb = await createTestDatabase(kind);
  const database = openDatabase({ databaseUrl: testDb.config.databaseUrl, dataDir: testDb.config.dataDir! });
  if (options.migrate !== false) await migrateToLatest(database.db);
  return {
    database,
    close: async () => {
      await database.close();
      await testDb.cleanup();
    },
  };
}

export interface TestTenant {
  id: string;
  slug: string;
}

export interface TestHarness {
  app: App;
  /** Where this server listens, when started with `listen` (its PUBLIC_URL may name another, like a load balancer). */
  baseUrl: string;
  runtime: Runtime;
  clock: TestClock;
  config: Config;
  /** Every log line the server wrote, as text. */
  logLines: string[];
  createTenant(slug: string): Promise<TestTenant>;
  createOperator(tenant: TestTenant, role: Role, email?: string): Promise<{ id: string; email: string }>;
  signIn(tenant: TestTenant, email: string, password?: string): Promise<OperatorClient>;
  /** A tenant with a signed-in client for each role. */
  tenantWithOperators(slug: string): Promise<TestTenant & { clients: Record<Role, OperatorClient> }>;
  createApiKey(tenant: TestTenant, scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface OperatorClient {
  operatorId: string;
  cookie: string;
  csrfToken: string;
  /** Request headers and cookies that authenticate as this operator. */
  auth(): { cookies: Record<string, string>; headers: Record<string, string> };
}

/** A free port on the loopback interface, so a listening test server knows its URL in advance. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HarnessOptions {
  /** Listen on 127.0.0.1 (for clients that speak real HTTP, like the device SDK); `baseUrl` is set. */
  listen?: boolean;
  /** Move time by hand (default), or use the real clock (for tests of real-time behaviour). */
  realClock?: boolean;
  /** HTTPS agent for push services (the local test push service's). */
  pushAgent?: Agent;
  /** DNS for outbound push connections (a test's own names). */
  resolveHost?: LookupFunction;
}

export async function startTestHarness(
  kind: DatabaseKind,
  overrides: Partial<Config> = {},
  options: HarnessOptions = {},
): Promise<TestHarness> {
  const database = await createTestDatabase(kind);
  const clock = createTestClock();
  const port = options.listen ? await freePort() : undefined;
  const config = loadConfig(
    {},
    {
      mode: 'test',
      logLevel: 'info',
      seedDemoData: false,
      ...database.config,
      ...(port ? { port, host: '127.0.0.1', publicUrl: `http://127.0.0.1:${port}` } : {}),
      ...overrides,
    },
  );
  const logLines: string[] = [];
  const logger = pino(loggerOptions(config), { write: (line: string) => void logLines.push(line) });
  const runtime = await openRuntime(config, {
    warn: () => {},
    ...(options.realClock ? {} : { clock: clock.now, timers: clock }),
    ...(options.pushAgent ? { pushAgent: options.pushAgent } : {}),
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
  });
  // Every answer is checked against its route's response schema, so a handler that drifts from
  // the OpenAPI document fails its test with a 500 (and a warning naming route, status and fields).
  const app = await buildApp({ ...runtime, logger, validateResponses: true });
  if (port) await app.listen({ port, host: '127.0.0.1' });
  const { services } = runtime;

  const harness: TestHarness = {
    app,
    baseUrl: port ? `http://127.0.0.1:${port}` : config.publicUrl,
    runtime,
    clock,
    config,
    logLines,
    async createTenant(slug) {
      const tenant = await services.tenants.create({ slug, name: `Tenant ${slug}` }, cliActor);
      return { id: tenant.id, slug: tenant.slug };
    },
    async createOperator(tenant, role, email = `${role}@${tenant.slug}.example`) {
      const { operator } = await services.operators.create(
        tenant.id,
        { email, displayName: `${role} of ${tenant.slug}`, role, password: testPassword },
        cliActor,
      );
      return { id: operator.id, email };
    },
    async signIn(tenant, email, password = testPassword) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { tenant: tenant.slug, email, password },
      });
      if (response.statusCode !== 200)
        throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
      const cookie = response.cookies.find((c) => c.name === 'hda_session')!.value;
      const body = response.json() as { csrfToken: string; operator: { id: string } };
      return {
        operatorId: body.operator.id,
        cookie,
        csrfToken: body.csrfToken,
        auth: () => ({ cookies: { hda_session: cookie }, headers: { 'x-csrf-token': body.csrfToken } }),
      };
    },
    async tenantWithOperators(slug) {
      const tenant = await harness.createTenant(slug);
      const clients = {} as Record<Role, OperatorClient>;
      for (const role of ['admin', 'supervisor', 'agent', 'auditor'] as const) {
        const op = await harness.createOperator(tenant, role);
        clients[role] = await harness.signIn(tenant, op.email);
      }
      return { ...tenant, clients };
    },
    async createApiKey(tenant, scopes) {
      const { secret } = await services.apiKeys.create(tenant.id, { name: 'test key', scopes }, cliActor);
      return secret;
    },
    async close() {
      await app.close();
      await runtime.close();
      await database.cleanup();
    },
  };
  return harness;
}

/** Both databases, so a suite written once runs on each. */
export const databaseKinds: DatabaseKind[] = ['sqlite', 'postgres'];
