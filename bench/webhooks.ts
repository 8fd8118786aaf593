/**
 * `npm run bench:webhooks`: how fast one server process delivers webhooks to a receiver that
 * answers after 50 ms. A backlog of pending deliveries (a burst) is drained by one process's
 * webhook service, on SQLite and on PostgreSQL, and the report gives deliveries per second, the
 * ratio to the earlier fixed 50 deliveries per one-second round, the attempt time as the sender
 * measured it, the attempts in flight on average (rate x mean attempt time: how full the slots
 * were kept), and whether anything arrived twice or out of order. A report, not a test.
 *
 * Settings (environment): BENCH_DELIVERIES (3000 per scenario), BENCH_RECEIVER_MS (50),
 * BENCH_DATABASES (sqlite,postgres), BENCH_POSTGRES_URL (the admin database used to create a
 * scratch database).
 *
 * The receiver runs on a worker thread of this process, on 127.0.0.1, so its work does not
 * share the webhook service's event loop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { newId } from '@helpdesk-auth/core';
import { openRuntime } from '../packages/server/src/app/runtime.ts';
import { loadConfig } from '../packages/server/src/config/config.ts';
import { cliActor } from '../packages/server/src/platform/audit-log.ts';
import type { WebhookDeliveryRow } from '../packages/server/src/storage/schema.ts';
import { createScratchDatabase } from '../packages/server/src/test-support/postgres.ts';
import { intSetting } from './processes.ts';
import { table } from './stats.ts';

const deliveries = intSetting('BENCH_DELIVERIES', 3000);
const receiverMs = intSetting('BENCH_RECEIVER_MS', 50);
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
const postgresAdminUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
/** WEBHOOK_* settings of this environment apply to every scenario (a scenario's own win). */
const passedOn = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[0].startsWith('WEBHOOK_') && entry[1] !== undefined,
  ),
);
/** What one process delivered before: 50 deliveries per one-second round, whatever the receiver. */
const earlierPerSecond = 50;

const progress = (line: string) => process.stderr.write(`${line}\n`);

// The receiver: answers 204 after `delay` ms, and remembers per endpoint (the path) the delivery
// ids in the order their requests arrived.
const receiverSource = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const arrivals = new Map();
let total = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const list = arrivals.get(req.url) ?? [];
    list.push(String(req.headers['helpdesk-auth-delivery-id']));
    arrivals.set(req.url, list);
    total++;
    setTimeout(() => { res.writeHead(204); res.end(); }, workerData.delay);
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'count') return parentPort.postMessage({ total });
  if (message === 'reset') { arrivals.clear(); total = 0; return parentPort.postMessage({ reset: true }); }
  if (message === 'summary') {
    let duplicates = 0, outOfOrder = 0, received = 0;
    for (const list of arrivals.values()) {
      received += list.length;
      duplicates += list.length - new Set(list).size;
      for (let i = 1; i < list.length; i++) if (list[i] < list[i - 1]) outOfOrder++;
    }
    return parentPort.postMessage({ received, duplicates, outOfOrder });
  }
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
`;

interface Receiver {
  url: string;
  ask<T>(message: string): Promise<T>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const worker = new Worker(receiverSource, { eval: true, workerData: { delay: receiverMs } });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const ask = <T>(message: string) =>
    new Promise<T>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(message);
    });
  return {
    url: `http://127.0.0.1:${port}`,
    ask,
    async close() {
      await ask('close');
      await worker.terminate();
    },
  };
}

interface Scenario {
  name: string;
  endpoints: number;
  settings: Record<string, string>;
}

const scenarios: Scenario[] = [
  { name: '1 endpoint, defaults', endpoints: 1, settings: {} },
  {
    name: '32 endpoints, 1 at a time each',
    endpoints: 32,
    settings: { WEBHOOK_ENDPOINT_CONCURRENCY: '1' },
  },
];

interface Result {
  database: string;
  scenario: string;
  perSecond: number;
  seconds: number;
  duplicates: number;
  outOfOrder: number;
  /** The median and 99th percentile of an attempt as the sender timed it, the receiver's 50 ms included. */
  attemptMs: number;
  attemptP99Ms: number;
  /** Attempts in flight on average: how full the pump kept its slots. */
  meanInFlight: number;
}

async function run(
  kind: 'sqlite' | 'postgres',
  scenario: Scenario,
  receiver: Receiver,
): Promise<Result | string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hda-bench-webhooks-'));
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
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      LOG_LEVEL: 'silent',
      ...passedOn,
      ...scenario.settings,
    }),
    { warn: () => {} },
  );
  try {
    const { services } = runtime;
    const webhooks = services.webhooks;
    const tenant = await services.tenants.create({ slug: 'bench', name: 'Benchmark Bank' }, cliActor);
    const endpoints = [];
    for (let i = 0; i < scenario.endpoints; i++) {
      const { endpoint } = await webhooks.create(
        tenant.id,
        { url: `${receiver.url}/e/${i}`, events: ['verification.approved'] },
        cliActor,
      );
      endpoints.push(endpoint.id);
    }
    // The burst: pending deliveries, spread over the endpoints in turn, as the dispatcher writes them.
    const now = Date.now();
    const rows: WebhookDeliveryRow[] = [];
    for (let i = 0; i < deliveries; i++) {
      const eventId = newId('webhookEvent', now);
      const event = {
        id: eventId,
        type: 'verification.approved',
        createdAt: new Date(now).toISOString(),
        tenantId: tenant.id,
        data: { verificationId: newId('verification', now), customerId: newId('customer', now) },
      };
      rows.push({
        id: newId('webhookDelivery', now),
        tenant_id: tenant.id,
        endpoint_id: endpoints[i % endpoints.length]!,
        event_id: eventId,
        event_type: event.type,
        payload: JSON.stringify(event),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        last_status_code: null,
        created_at: now,
        completed_at: null,
      });
    }
    for (let i = 0; i < rows.length; i += 200) {
      await runtime.database.db
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + 200))
        .execute();
    }
    await receiver.ask('reset');
    progress(`${kind}, ${scenario.name}: draining ${deliveries} deliveries`);
    const started = performance.now();
    webhooks.startPump();
    webhooks.pump();
    // The pump runs on; wait until the receiver has every delivery (at most 5 minutes).
    for (;;) {
      const { total } = await receiver.ask<{ total: number }>('count');
      if (total >= deliveries) break;
      if (performance.now() - started > 300_000) throw new Error(`only ${total} arrived in 5 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Each attempt that settles refills its slot; a poll of the loop covers a fill that found
      // nothing while the last claims were committing.
      webhooks.pump();
    }
    const seconds = (performance.now() - started) / 1000;
    await webhooks.stopPump();
    const durations = (
      await runtime.database.db.selectFrom('webhook_attempts').select('duration_ms').execute()
    )
      .map((row) => Number(row.duration_ms))
      .sort((a, b) => a - b);
    const summary = await receiver.ask<{ received: number; duplicates: number; outOfOrder: number }>(
      'summary',
    );
    return {
      database: kind,
      scenario: scenario.name,
      perSecond: deliveries / seconds,
      seconds,
      duplicates: summary.duplicates,
      outOfOrder: summary.outOfOrder,
      attemptMs: durations[Math.floor(durations.length / 2)] ?? 0,
      attemptP99Ms: durations[Math.floor(durations.length * 0.99)] ?? 0,
      // Little's law: attempts in flight on average = rate x mean attempt time.
      meanInFlight: (deliveries / seconds) * (durations.reduce((a, b) => a + b, 0) / durations.length / 1000),
    };
  } finally {
    await runtime.close();
    await postgres?.drop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

const receiver = await startReceiver();
const results: Result[] = [];
try {
  for (const kind of databases) {
    for (const scenario of scenarios) {
      const result = await run(kind, scenario, receiver);
      if (typeof result === 'string') {
        progress(`${kind}: skipped: ${result}`);
        break;
      }
      results.push(result);
    }
  }
} finally {
  await receiver.close();
}

console.log(
  `\nWebhook delivery, one process, receiver answering after ${receiverMs} ms, ${deliveries} deliveries per run (Node ${process.version}, ${os.cpus().length} cores)\n`,
);
console.log(
  table([
    [
      'database',
      'scenario',
      'deliveries/s',
      `x ${earlierPerSecond}/s`,
      'seconds',
      'attempt ms p50/p99',
      'in flight',
      'twice',
      'out of order',
    ],
    ...results.map((r) => [
      r.database,
      r.scenario,
      r.perSecond.toFixed(0),
      (r.perSecond / earlierPerSecond).toFixed(1),
      r.seconds.toFixed(2),
      `${r.attemptMs}/${r.attemptP99Ms}`,
      r.meanInFlight.toFixed(1),
      String(r.duplicates),
      String(r.outOfOrder),
    ]),
  ]),
);
