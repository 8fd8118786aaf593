/**
 * CPU accounting over the measured window (Linux /proc; elsewhere the numbers are omitted):
 * how much CPU the server process, the benchmark client and the whole machine used, and the
 * server's by thread.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc CPU times; 100 on every mainstream Linux. */
const ticksPerSecond = 100;

/** User plus system seconds from a /proc `stat` file (of a process or of one of its threads). */
function statSeconds(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the command name (which may hold spaces) start with the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function processSeconds(pid: number): number | undefined {
  try {
    return statSeconds(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
}

/**
 * The server's threads that matter, by the name Node gives them: its main thread (`MainThread`:
 * HTTP, the services, the database) and the signature worker (`signatures`). Every other thread
 * (V8's garbage collection and compilers, libuv's pool) is summed as `other`.
 */
export const serverThreads = ['main', 'signatures', 'other'] as const;
export type ServerThread = (typeof serverThreads)[number];

function threadSeconds(pid: number): Record<ServerThread, number> | undefined {
  try {
    const seconds: Record<ServerThread, number> = { main: 0, signatures: 0, other: 0 };
    let mainFound = false;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const thread: ServerThread =
          name === 'MainThread' ? 'main' : name === 'signatures' ? 'signatures' : 'other';
        seconds[thread] += statSeconds(`/proc/${pid}/task/${tid}/stat`);
        if (thread === 'main') mainFound = true;
      } catch {
        // The thread ended between listing and reading.
      }
    }
    // A Node that names its main thread otherwise would put everything under "other": no
    // figures rather than wrong ones.
    return mainFound ? seconds : undefined;
  } catch {
    return undefined;
  }
}

function machineSeconds(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: (total - idle) / ticksPerSecond, total: total / ticksPerSecond };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds by pid of the PostgreSQL backends serving database `name`, found by their process
 * title (`postgres: … <user> <database> <client> …`). Only this database's backends: the server
 * is shared with other work, and its background processes (WAL writer, checkpointer) serve every
 * database, so they are left out.
 */
export function databaseBackendSeconds(name: string): Map<number, number> {
  const seconds = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return seconds;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!title.startsWith('postgres:') || !title.includes(` ${name} `)) continue;
      seconds.set(Number(pid), statSeconds(`/proc/${pid}/stat`));
    } catch {
      // The process ended between listing and reading, or is not ours to read.
    }
  }
  return seconds;
}

export interface CpuSnapshot {
  at: number;
  /** PostgreSQL backends of the benchmark's database, CPU seconds by pid. */
  database: Map<number, number> | undefined;
  server: number | undefined;
  /** Seconds by thread of the server; a thread that ended before the snapshot is not counted. */
  serverThreads: Record<ServerThread, number> | undefined;
  client: number;
  machine: { busy: number; total: number } | undefined;
}

/** The sum over several processes; undefined when any is unreadable. */
function summed<T>(
  pids: number[],
  read: (pid: number) => T | undefined,
  add: (a: T, b: T) => T,
): T | undefined {
  let total: T | undefined;
  for (const pid of pids) {
    const value = read(pid);
    if (value === undefined) return undefined;
    total = total === undefined ? value : add(total, value);
  }
  return total;
}

export function snapshot(serverPid: number | number[] | undefined, databaseName?: string): CpuSnapshot {
  const usage = process.cpuUsage();
  const pids = serverPid === undefined ? [] : Array.isArray(serverPid) ? serverPid : [serverPid];
  return {
    at: performance.now(),
    database: databaseName === undefined ? undefined : databaseBackendSeconds(databaseName),
    server: summed(pids, processSeconds, (a, b) => a + b),
    serverThreads: summed(pids, threadSeconds, (a, b) => ({
      main: a.main + b.main,
      signatures: a.signatures + b.signatures,
      other: a.other + b.other,
    })),
    client: (usage.user + usage.system) / 1e6,
    machine: machineSeconds(),
  };
}

/** Cores used on average between two snapshots (1.0 = one core fully busy). */
export interface CpuUse {
  server: number | undefined;
  client: number;
  /** Every process on the machine, in cores. */
  machine: number | undefined;
  /** Server CPU seconds over the window. */
  serverSeconds: number | undefined;
  /**
   * CPU seconds of the database's backends over the window (PostgreSQL only): a backend that
   * started inside the window counts from zero, one that ended inside it is missed.
   */
  databaseSeconds: number | undefined;
  /** The same by thread. */
  serverThreadSeconds: Record<ServerThread, number> | undefined;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const wall = (b.at - a.at) / 1000;
  const serverSeconds = a.server !== undefined && b.server !== undefined ? b.server - a.server : undefined;
  // /proc/stat's first line sums all CPUs, so busy seconds per wall second are cores.
  const machine = a.machine && b.machine ? (b.machine.busy - a.machine.busy) / wall : undefined;
  const threads =
    a.serverThreads && b.serverThreads
      ? (Object.fromEntries(
          serverThreads.map((thread) => [thread, b.serverThreads![thread] - a.serverThreads![thread]]),
        ) as Record<ServerThread, number>)
      : undefined;
  let databaseSeconds: number | undefined;
  if (a.database && b.database) {
    databaseSeconds = 0;
    for (const [pid, seconds] of b.database) databaseSeconds += seconds - (a.database.get(pid) ?? 0);
  }
  return {
    databaseSeconds,
    server: serverSeconds === undefined ? undefined : serverSeconds / wall,
    serverThreadSeconds: threads,
    client: (b.client - a.client) / wall,
    machine,
    serverSeconds,
  };
}
