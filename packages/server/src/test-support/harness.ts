import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Role } from '@helpdesk-auth/core';
import pino from 'pino';
import { type Config, loadConfig } from '../config/config.ts';
import { type App, buildApp } from '../http/app.ts';
import { loggerOptions } from '../logging.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import { cliActor } from '../services/audit-log.ts';
import type { DatabaseKind } from '../storage/database.ts';
import { createTestPostgres, type TestPostgres } from './postgres.ts';

/** A clock the test moves by hand, so expiry is tested without waiting. */
export function createTestClock(start = Date.UTC(2026, 0, 15, 9, 0, 0)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
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

export interface TestTenant {
  id: string;
  slug: string;
}

export interface TestHarness {
  app: App;
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

export async function startTestHarness(
  kind: DatabaseKind,
  overrides: Partial<Config> = {},
): Promise<TestHarness> {
  const database = await createTestDatabase(kind);
  const clock = createTestClock();
  const config = loadConfig(
    {},
    { mode: 'test', logLevel: 'info', seedDemoData: false, ...database.config, ...overrides },
  );
  const logLines: string[] = [];
  const logger = pino(loggerOptions(config), { write: (line: string) => void logLines.push(line) });
  const runtime = await openRuntime(config, { clock: clock.now, warn: () => {} });
  const app = await buildApp({ ...runtime, logger });
  const { services } = runtime;

  const harness: TestHarness = {
    app,
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
