/**
 * `npm run bench:campaigns`: how fast one server process sends a rollout campaign's invitations
 * (a new activation link per customer, by SMS through the development outbox), and whether its
 * memory grows with the campaign's size. For each database and each size, a tenant of that many
 * customers gets one invitation campaign, which the sender works through as `serve` runs it (the
 * audit sequencer sweeping beside it); the report gives invitations per second, the peak RSS and
 * the heap after a full collection before and after the campaign. A report, not a test.
 *
 * Settings (environment): BENCH_SIZES (10000,100000), BENCH_DATABASES (sqlite,postgres),
 * BENCH_POSTGRES_URL (the admin database used to create a scratch database), BENCH_ANALYZE
 * (`false`: PostgreSQL plans without statistics on the customers just written). Run with
 * `--expose-gc` (the npm script does) so the heap is measured after a collection.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { newId } from '@helpdesk-auth/core';
import { sql } from 'kysely';
import { openRuntime } from '../packages/server/src/app/runtime.ts';
import { loadConfig } from '../packages/server/src/config/config.ts';
import { cliActor, sealAuditBacklog } from '../packages/server/src/platform/audit-log.ts';
import { createScratchDatabase } from '../packages/server/src/test-support/postgres.ts';
import { table } from './stats.ts';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map((s) => Number(s.trim()));
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
const postgresAdminUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

const progress = (line: string) => process.stderr.write(`${line}\n`);
const collect = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function heapAfterCollection(): number {
  collect?.();
  collect?.();
  return process.memoryUsage().heapUsed;
}

interface Result {
  kind: string;
  size: number;
  seconds: number;
  sent: number;
  heapBefore: number;
  heapAfter: number;
  heapPeak: number;
  rssPeak: number;
}

async function run(kind: 'sqlite' | 'postgres', size: number): Promise<Result | string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hda-bench-campaigns-'));
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
      // The provider's limit is not what is measured here.
      CAMPAIGN_PROVIDER_RATE_PER_SECOND: '1000000',
    }),
    { warn: () => {} },
  );
  try {
    const { services } = runtime;
    const db = runtime.database.db;
    const tenant = await services.tenants.create({ slug: 'bench', name: 'Benchmark Bank' }, cliActor);
    progress(`${kind}, ${size} customers: creating them`);
    const now = Date.now();
    for (let start = 0; start < size; start += 1000) {
      const rows = [];
      for (let i = start; i < Math.min(size, start + 1000); i++) {
        rows.push({
          id: newId('customer', now),
          tenant_id: tenant.id,
          external_id: `bench-${i}`,
          display_name: `Customer ${i}`,
          name_folded: `customer ${i}`,
          phone: `+49151${String(10_000_000 + i)}`,
          phone_changed_at: null,
          email: null,
          locale: i % 2 === 0 ? 'de-DE' : 'en',
          created_at: now,
          updated_at: now,
        });
      }
      await db.insertInto('customers').values(rows).execute();
    }
    // A database that has customers has statistics on them: autovacuum analyses a table soon after
    // a bulk import. Without them PostgreSQL plans the sender's batch lookups for an empty table.
    // BENCH_ANALYZE=false leaves them out, as the first runs of this benchmark did.
    if (kind === 'postgres' && process.env.BENCH_ANALYZE !== 'false') await sql`analyze`.execute(db);
    const { campaign } = await services.campaigns.create(
      tenant.id,
      // Above the API's 1000 per second: what is measured is the sender, not a throttle.
      {
        name: 'Bench',
        kind: 'invitation',
        channel: 'sms',
        audience: { kind: 'all' },
        ratePerSecond: 1_000_000,
      },
      cliActor,
    );
    await services.campaigns.change(tenant.id, campaign.id, 'start', cliActor);
    const heapBefore = heapAfterCollection();
    let heapPeak = 0;
    let rssPeak = 0;
    const sample = () => {
      const usage = process.memoryUsage();
      heapPeak = Math.max(heapPeak, usage.heapUsed);
      rssPeak = Math.max(rssPeak, usage.rss);
    };
    // The audit sequencer, as the server runs it (PostgreSQL seals entries after their commit).
    const sequencer = setInterval(() => void sealAuditBacklog(db).catch(() => {}), 1000);
    const memory = setInterval(sample, 100);
    const started = performance.now();
    let sent = 0;
    let lastReport = started;
    progress(`${kind}, ${size} customers: sending`);
    for (;;) {
      const result = await services.campaignSender.tick(500);
      sent += result.sent;
      sample();
      if (!result.busy) break;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(
          `  ${sent} sent, ${Math.round(sent / ((lastReport - started) / 1000))}/s, RSS ${mib(process.memoryUsage().rss)} MiB`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sequencer);
    clearInterval(memory);
    const heapAfter = heapAfterCollection();
    const { funnel } = await services.campaigns.get(tenant.id, campaign.id);
    if (funnel.sent !== size) throw new Error(`sent ${funnel.sent} of ${size}`);
    return { kind, size, seconds, sent, heapBefore, heapAfter, heapPeak, rssPeak };
  } finally {
    await runtime.close();
    await postgres?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (!collect) progress('Run with --expose-gc (npm run bench:campaigns does) for the heap after collection.');
const results: Result[] = [];
for (const kind of databases) {
  for (const size of sizes) {
    const result = await run(kind, size);
    if (typeof result === 'string') {
      progress(`${kind}: skipped, ${result}`);
      continue;
    }
    results.push(result);
  }
}
console.log(
  table([
    [
      'database',
      'customers',
      'seconds',
      'invitations/s',
      'heap before MiB',
      'heap after MiB',
      'heap peak MiB',
      'peak RSS MiB',
    ],
    ...results.map((r) => [
      r.kind,
      String(r.size),
      r.seconds.toFixed(1),
      (r.sent / r.seconds).toFixed(0),
      mib(r.heapBefore),
      mib(r.heapAfter),
      mib(r.heapPeak),
      mib(r.rssPeak),
    ]),
  ]),
);
