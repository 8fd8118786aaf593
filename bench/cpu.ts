/**
 * CPU accounting over the measured window (Linux /proc; elsewhere the numbers are omitted):
 * how much CPU the server process, the benchmark client and the whole machine used.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc CPU times; 100 on every mainstream Linux. */
const ticksPerSecond = 100;

function processSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start with the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
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

export interface CpuSnapshot {
  at: number;
  server: number | undefined;
  client: number;
  machine: { busy: number; total: number } | undefined;
}

export function snapshot(serverPid: number | undefined): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    server: serverPid === undefined ? undefined : processSeconds(serverPid),
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
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const wall = (b.at - a.at) / 1000;
  const serverSeconds = a.server !== undefined && b.server !== undefined ? b.server - a.server : undefined;
  // /proc/stat's first line sums all CPUs, so busy seconds per wall second are cores.
  const machine = a.machine && b.machine ? (b.machine.busy - a.machine.busy) / wall : undefined;
  return {
    server: serverSeconds === undefined ? undefined : serverSeconds / wall,
    client: (b.client - a.client) / wall,
    machine,
    serverSeconds,
  };
}
