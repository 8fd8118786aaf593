/**
 * `npm run bench:analytics`: how long the supervisor dashboard's queries take over a million
 * verifications, on SQLite and on PostgreSQL. The set-up bulk-inserts a tenant's history (90
 * days, 100,000 customers, 40 agents in 4 teams, a mix of methods and outcomes like a contact
 * centre's) straight into the tables, then times the dashboard (every figure it shows, as the
 * API computes them) for several periods and filters. A report, not a test.
 *
 * Settings (environment): BENCH_VERIFICATIONS (1,000,000), BENCH_CUSTOMERS (100,000),
 * BENCH_RUNS (5 timed runs per query, after one warm-up), BENCH_DATABASES (sqlite,postgres),
 * BENCH_POSTGRES_URL (the admin database used to create a scratch database).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { newId } from '@helpdesk-auth/core';
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import { openRuntime } from '../packages/server/src/app/runtime.ts';
import { loadConfig } from '../packages/server/src/config/config.ts';
import type { AnalyticsFilter } from '../packages/server/src/features/analytics/analytics.ts';
import { cliActor } from '../packages/server/src/platform/audit-log.ts';
import type { Schema } from '../packages/server/src/storage/schema.ts';
import { createScratchDatabase } from '../packages/server/src/test-support/postgres.ts';
import { intSetting } from './processes.ts';
import { table } from './stats.ts';

const verificationCount = intSetting('BENCH_VERIFICATIONS', 1_000_000);
const customerCount = intSetting('BENCH_CUSTOMERS', 100_000);
const runs = intSetting('BENCH_RUNS', 5);
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
const postgresAdminUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

const dayMs = 86_400_000;
const days = 90;
const agents = 40;
const teams = ['North', 'South', 'East', 'West'];
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** A small deterministic generator, so every run loads the same history. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: number, weighted: [T, number][]): T {
  let acc = 0;
  for (const [value, weight] of weighted) {
    acc += weight;
    if (r < acc) return value;
  }
  return weighted[weighted.length - 1]![0];
}

interface QueryTiming {
  name: string;
  medianMs: number;
  minMs: number;
  total: number;
}

async function run(
  kind: 'sqlite' | 'postgres',
): Promise<{ loadSeconds: number; timings: QueryTiming[] } | string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hda-bench-analytics-'));
  let postgres: { url: string; drop(): Promise<void> } | undefined;
  if (kind === 'postgres') {
    try {
      postgres = await createScratchDatabase(postgresAdminUrl, 'hda_bench');
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      return `PostgreSQL at ${postgresAdminUrl} is not usable (${(error as Error).message})`;
    }
  }
  const runtime = await openRuntime(
    loadConfig({
      DATA_DIR: dataDir,
      ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      LOG_LEVEL: 'silent',
    }),
    { warn: () => {} },
  );
  try {
    const { services } = runtime;
    const db = runtime.database.db;
    const tenant = await services.tenants.create({ slug: 'bench', name: 'Benchmark Bank' }, cliActor);
    const loadStart = performance.now();
    const now = Date.now();
    const start = now - days * dayMs;

    const operatorIds: string[] = [];
    const operatorRows = Array.from({ length: agents }, (_, i) => {
      const id = newId('operator', start);
      operatorIds.push(id);
      return {
        id,
        tenant_id: tenant.id,
        email: `agent${i}@bench.example`,
        display_name: `Agent ${i}`,
        role: 'agent',
        password_hash: null,
        status: 'active' as const,
        created_at: start,
        updated_at: start,
        last_sign_in_at: null,
        team: teams[i % teams.length]!,
      };
    });
    await db.insertInto('operators').values(operatorRows).execute();

    const rand = random(42);
    const customerIds: string[] = [];
    const withDevice = new Set<number>();
    for (let offset = 0; offset < customerCount; offset += 1000) {
      const rows: Insertable<Schema['customers']>[] = [];
      const devices: Insertable<Schema['devices']>[] = [];
      for (let i = offset; i < Math.min(customerCount, offset + 1000); i++) {
        const id = newId('customer', start);
        customerIds.push(id);
        rows.push({
          id,
          tenant_id: tenant.id,
          external_id: `C${i}`,
          display_name: `Customer ${i}`,
          name_folded: `customer ${i}`,
          phone: null,
          phone_changed_at: null,
          email: null,
          locale: null,
          created_at: start,
          updated_at: start,
        });
        if (rand() < 0.7) {
          withDevice.add(i);
          devices.push({
            id: newId('device', start),
            tenant_id: tenant.id,
            customer_id: id,
            label: 'Phone',
            platform: 'android',
            public_jwk: '{}',
            key_thumbprint: `t${i}`,
            push_kind: rand() < 0.9 ? 'fcm' : null,
            push_target: 'token',
            status: 'active' as const,
            created_at: start - dayMs,
            last_seen_at: start,
            revoked_at: null,
            webauthn_credential_id: null,
            webauthn_public_key: null,
            webauthn_counter: 0,
            webauthn_registered_at: null,
          });
        }
      }
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('customers').values(rows).execute();
        if (devices.length) await tx.insertInto('devices').values(devices).execute();
      });
    }
    progress(`${kind}: ${customerCount} customers loaded`);

    // Verifications in time order (their ids are time-ordered, as the server makes them).
    const batch = 1000;
    for (let offset = 0; offset < verificationCount; offset += batch) {
      const rows: Insertable<Schema['verifications']>[] = [];
      for (let i = offset; i < Math.min(verificationCount, offset + batch); i++) {
        const createdAt = start + Math.floor((i / verificationCount) * days * dayMs);
        const customer = Math.floor(rand() * customerCount);
        const hasDevice = withDevice.has(customer);
        const method = hasDevice
          ? pick(rand(), [
              ['push', 0.78],
              ['sms_otp', 0.08],
              ['security_questions', 0.08],
              ['app_code', 0.03],
              ['totp', 0.03],
            ])
          : pick(rand(), [
              ['sms_otp', 0.5],
              ['security_questions', 0.35],
              ['email_otp', 0.15],
            ]);
        const status =
          method === 'push'
            ? pick(rand(), [
                ['approved', 0.88],
                ['denied', 0.03],
                ['expired', 0.05],
                ['cancelled', 0.03],
                ['fraud_reported', 0.005],
                ['failed', 0.005],
              ])
            : pick(rand(), [
                ['approved', 0.9],
                ['failed', 0.1],
              ]);
        const seconds =
          method === 'push'
            ? 5 + Math.floor(rand() * 25)
            : method.endsWith('otp')
              ? 20 + Math.floor(rand() * 60)
              : 0;
        const agent = Math.floor(rand() * agents);
        rows.push({
          id: newId('verification', createdAt),
          tenant_id: tenant.id,
          customer_id: customerIds[customer]!,
          method,
          purpose: 'caller_verification',
          reason: 'Benchmark',
          action_summary: null,
          call_reference: null,
          status,
          code_hash: '',
          code_sealed: null,
          code_length: 2,
          failed_attempts: 0,
          max_attempts: 3,
          started_by_type: 'operator',
          started_by_id: operatorIds[agent]!,
          agent_name: `Agent ${agent}`,
          request_jws: '',
          created_at: createdAt,
          expires_at: createdAt + 120_000,
          finished_at: createdAt + seconds * 1000,
          decided_by_device_id: null,
          decision_evidence: null,
          assurance: null,
          require_user_verification: 0,
          action: method === 'push' ? null : 'verify_caller',
          // What the fallback's recording keeps (features/methods/fallback-reason.ts).
          fallback_reason:
            method === 'push'
              ? null
              : hasDevice
                ? pick(rand(), [
                    ['unreachable', 0.5],
                    ['not_tried', 0.35],
                    ['denied', 0.1],
                    ['locked', 0.05],
                  ])
                : 'no_device',
        });
      }
      await db.transaction().execute((tx) => tx.insertInto('verifications').values(rows).execute());
      if ((offset / batch) % 100 === 0) progress(`${kind}: ${offset + rows.length} verifications`);
    }
    // PostgreSQL's autovacuum analyzes a table after a load like this one; SQLite has no such
    // thing and the server never runs ANALYZE, so SQLite plans without statistics, as in production.
    if (kind === 'postgres') await sql`analyze`.execute(db);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    progress(`${kind}: loaded in ${loadSeconds.toFixed(0)} s`);

    const scenarios: [string, AnalyticsFilter][] = [
      ['last 30 days', { from: now - 30 * dayMs, to: now }],
      ['last 90 days (all)', { from: start, to: now + 1 }],
      ['last 7 days', { from: now - 7 * dayMs, to: now }],
      ['90 days, one team', { from: start, to: now + 1, team: 'North' }],
      ['90 days, one agent', { from: start, to: now + 1, agentId: operatorIds[0]! }],
      ['90 days, push only', { from: start, to: now + 1, method: 'push' }],
    ];
    const timings: QueryTiming[] = [];
    for (const [name, filter] of scenarios) {
      await services.analytics.dashboard(tenant.id, filter);
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const d = await services.analytics.dashboard(tenant.id, filter);
        times.push(performance.now() - t0);
        total = d.total;
      }
      times.sort((a, b) => a - b);
      timings.push({ name, medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, total });
      progress(`${kind}: ${name}: ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms`);
    }
    return { loadSeconds, timings };
  } finally {
    await runtime.close();
    await postgres?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const report: string[][] = [['database', 'query', 'verifications counted', 'median ms', 'fastest ms']];
for (const kind of databases) {
  const result = await run(kind);
  if (typeof result === 'string') {
    report.push([kind, result, '', '', '']);
    continue;
  }
  for (const t of result.timings) {
    report.push([kind, t.name, String(t.total), t.medianMs.toFixed(0), t.minMs.toFixed(0)]);
  }
  report.push([
    kind,
    `(set-up: ${verificationCount} rows loaded in ${result.loadSeconds.toFixed(0)} s)`,
    '',
    '',
    '',
  ]);
}
process.stdout.write(`\nSupervisor dashboard over ${verificationCount} verifications, ${runs} runs each\n\n`);
process.stdout.write(`${table(report)}\n`);
