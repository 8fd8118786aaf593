/**
 * `npm run bench`: the full push flow (start, device fetch, decide, agent reads the result)
 * against a real server process with many simulated devices, on SQLite and on PostgreSQL,
 * next to the floor no implementation can beat on this machine. A report, not a test: it
 * exits 0 whether or not the targets are met.
 *
 * Settings (environment): BENCH_CONCURRENCY (48), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2),
 * BENCH_CUSTOMERS (enough that no customer exceeds its push cap of 20 a minute),
 * BENCH_DATABASES (sqlite,postgres,postgres-2; postgres-2 is two server processes on one
 * PostgreSQL database with Redis, each step of a flow going to the next process),
 * BENCH_POSTGRES_URL (the admin database used to create and drop a fresh one), BENCH_REDIS_URL, BENCH_PROFILE=1 (SQLite only, server under --cpu-prof into
 * BENCH_PROFILE_DIR, default /tmp/bench-prof), BENCH_SQL_TIMES=1 (the time of each SQL statement
 * in the measured window, from bench/sql-times.ts; BENCH_SQL_TOP, default 15, is how many
 * statements the report lists). Statements and transactions per flow are counted in every run.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { Pool } from 'undici';
import { createScratchDatabase } from '../packages/server/src/test-support/postgres.ts';
import type { ServerThread } from './cpu.ts';
import { enrollAll } from './device.ts';
import { type CryptoCost, idealFlowsPerSecond, measureBareFastify, measureCrypto } from './floor.ts';
import { type FlowRun, runFlows, steps } from './flow.ts';
import {
  freePort,
  intSetting,
  serverEnvironment,
  serverSettings,
  startChild,
  waitForReady,
} from './processes.ts';
import { prepareData } from './setup.ts';
import type { SqlCounts, SqlTime } from './sql-times.ts';
import { formatMs, table } from './stats.ts';

/** `postgres-2`: two server processes on one PostgreSQL database, with Redis for live events. */
type DatabaseKind = 'sqlite' | 'postgres' | 'postgres-2';
const titles: Record<DatabaseKind, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  'postgres-2': 'PostgreSQL, two processes with Redis',
};

const profile = process.env.BENCH_PROFILE === '1' || process.env.BENCH_PROFILE === 'true';
const profileDir = process.env.BENCH_PROFILE_DIR ?? '/tmp/bench-prof';
const sqlTimes = process.env.BENCH_SQL_TIMES === '1' || process.env.BENCH_SQL_TIMES === 'true';
const concurrency = intSetting('BENCH_CONCURRENCY', 48);
const seconds = intSetting('BENCH_SECONDS', 10);
const warmupSeconds = intSetting('BENCH_WARMUP_SECONDS', 2);
const bareSeconds = 3;
/** The push cap the benchmark tenant gets (the policy's maximum). */
const pushCap = 20;
/** Customers so that even at this rate over the whole run no customer passes the cap. */
const assumedMaxFlowsPerSecond = 2500;
const customers = intSetting(
  'BENCH_CUSTOMERS',
  Math.max(
    600,
    concurrency,
    Math.ceil((assumedMaxFlowsPerSecond * (warmupSeconds + seconds)) / pushCap / concurrency) * concurrency,
  ),
);
const databases = (process.env.BENCH_DATABASES ?? (profile ? 'sqlite' : 'sqlite,postgres,postgres-2'))
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is DatabaseKind => s === 'sqlite' || s === 'postgres' || s === 'postgres-2');
/** Flows run one at a time after the measured window, to count statements per flow exactly. */
const sequentialFlows = intSetting('BENCH_COUNT_FLOWS', 20);
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresAdminUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

const progress = (line: string) => process.stderr.write(`  … ${line}\n`);

interface DatabaseResult {
  kind: DatabaseKind;
  skipped?: string;
  failed?: string;
  run?: FlowRun;
  setupSeconds?: number;
  enrollSeconds?: number;
  serverExitCode?: number | null;
  profiles?: string[];
  /** Counted over the measured window (its times, with BENCH_SQL_TIMES=1). */
  sql?: SqlCounts;
  /** Counted over the flows run one at a time after it: exact statements per flow. */
  sqlExact?: SqlCounts;
}

async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | string> {
  try {
    return await createScratchDatabase(postgresAdminUrl, 'hda_bench');
  } catch (error) {
    return `PostgreSQL at ${postgresAdminUrl} is not usable (${(error as Error).message})`;
  }
}

/** Undefined when Redis answers at `url`; otherwise why not. */
async function redisProblem(url: string): Promise<string | undefined> {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `Redis at ${url} is not usable (${(error as Error).message})`;
  } finally {
    await client.quit().catch(() => {});
  }
}

async function benchDatabase(kind: DatabaseKind): Promise<DatabaseResult> {
  let postgres: { url: string; drop(): Promise<void> } | undefined;
  const processes = kind === 'postgres-2' ? 2 : 1;
  if (kind === 'postgres-2') {
    const problem = await redisProblem(redisUrl);
    if (problem) return { kind, skipped: problem };
  }
  if (kind !== 'sqlite') {
    const created = await createPostgresDatabase();
    if (typeof created === 'string') return { kind, skipped: created };
    postgres = created;
  }
  // Every process shares the data folder (its encryption key, in development mode) and the
  // public URL, a load balancer's in production: here the first process's address.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hda-bench-'));
  const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
  const base = serverSettings(dataDir, ports[0]!);
  const publicUrl = base.PUBLIC_URL;
  const settings: Record<string, string> = {
    ...base,
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    ...(processes > 1 ? { REDIS_URL: redisUrl } : {}),
  };
  const servers: ReturnType<typeof startChild>[] = [];
  const pools: Pool[] = [];
  const result: DatabaseResult = { kind };
  try {
    progress(`${kind}: creating a tenant, an API key, ${customers} customers and activations`);
    let t = performance.now();
    const data = await prepareData(settings, customers);
    result.setupSeconds = (performance.now() - t) / 1000;

    const before = profile ? new Set(await readdir(profileDir).catch(() => [])) : new Set<string>();
    const sqlTimesFiles = ports.map((_, i) => path.join(dataDir, `sql-times-${i}.json`));
    const nodeOptions = [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      '--import',
      path.join(import.meta.dirname, 'sql-times.ts'),
    ];
    for (const [i, port] of ports.entries()) {
      const server = startChild(
        [...nodeOptions, 'packages/server/src/cli/main.ts', 'serve'],
        serverEnvironment({
          ...settings,
          PORT: String(port),
          BENCH_SQL_TIMES_FILE: sqlTimesFiles[i]!,
          ...(sqlTimes ? { BENCH_SQL_TIMING: '1' } : {}),
        }),
      );
      servers.push(server);
      await waitForReady(server, `http://127.0.0.1:${port}/readyz`);
      pools.push(new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 }));
    }

    progress(`${kind}: enrolling ${customers} devices over HTTP`);
    t = performance.now();
    const devices = await enrollAll(pools[0]!, publicUrl, data.customers, concurrency);
    result.enrollSeconds = (performance.now() - t) / 1000;

    progress(
      `${kind}: ${warmupSeconds} s warm-up, then ${seconds} s measured, ${concurrency} virtual users, ${processes} server process${processes > 1 ? 'es' : ''}`,
    );
    // Count only the measured window's statements.
    const signal = () => {
      for (const server of servers) server.process.kill('SIGUSR2');
    };
    result.run = await runFlows({
      pool: pools[0]!,
      pools,
      publicUrl,
      apiKey: data.apiKey,
      devices,
      concurrency,
      warmupSeconds,
      seconds,
      serverPid: servers.map((server) => server.process.pid!),
      databaseName: postgres ? new URL(postgres.url).pathname.slice(1) : undefined,
      onMeasureStart: signal,
      onMeasureEnd: signal,
      sequentialFlows,
      onCountStart: signal,
      onCountEnd: signal,
    });
    for (const pool of pools.splice(0)) await pool.close();
    const codes = [];
    for (const server of servers.splice(0)) codes.push(await server.stop());
    result.serverExitCode = codes.find((code) => code !== 0) ?? 0;
    const read = (n: number) =>
      Promise.all(
        sqlTimesFiles.map(async (file) => JSON.parse(await readFile(`${file}.${n}`, 'utf8')) as SqlCounts),
      );
    result.sql = mergeCounts(await read(1));
    result.sqlExact = mergeCounts(await read(2));
    if (profile) {
      result.profiles = (await readdir(profileDir))
        .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
        .map((f) => path.join(profileDir, f));
    }
    return result;
  } finally {
    for (const pool of pools) await pool.destroy().catch(() => {});
    for (const server of servers) await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    await postgres?.drop().catch((error: Error) => progress(`could not drop the database: ${error.message}`));
  }
}

/** The counts of several server processes as one. */
function mergeCounts(all: SqlCounts[]): SqlCounts {
  const bySql = new Map<string, SqlTime>();
  for (const counts of all) {
    for (const t of counts.statements) {
      const entry = bySql.get(t.sql) ?? { sql: t.sql, count: 0, totalMs: 0 };
      entry.count += t.count;
      entry.totalMs += t.totalMs;
      bySql.set(t.sql, entry);
    }
  }
  return {
    statements: [...bySql.values()],
    transactions: all.reduce((sum, c) => sum + c.transactions, 0),
    commits: all.reduce((sum, c) => sum + c.commits, 0),
    checkouts: all.reduce((sum, c) => sum + c.checkouts, 0),
    timed: all.some((c) => c.timed),
  };
}

function cpuLine(run: FlowRun): string {
  const { cpu } = run;
  const cores = (n: number | undefined) => (n === undefined ? '?' : n.toFixed(2));
  const perFlow =
    cpu.serverSeconds === undefined || run.completed === 0
      ? '?'
      : ((cpu.serverSeconds * 1000) / run.completed).toFixed(2);
  const database =
    cpu.databaseSeconds === undefined || run.completed === 0
      ? []
      : [
          `PostgreSQL CPU      ${((cpu.databaseSeconds * 1000) / run.completed).toFixed(2)} ms per flow (this database's backends, ${(cpu.databaseSeconds / run.measuredSeconds).toFixed(2)} cores); server + PostgreSQL ${(((cpu.databaseSeconds + (cpu.serverSeconds ?? 0)) * 1000) / run.completed).toFixed(2)} ms per flow`,
        ];
  const lines = [
    `cpu (cores)         server ${cores(cpu.server)}, client ${cores(cpu.client)}, whole machine ${cores(cpu.machine)} of ${os.cpus().length}; server ${perFlow} ms CPU per flow`,
  ];
  const threads = cpu.serverThreadSeconds;
  if (threads && run.completed > 0) {
    const ms = (thread: ServerThread) => ((threads[thread] * 1000) / run.completed).toFixed(2);
    lines.push(
      `server threads      main ${ms('main')}, signature worker ${ms('signatures')}, other ${ms('other')} ms CPU per flow`,
    );
  }
  lines.push(...database);
  return lines.join('\n');
}

function databaseReport(result: DatabaseResult, ideal: number): string[] {
  const title = titles[result.kind];
  if (result.skipped) return [`== ${title}: skipped PostgreSQL: ${result.skipped}`];
  if (result.failed) return [`== ${title}: FAILED: ${result.failed}`];
  const run = result.run!;
  const rate = run.completed / run.measuredSeconds;
  const errorCount = [...run.errors.values()].reduce((a, b) => a + b, 0);
  const rows = [
    ['step', 'p50 ms', 'p99 ms', 'samples'],
    ...[...steps, 'flow' as const].map((step) => [
      step === 'flow' ? 'whole flow' : step,
      formatMs(run.latency[step].percentile(50)),
      formatMs(run.latency[step].percentile(99)),
      String(run.latency[step].count),
    ]),
  ];
  const lines = [
    `== ${title}`,
    `completed flows/s   ${rate.toFixed(0)}   (${run.completed} approved flows in ${run.measuredSeconds} s)`,
    `errors              ${errorCount}`,
    ...[...run.errors.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => `    ${n} × ${key}`),
    `share of ideal      ${((rate / ideal) * 100).toFixed(0)} %   (${rate.toFixed(0)} of ${ideal.toFixed(0)} flows/s)`,
    cpuLine(run),
    '',
    table(rows),
    '',
    `setup ${result.setupSeconds!.toFixed(1)} s (services), enrollment ${result.enrollSeconds!.toFixed(1)} s (HTTP); busiest customer started ${run.maxStartsPerCustomer} flows (cap ${pushCap} per 60 s)`,
  ];
  if (result.serverExitCode !== 0) lines.push(`!! the server exited with code ${result.serverExitCode}`);
  if (result.sqlExact) lines.push(sqlCountLine(result.kind, result.sqlExact, run.sequentialApproved));
  if (result.sql?.timed) lines.push('', ...sqlTimesReport(result.sql.statements, run.completed));
  for (const file of result.profiles ?? []) {
    lines.push(`cpu profile: ${file}`);
    lines.push(`  hot loop only: node bench/profile-summary.ts ${file} --last=${warmupSeconds + seconds}`);
  }
  return lines;
}

/** Statements, transactions (and commits or pool checkouts) per flow in the measured window. */
function sqlCountLine(kind: DatabaseKind, sql: SqlCounts, flows: number): string {
  const perFlow = (n: number) => (n / Math.max(1, flows)).toFixed(1);
  const statements = sql.statements.reduce((sum, t) => sum + t.count, 0);
  const extra =
    kind !== 'sqlite'
      ? `${perFlow(sql.checkouts)} pool checkouts`
      : `${perFlow(sql.commits)} commits (group commit)`;
  return `SQL per flow        ${perFlow(statements)} statements (transaction control included), ${perFlow(sql.transactions)} transactions, ${extra} (${flows} flows one at a time after the run)`;
}

/** Statements per flow and where the database's time goes, heaviest first. */
function sqlTimesReport(times: SqlTime[], flows: number): string[] {
  const perFlow = (n: number) => n / Math.max(1, flows);
  const statements = times.reduce((sum, t) => sum + t.count, 0);
  const totalMs = times.reduce((sum, t) => sum + t.totalMs, 0);
  const rows = [
    ['statement', 'µs per flow', 'runs per flow', 'µs each'],
    ...[...times]
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, Number(process.env.BENCH_SQL_TOP ?? 15))
      .map((t) => [
        t.sql.length > 110 ? `${t.sql.slice(0, 109)}…` : t.sql,
        (perFlow(t.totalMs) * 1000).toFixed(0),
        perFlow(t.count).toFixed(2),
        ((t.totalMs * 1000) / t.count).toFixed(1),
      ]),
  ];
  return [
    `SQL in the measured window: ${perFlow(statements).toFixed(1)} statements and ${(perFlow(totalMs) * 1000).toFixed(0)} µs per flow (SQLite: node:sqlite calls; PostgreSQL: round trips through pg, overlapping; transaction control included)`,
    table(rows),
  ];
}

/**
 * PostgreSQL against SQLite in this run: the rates' ratio, the CPU of server plus PostgreSQL per
 * flow against the server's on SQLite, and the statements and transactions per flow, each next
 * to its target.
 */
function comparisonLines(results: DatabaseResult[]): string[] {
  const sqlite = results.find((r) => r.kind === 'sqlite' && r.run);
  const postgres = results.find((r) => r.kind === 'postgres' && r.run);
  const lines: string[] = [];
  const verdict = (met: boolean) => (met ? 'target met   ' : 'target missed');
  if (postgres?.sqlExact) {
    const flows = Math.max(1, postgres.run!.sequentialApproved);
    const statements = postgres.sqlExact.statements.reduce((sum, t) => sum + t.count, 0) / flows;
    const transactions = postgres.sqlExact.transactions / flows;
    lines.push(
      `${verdict(statements <= 8)}  ≤ 8 statements per flow on PostgreSQL: ${statements.toFixed(1)}`,
      `${verdict(transactions <= 4)}  ≤ 4 transactions per flow on PostgreSQL: ${transactions.toFixed(1)}`,
    );
  }
  const twoProcesses = results.find((r) => r.kind === 'postgres-2' && r.run);
  if (postgres && twoProcesses) {
    const ratio = twoProcesses.run!.completed / postgres.run!.completed;
    lines.push(
      `${verdict(ratio >= 1)}  two PostgreSQL processes (with Redis) at least as fast as one: ${ratio.toFixed(2)} × one`,
    );
  }
  if (!sqlite || !postgres) return lines;
  const a = sqlite.run!;
  const b = postgres.run!;
  const ratio = b.completed / b.measuredSeconds / (a.completed / a.measuredSeconds);
  lines.unshift(`${verdict(ratio >= 0.5)}  PostgreSQL flows/s ≥ 0.5 of SQLite's: ${ratio.toFixed(2)}`);
  if (
    a.cpu.serverSeconds !== undefined &&
    b.cpu.serverSeconds !== undefined &&
    b.cpu.databaseSeconds !== undefined &&
    a.completed > 0 &&
    b.completed > 0
  ) {
    const sqliteMs = (a.cpu.serverSeconds * 1000) / a.completed;
    const postgresMs = ((b.cpu.serverSeconds + b.cpu.databaseSeconds) * 1000) / b.completed;
    lines.splice(
      1,
      0,
      `${verdict(postgresMs <= 3 * sqliteMs)}  server + PostgreSQL CPU per flow ≤ 3 × server's on SQLite: ${(postgresMs / sqliteMs).toFixed(2)} × (${postgresMs.toFixed(2)} ms against ${sqliteMs.toFixed(2)} ms)`,
    );
  }
  return lines;
}

function targetLines(results: DatabaseResult[], ideal: number): string[] {
  const lines: string[] = [...comparisonLines(results)];
  for (const result of results) {
    if (!result.run) continue;
    const rate = result.run.completed / result.run.measuredSeconds;
    const title = titles[result.kind];
    if (result.kind === 'sqlite') {
      lines.push(
        `${rate >= 1000 ? 'target met   ' : 'target missed'}  ≥ 1000 flows/s on SQLite: ${rate.toFixed(0)} flows/s`,
      );
    }
    const share = rate / ideal;
    lines.push(
      `${share >= 0.5 ? 'target met   ' : 'target missed'}  ≥ 50 % of ideal on ${title}: ${(share * 100).toFixed(0)} %`,
    );
    if (share < 0.5) lines.push(...budgetLines(result.run, ideal / 2));
  }
  return lines;
}

/**
 * What a rate would leave the server: the machine's cores, kept busy all the time, divided among
 * that many flows, less what the benchmark's client and the other processes (PostgreSQL's, on
 * PostgreSQL) were measured to use per flow. It shows how far the server's CPU per flow is from
 * what the 50 % target allows on this machine, where the client shares the cores.
 */
function budgetLines(run: FlowRun, rate: number): string[] {
  const { cpu, completed, measuredSeconds } = run;
  if (cpu.serverSeconds === undefined || cpu.machine === undefined || completed === 0) return [];
  const cores = os.cpus().length;
  const perFlow = (coresUsed: number) => (coresUsed * measuredSeconds * 1000) / completed;
  const machine = (cores * 1000) / rate;
  const used = (cpu.serverSeconds * 1000) / completed;
  const client = perFlow(cpu.client);
  const others = Math.max(0, perFlow(cpu.machine - cpu.client) - used);
  const allowed = machine - client - others;
  const left =
    allowed > 0
      ? `leave the server ${allowed.toFixed(2)} ms`
      : 'already take more than that, leaving the server nothing';
  return [
    `    at ${rate.toFixed(0)} flows/s the ${cores} cores, always busy, give ${machine.toFixed(2)} ms of CPU per flow;` +
      ` the client (${client.toFixed(2)} ms) and other processes (${others.toFixed(2)} ms) ${left};` +
      ` the server used ${used.toFixed(2)} ms`,
  ];
}

async function main(): Promise<void> {
  const command = `cd ${path.resolve(import.meta.dirname, '..')} && ${[
    profile ? 'BENCH_PROFILE=1' : '',
    sqlTimes ? 'BENCH_SQL_TIMES=1' : '',
    process.env.BENCH_CONCURRENCY ? `BENCH_CONCURRENCY=${concurrency}` : '',
    process.env.BENCH_SECONDS ? `BENCH_SECONDS=${seconds}` : '',
    process.env.BENCH_WARMUP_SECONDS ? `BENCH_WARMUP_SECONDS=${warmupSeconds}` : '',
    process.env.BENCH_CUSTOMERS ? `BENCH_CUSTOMERS=${customers}` : '',
    process.env.BENCH_DATABASES ? `BENCH_DATABASES=${process.env.BENCH_DATABASES}` : '',
  ]
    .filter(Boolean)
    .join(' ')} npm run bench`.replace('&&  npm', '&& npm');
  const cpus = os.cpus();
  const header = [
    'Helpdesk Auth push-flow benchmark (a report, not a test)',
    `command      ${command}`,
    `machine      ${cpus.length} × ${cpus[0]?.model ?? 'unknown cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`,
    `node         ${process.version} (client and server)`,
    `settings     ${concurrency} virtual users, ${warmupSeconds} s warm-up + ${seconds} s measured, ${customers} customers with one device each, one server process (two for PostgreSQL with Redis), client on the same machine`,
    `databases    ${databases.join(', ')}${profile ? `   (PROFILING: server under --cpu-prof into ${profileDir}; rates are depressed)` : ''}${sqlTimes ? '   (TIMING SQL: rates are depressed)' : ''}`,
  ];
  process.stdout.write(`${header.join('\n')}\n\n`);

  progress(`floor: bare Fastify GET /ping, ${concurrency} connections, ${bareSeconds} s`);
  const bare = await measureBareFastify(concurrency, bareSeconds);
  progress('floor: ECDSA P-256 sign and verify costs');
  const cost: CryptoCost = await measureCrypto();
  const ideal = idealFlowsPerSecond(bare.requestsPerSecond, cost);

  const results: DatabaseResult[] = [];
  for (const kind of databases) {
    try {
      results.push(await benchDatabase(kind));
    } catch (error) {
      results.push({ kind, failed: (error as Error).message });
    }
  }

  const floor = [
    '== Floor (measured in this run, nothing else running)',
    `bare Fastify GET /ping      ${bare.requestsPerSecond.toFixed(0)} requests/s (same client, ${concurrency} connections${bare.errors ? `, ${bare.errors} errors` : ''})`,
    `ECDSA P-256 sign            ${cost.signUs.toFixed(0)} µs (node:crypto)   [WebCrypto: ${cost.webCryptoSignUs.toFixed(0)} µs]`,
    `ECDSA P-256 verify          ${cost.verifyUs.toFixed(0)} µs (node:crypto)   [WebCrypto: ${cost.webCryptoVerifyUs.toFixed(0)} µs]`,
    `ideal flows/s               ${ideal.toFixed(0)} (${(1000 / ideal).toFixed(2)} ms per flow) = 1 / (4 / ${bare.requestsPerSecond.toFixed(0)} + 1 × ${cost.signUs.toFixed(0)} µs + 2 × ${cost.verifyUs.toFixed(0)} µs)`,
  ];
  const legend = [
    'Legend: a flow is start (POST /v1/verifications, API key) → device fetch (GET',
    '/v1/device/verifications/{id} with a fresh device-proof) → decide (POST …/decision with a signed',
    'approval) → read (GET /v1/verifications/{id}, API key); it counts only when the read says approved.',
    'Step latencies are HTTP round trips; "whole flow" also includes the client signing its proof and',
    'decision (jose, as the device SDK). The client does not verify the server-signed request in the',
    "hot loop (that is the device's cost, not the server's). Errors are counted by step, status and code.",
  ];
  const out = [
    ...floor,
    '',
    ...results.flatMap((r) => [...databaseReport(r, ideal), '']),
    ...targetLines(results, ideal).flatMap((line, i, all) => (i === all.length - 1 ? [line, ''] : [line])),
    ...legend,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
