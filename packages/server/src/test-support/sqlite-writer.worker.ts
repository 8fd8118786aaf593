// A second SQLite writer on its own thread, for the dialect's tests.
import { parentPort, workerData } from 'node:worker_threads';
import { appendAudit, cliActor } from '../platform/audit-log.ts';
import { inTransaction } from '../storage/atomic.ts';
import { openDatabase } from '../storage/database.ts';

/** A second writer on its own thread, as a CLI process beside the server would be. */
const { dataDir, tenantId, count } = workerData as { dataDir: string; tenantId: string; count: number };
const database = openDatabase({ dataDir });
try {
  for (let i = 0; i < count; i++) {
    await inTransaction(database.db, async (tx) => {
      // Read first, then write: the pattern of most updates, and the one SQLite can refuse.
      await tx.selectFrom('audit_heads').select('seq').execute();
      await appendAudit(tx, {
        tenantId,
        actor: cliActor,
        action: 'test.two_writers',
        data: { worker: i },
        now: Date.now(),
      });
    });
  }
  parentPort!.postMessage({ ok: true });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
} finally {
  await database.close();
}
