// Child processes for tests, always ended.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Child processes for tests, always ended. A test that fails while a child it spawned still runs
 * would otherwise leave the child holding the test file's event loop open (its output pipes), and
 * the runner waits for ever. Every child started here is ended:
 *
 * - when the test (or suite) given as `t` ends, pass or fail (`t.after`);
 * - when a start-up wait fails, before the failure is thrown;
 * - when the test process exits, as a last resort.
 *
 * Children run in their own process group, so a shell's own children (`bash -c "npm start"`)
 * end with it. Waits are generous (a minute by default): they guard against hangs on a loaded
 * machine, they do not measure speed.
 */

/** Anything with an `after` hook: a test's or suite's context. */
export interface Cleanup {
  after(fn: () => unknown): void;
}

export interface TrackedProcess {
  child: ChildProcess;
  /** Everything printed so far, standard output and error together. */
  output(): string;
  /** Resolves with the exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  /** The first match of `pattern` in the output; rejects, with the output, if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` to the process group and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export const defaultWaitMs = 60_000;

const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    // The negative pid names the process group the child leads (spawned with detached: true).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

process.once('exit', () => {
  for (const child of running) signalGroup(child, 'SIGKILL');
});

export function spawnTracked(
  command: string,
  args: string[],
  options: SpawnOptions & { t?: Cleanup } = {},
): TrackedProcess {
  const { t, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions, detached: true });
  running.add(child);
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer | string) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve(code);
    });
    child.once('error', () => {
      running.delete(child);
      resolve(null);
    });
  });
  const ended = () => child.exitCode !== null || child.signalCode !== null || !running.has(child);

  const tracked: TrackedProcess = {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = defaultWaitMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (ended()) {
            done();
            reject(
              new Error(
                `Exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Did not print ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (ended()) return exited;
      signalGroup(child, signal);
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  t?.after(() => tracked.stop('SIGKILL'));
  return tracked;
}

const cli = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/**
 * `helpdesk-auth serve` as its own process, started and waited for (until it prints that it is
 * running). If it does not start in time it is ended and the failure carries its output.
 */
export async function startServerProcess(
  t: Cleanup,
  env: Record<string, string>,
  options: { startTimeoutMs?: number } = {},
): Promise<TrackedProcess> {
  const server = spawnTracked(process.execPath, [cli, 'serve'], { t, env: { ...process.env, ...env } });
  try {
    await server.waitFor(/is running at/, options.startTimeoutMs ?? defaultWaitMs);
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return server;
}
