/**
 * Reports on SQLite read on a worker thread, not on the thread that serves HTTP.
 *
 * Why: node:sqlite runs each statement to its end on the calling thread. The supervisors'
 * dashboard reads up to a year of verifications (a third of a million a month in
 * `npm run bench:analytics`), hundreds of milliseconds of aggregates during which the server
 * would answer nobody: no push decision, no agent's screen. On the worker the same statements
 * run on a read-only connection of their own while the server goes on (WAL lets one writer and
 * readers work side by side), on the machine's other core.
 *
 * The worker sees what is committed; a report first waits for the group commit of every change
 * made so far on the serving connection (node-sqlite-dialect.ts), so it never misses one.
 * The worker starts with the first report and ends with the database; if it dies, the reports
 * in flight fail with an error and the next starts a new one.
 */
import { Worker } from 'node:worker_threads';

export type ReportRequest = { id: number; sql: string; parameters: readonly unknown[] };
export type ReportReply =
  | { id: number; ok: true; rows: unknown[] }
  | { id: number; ok: false; message: string };

/** A report that failed on the worker: SQLite's message, as the server's own error. */
export class ReportFailed extends Error {}

function toSqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

export function createSqliteReportReader(file: string) {
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();

  function failAll(error: Error): void {
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  }

  function start(): Worker {
    const started = new Worker(new URL('./report-thread.ts', import.meta.url), { workerData: { file } });
    // It waits for work; it must not keep the process alive on its own.
    started.unref();
    started.on('message', (reply: ReportReply) => {
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      if (reply.ok) entry.resolve(reply.rows);
      else entry.reject(new ReportFailed(reply.message));
    });
    started.on('error', (error) => {
      if (worker === started) worker = undefined;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`The report thread stopped (exit code ${code}).`));
    });
    return started;
  }

  return {
    rows(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
      worker ??= start();
      const id = nextId++;
      const running = worker;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        running.postMessage({ id, sql, parameters: parameters.map(toSqliteValue) } satisfies ReportRequest);
      });
    },
    async close(): Promise<void> {
      const running = worker;
      worker = undefined;
      if (running) await running.terminate();
      failAll(new Error('The database was closed.'));
    },
  };
}
