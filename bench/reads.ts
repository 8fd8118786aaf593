/**
 * `npm run bench:reads`: what a read-only request costs the server, on SQLite. The agent's
 * `GET /v1/verifications/{id}` (API key, the verification, its timeline) alone, next to the same
 * server's `GET /healthz`, which touches no database. A report, not a test.
 *
 * Settings (environment): BENCH_CONCURRENCY (48 connections), BENCH_SECONDS (5 measured seconds
 * per route, after 1 s of warm-up).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { type CpuSnapshot, cpuBetween, snapshot } from './cpu.ts';
import { enrollDevice } from './device.ts';
import {
  freePort,
  intSetting,
  serverEnvironment,
  serverSettings,
  startChild,
  waitForReady,
} from './processes.ts';
import { prepareData } from './setup.ts';
import { table } from './stats.ts';

const concurrency = intSetting('BENCH_CONCURRENCY', 48);
const seconds = intSetting('BENCH_SECONDS', 5);
const warmupSeconds = 1;

interface RouteResult {
  name: string;
  requestsPerSecond: number;
  mainMicrosecondsPerRequest: number | undefined;
  serverCores: number | undefined;
}

/** Runs `request` from `concurrency` loops; counts and measures only the window after warm-up. */
async function load(name: string, serverPid: number, request: () => Promise<void>): Promise<RouteResult> {
  const windowStart = performance.now() + warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  let counted = 0;
  let first: CpuSnapshot | undefined;
  const opener = setTimeout(() => {
    first = snapshot(serverPid);
  }, warmupSeconds * 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < windowEnd) {
        await request();
        const now = performance.now();
        if (now >= windowStart && now <= windowEnd) counted++;
      }
    }),
  );
  clearTimeout(opener);
  if (!first) throw new Error('the measured window never opened');
  const cpu = cpuBetween(first, snapshot(serverPid));
  const main = cpu.serverThreadSeconds?.main;
  return {
    name,
    requestsPerSecond: counted / seconds,
    mainMicrosecondsPerRequest: main === undefined ? undefined : (main * 1e6) / counted,
    serverCores: cpu.server,
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hda-bench-reads-'));
  const port = await freePort();
  const settings = serverSettings(dataDir, port);
  const publicUrl = settings.PUBLIC_URL;
  let server: ReturnType<typeof startChild> | undefined;
  const pool = new Pool(publicUrl, { connections: concurrency, pipelining: 1 });
  try {
    const data = await prepareData(settings, 1);
    server = startChild(['packages/server/src/cli/main.ts', 'serve'], serverEnvironment(settings));
    await waitForReady(server, `${publicUrl}/readyz`);
    const customer = data.customers[0]!;
    await enrollDevice(pool, publicUrl, customer.id, customer.activationCode);
    const auth = `Bearer ${data.apiKey}`;
    const started = await pool.request({
      method: 'POST',
      path: '/v1/verifications',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: customer.id, reason: 'Benchmark' }),
    });
    if (started.statusCode !== 201) {
      throw new Error(`start failed: ${started.statusCode} ${await started.body.text()}`);
    }
    const { id } = (await started.body.json()) as { id: string };

    const get =
      (requestPath: string, headers: Record<string, string> = {}) =>
      async () => {
        const { statusCode, body } = await pool.request({ method: 'GET', path: requestPath, headers });
        await body.text();
        if (statusCode !== 200) throw new Error(`GET ${requestPath}: ${statusCode}`);
      };
    const pid = server.process.pid!;
    const results = [
      await load('GET /healthz', pid, get('/healthz')),
      await load('GET /v1/verifications/{id}', pid, get(`/v1/verifications/${id}`, { authorization: auth })),
    ];
    const cell = (n: number | undefined, digits = 0) => (n === undefined ? '?' : n.toFixed(digits));
    console.log(
      [
        'Helpdesk Auth read-only requests on SQLite (a report, not a test)',
        `command      npm run bench:reads   (${concurrency} connections, ${warmupSeconds} s warm-up + ${seconds} s per route)`,
        `node         ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}`,
        '',
        table([
          ['route', 'requests/s', 'main thread µs per request', 'server cores'],
          ...results.map((r) => [
            r.name,
            cell(r.requestsPerSecond),
            cell(r.mainMicrosecondsPerRequest),
            cell(r.serverCores, 2),
          ]),
        ]),
      ].join('\n'),
    );
  } finally {
    await pool.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
