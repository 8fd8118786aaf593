/**
 * The worker side of report-reader.ts: a read-only connection to the SQLite file that runs the
 * long read-only queries of reports (the supervisors' dashboard) and answers their rows.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReportReply, ReportRequest } from './report-reader.ts';

if (!parentPort) throw new Error('report-thread.ts runs as a worker thread.');
const port = parentPort;
const { file } = workerData as { file: string };

// Read-only: a report that tried to write would fail here, not change anything.
const connection = new DatabaseSync(file, { readOnly: true });
// The server's writer holds the write lock for moments; a reader in WAL mode does not wait for
// it, but the busy timeout covers the rare moment the WAL index is rebuilt.
connection.exec('PRAGMA busy_timeout = 5000');

/** Statements by text: reports repeat theirs, with new values each time. */
const statements = new Map<string, StatementSync>();
const statementLimit = 100;

function statement(sql: string): StatementSync {
  let prepared = statements.get(sql);
  if (!prepared) {
    if (statements.size >= statementLimit) statements.clear();
    prepared = connection.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}

port.on('message', (request: ReportRequest) => {
  let reply: ReportReply;
  try {
    const rows = statement(request.sql).all(...(request.parameters as SQLInputValue[]));
    reply = { id: request.id, ok: true, rows };
  } catch (error) {
    reply = { id: request.id, ok: false, message: (error as Error).message };
  }
  port.postMessage(reply);
});
