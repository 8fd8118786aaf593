/**
 * `npm run bench:instructions`: what one push flow costs the server, counted in machine
 * instructions rather than seconds. The SQLite server runs under valgrind's callgrind, which
 * counts every instruction each thread executes; counting is switched on only for the measured
 * window, while the same virtual users as `npm run bench` run the same flows. Unlike CPU time,
 * the count barely moves with what else the machine is doing, so two versions of the code can be
 * compared on a noisy machine (docs/benchmarks.md, "Instructions per flow").
 *
 * Callgrind runs the server about fifty times slower and one thread at a time, so the rate and
 * latencies it gives mean nothing; and with the server that slow, requests queue and group
 * commits are larger than in `npm run bench`. Compare counts with each other, not with seconds.
 *
 * Settings (environment): BENCH_CONCURRENCY (8), BENCH_WARMUP_SECONDS (20, not counted),
 * BENCH_SECONDS (60), BENCH_CUSTOMERS (192), BENCH_CALLGRIND_OUT (a folder to keep callgrind's
 * files in, one per thread, for `callgrind_annotate`; they name native functions such as
 * SQLite's, OpenSSL's and V8's own, not JavaScript).
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { enrollAll } from './device.ts';
import { runFlows } from './flow.ts';
import {
  type Child,
  freePort,
  intSetting,
  serverEnvironment,
  serverSettings,
  startChild,
  waitForReady,
} from './processes.ts';
import { prepareData } from './setup.ts';

const concurrency = intSetting('BENCH_CONCURRENCY', 8);
const warmupSeconds = intSetting('BENCH_WARMUP_SECONDS', 20);
const seconds = intSetting('BENCH_SECONDS', 60);
const customers = intSetting('BENCH_CUSTOMERS', 192);

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

function installed(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Switches callgrind's counting on or off in the running server, and resolves once it has. vgdb,
 * which carries the command, names its pipes after the user and host in the environment, so
 * both sides get the same environment.
 */
function instrument(pid: number, on: boolean, vgdbPrefix: string, env: NodeJS.ProcessEnv): Promise<void> {
  const args = [`--vgdb-prefix=${vgdbPrefix}`, '-i', on ? 'on' : 'off', String(pid)];
  return new Promise((resolve, reject) => {
    execFile('callgrind_control', args, { env }, (error, stdout, stderr) => {
      if (error || !stdout.includes('OK'))
        reject(new Error(`callgrind_control failed: ${stderr || error?.message}`));
      else resolve();
    });
  });
}

/** Instructions per thread, from callgrind's output files (`cg.<pid>-<thread>`), main first. */
async function countsByThread(dir: string): Promise<number[]> {
  const thread = (name: string) => Number(/-(\d+)$/.exec(name)?.[1]);
  const files = (await readdir(dir))
    .filter((name) => name.startsWith('cg.') && Number.isInteger(thread(name)))
    .sort((a, b) => thread(a) - thread(b));
  const counts: number[] = [];
  for (const file of files) {
    const totals = /^totals:\s*(\d+)/m.exec(await readFile(path.join(dir, file), 'utf8'));
    counts.push(totals ? Number(totals[1]) : 0);
  }
  return counts;
}

async function main(): Promise<void> {
  if (!installed('valgrind', ['--version']) || !installed('callgrind_control', ['--version'])) {
    console.log('valgrind (with callgrind_control) is not installed: apt-get install valgrind');
    return;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hda-instructions-'));
  const port = await freePort();
  const settings = serverSettings(dataDir, port);
  let server: Child | undefined;
  let pool: Pool | undefined;
  try {
    progress(`creating a tenant, an API key, ${customers} customers and activations`);
    const data = await prepareData(settings, customers);
    const vgdbPrefix = path.join(dataDir, 'vgdb');
    const env = serverEnvironment(settings);
    const wrapper = [
      'valgrind',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--vgdb-prefix=${vgdbPrefix}`,
      `--callgrind-out-file=${path.join(dataDir, 'cg.%p')}`,
    ];
    server = startChild(['packages/server/src/cli/main.ts', 'serve'], env, wrapper);
    await waitForReady(server, `${settings.PUBLIC_URL}/readyz`, 180_000);
    const pid = server.process.pid!;

    pool = new Pool(settings.PUBLIC_URL, { connections: concurrency, pipelining: 1 });
    progress(`enrolling ${customers} devices over HTTP`);
    const devices = await enrollAll(pool, settings.PUBLIC_URL, data.customers, concurrency);

    // Warm-up uncounted, then a run counted from its first request to its last answer: every
    // instruction counted belongs to a flow of that run, and every flow of it is counted.
    const flows = (runSeconds: number) =>
      runFlows({
        pool: pool!,
        publicUrl: settings.PUBLIC_URL,
        apiKey: data.apiKey,
        devices,
        concurrency,
        warmupSeconds: 0,
        seconds: runSeconds,
        serverPid: pid,
      });
    progress(`${warmupSeconds} s warm-up, ${concurrency} virtual users`);
    await flows(warmupSeconds);
    await instrument(pid, true, vgdbPrefix, env);
    progress(`${seconds} s counted (the server runs about a hundred times slower)`);
    const run = await flows(seconds);
    await instrument(pid, false, vgdbPrefix, env);
    await pool.close();
    pool = undefined;
    await server.stop(120_000);
    server = undefined;

    const counts = await countsByThread(dataDir);
    const keep = process.env.BENCH_CALLGRIND_OUT;
    if (keep) {
      await mkdir(keep, { recursive: true });
      for (const file of await readdir(dataDir)) {
        if (file.startsWith('cg.')) await copyFile(path.join(dataDir, file), path.join(keep, file));
      }
    }
    const total = counts.reduce((sum, n) => sum + n, 0);
    const { approved, failed } = run.whole;
    const perFlow = (n: number) => (n / approved / 1e6).toFixed(2).padStart(7);
    console.log(
      [
        '',
        'Helpdesk Auth push flow, server instructions per flow on SQLite (a report, not a test)',
        `command      npm run bench:instructions   (${concurrency} virtual users, ${warmupSeconds} s warm-up, ${seconds} s counted, ${customers} customers)`,
        `node         ${process.version}; server under valgrind --tool=callgrind`,
        `flows        ${approved} approved in the counted run, ${failed} failed`,
        '',
        `all threads  ${perFlow(total)} million instructions per flow`,
        `main thread  ${perFlow(counts[0] ?? 0)}`,
        `other        ${perFlow(total - (counts[0] ?? 0))}   (${counts.length - 1} threads: the signature worker, V8's and libuv's)`,
        '',
      ].join('\n'),
    );
    if (failed > 0) {
      console.log('A failed flow did part of the work: with failures the figures above are too high.');
      for (const [key, n] of run.errors) console.log(`error        ${key}: ${n}`);
    }
  } finally {
    await pool?.destroy().catch(() => {});
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
