import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { verifyAuditChain } from '@helpdesk-auth/core';
import { loadConfig } from '../config/config.ts';
import { appendAudit, cliActor, fromAuditRow } from '../services/audit-log.ts';
import { systemTimers } from '../services/context.ts';
import { createServices } from '../services/index.ts';
import { createEventHub } from '../services/live-events.ts';
import { inTransaction } from './atomic.ts';
import { migrateToLatest, openDatabase } from './database.ts';

describe('embedded SQLite with two processes', () => {
  it('lets a second process write to the same file at once, keeping the audit chain intact', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-two-writers-'));
    const server = openDatabase({ dataDir });
    try {
      await migrateToLatest(server.db);
      const services = createServices({
        db: server.db,
        config: loadConfig({}, { mode: 'test', dataDir }),
        clock: Date.now,
        encryptionKey: randomBytes(32),
        events: createEventHub(),
        timers: systemTimers,
      });
      const tenant = await services.tenants.create({ slug: 'two', name: 'Two' }, cliActor);
      // Each transaction reads the audit head, then writes: the pattern that fails with a
      // deferred BEGIN when the other writer commits in between.
      const worker = new Worker(new URL('../test-support/sqlite-writer.worker.ts', import.meta.url), {
        workerData: { dataDir, tenantId: tenant.id, count: 30 },
      });
      const workerDone = new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      for (let i = 0; i < 30; i++) {
        await inTransaction(server.db, async (tx) => {
          await tx.selectFrom('audit_heads').select('seq').execute();
          await appendAudit(tx, {
            tenantId: tenant.id,
            actor: cliActor,
            action: 'test.two_writers',
            data: { i },
            now: Date.now(),
          });
        });
      }
      assert.deepEqual(await workerDone, { ok: true });
      const rows = await server.db
        .selectFrom('audit_events')
        .selectAll()
        .where('tenant_id', '=', tenant.id)
        .orderBy('seq')
        .execute();
      assert.equal(rows.filter((r) => r.action === 'test.two_writers').length, 60);
      assert.deepEqual(verifyAuditChain(tenant.id, rows.map(fromAuditRow)), {
        ok: true,
        checked: rows.length,
      });
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
