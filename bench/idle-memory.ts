/**
 * `npm run bench:memory`: how much memory a fresh server holds before its first request. Starts
 * the server as `npm start` does (`node packages/server/bin/helpdesk-auth.js serve`, SQLite, the demo
 * tenant seeded) on an empty data folder, waits until it prints that it is running and then
 * BENCH_IDLE_SECONDS more (5), and reads the process's resident set (VmRSS) and its peak (VmHWM)
 * from /proc. No request is sent. Each run is a new process and data folder; the median of
 * BENCH_RUNS (3) is reported. A report, not a test; Linux only.
 *
 * BENCH_IMAGE_FOLDER=<folder laid out by scripts/image/build.ts> measures the server as the
 * container image runs it instead: from that folder, in production mode, with the compile cache
 * the build warmed (NODE_COMPILE_CACHE).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  intSetting,
  serverEnvironment,
  serverSettings,
  startChild,
  waitForLine,
} from './processes.ts';

const runs = intSetting('BENCH_RUNS', 3);
const idleSeconds = intSetting('BENCH_IDLE_SECONDS', 5);
const imageFolder = process.env.BENCH_IMAGE_FOLDER ? path.resolve(process.env.BENCH_IMAGE_FOLDER) : undefined;

function statusKiB(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

async function once(): Promise<{ rss: number; peak: number }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ha-bench-memory-'));
  const port = await freePort();
  const child = imageFolder
    ? startChild(
        [path.join(imageFolder, 'packages/server/bin/helpdesk-auth.js'), 'serve'],
        serverEnvironment({
          ...serverSettings(dataDir, port),
          HELPDESK_AUTH_MODE: 'production',
          NODE_ENV: 'production',
          PUBLIC_URL: 'https://helpdesk-auth.example',
          ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          NODE_COMPILE_CACHE: path.join(imageFolder, '.node-compile-cache'),
        }),
      )
    : startChild(
        ['packages/server/bin/helpdesk-auth.js', 'serve'],
        serverEnvironment({ ...serverSettings(dataDir, port), SEED_DEMO_DATA: 'true' }),
      );
  try {
    await waitForLine(child, /is running at/, 60_000);
    await sleep(idleSeconds * 1000);
    const pid = child.process.pid!;
    return { rss: statusKiB(pid, 'VmRSS') / 1024, peak: statusKiB(pid, 'VmHWM') / 1024 };
  } finally {
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const results: { rss: number; peak: number }[] = [];
for (let i = 0; i < runs; i++) {
  const result = await once();
  results.push(result);
  console.log(`run ${i + 1}: RSS ${result.rss.toFixed(1)} MiB, peak ${result.peak.toFixed(1)} MiB`);
}
console.log(
  `idle server after ${idleSeconds} s, median of ${runs}: RSS ${median(results.map((r) => r.rss)).toFixed(1)} MiB, ` +
    `peak ${median(results.map((r) => r.peak)).toFixed(1)} MiB`,
);
