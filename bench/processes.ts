import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { environmentVariables } from '../packages/server/src/config/config.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..');
/** Node 24 from the `node` devDependency (the system node may be older). */
export const nodeBinary = path.join(repoRoot, 'node_modules/.bin/node');

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A positive whole number from the environment, or `fallback` when the variable is unset. */
export function intSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number.`);
  return value;
}

/** The settings of a benchmark's server: its own data folder and port, on loopback, quiet. */
export function serverSettings(
  dataDir: string,
  port: number,
): Record<string, string> & { PUBLIC_URL: string } {
  return {
    HELPDESK_AUTH_MODE: 'development',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    SEED_DEMO_DATA: 'false',
  };
}

/** The process environment without any server setting, plus the benchmark's own. */
export function serverEnvironment(own: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.values(environmentVariables)) delete env[name];
  return { ...env, ...own };
}

export interface Child {
  process: ChildProcess;
  /** The last lines the child wrote, for error messages. */
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts Node 24 on `args`. `wrapper` runs it under another program (`['valgrind', …]`), which
 * must run it in its own process, so that the child's pid is Node's.
 */
export function startChild(args: string[], env: NodeJS.ProcessEnv, wrapper: string[] = []): Child {
  const [command, ...before] = [...wrapper, nodeBinary];
  const child = spawn(command!, [...before, ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    process: child,
    output: () => tail,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits until the child prints a line matching `pattern`; returns the match. */
export function waitForLine(child: Child, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const match = buffer.match(pattern);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the child exited (${code}) before it was ready:\n${child.output()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the child was not ready after ${timeoutMs} ms:\n${child.output()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.process.stdout!.off('data', onData);
      child.process.off('exit', onExit);
    };
    child.process.stdout!.on('data', onData);
    child.process.once('exit', onExit);
  });
}

/** Polls `url` until it answers 200. */
export async function waitForReady(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(
        `the server exited (${child.process.exitCode}) before it was ready:\n${child.output()}`,
      );
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child.output()}`);
}
