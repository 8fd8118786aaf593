// The webhook dispatcher: audit entries become deliveries exactly once, finished ones are purged.
import { compareAndSet, inTransaction } from '../../storage/atomic.ts';
import type { WebhookRecord } from './record.ts';
import { eventsForAuditEntry } from './webhook-events.ts';

export function createDispatcher(record: WebhookRecord) {
  const { db, clock, newDeliveryRow } = record;
  /**
   * Turns one endpoint's new audit entries into deliveries. The cursor moves by compare-and-set
   * first: a second process working on the same endpoint at the same time finds the cursor moved
   * (PostgreSQL makes it wait for the first one's commit) and does nothing.
   */
  async function dispatchEndpoint(
    endpointId: string,
    fromSeq: number,
    batch: number,
  ): Promise<{ created: number; read: number; afterSeq: number }> {
    const nothing = { created: 0, read: 0, afterSeq: fromSeq };
    return inTransaction(db, async (tx) => {
      const endpoint = await tx
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', endpointId)
        .executeTakeFirst();
      if (!endpoint || endpoint.after_seq !== fromSeq || endpoint.status !== 'enabled') return nothing;
      const entries = await tx
        .selectFrom('audit_events')
        .selectAll()
        .where('tenant_id', '=', endpoint.tenant_id)
        .where('seq', '>', fromSeq)
        .orderBy('seq', 'asc')
        .limit(batch)
        .execute();
      if (entries.length === 0) return nothing;
      const lastSeq = entries[entries.length - 1]!.seq;
      const moved = await compareAndSet(tx, 'webhook_endpoints', {
        where: { id: endpointId },
        expect: { after_seq: fromSeq },
        set: { after_seq: lastSeq },
      });
      if (!moved) return nothing;
      const wanted = new Set(JSON.parse(endpoint.events) as string[]);
      const now = clock();
      const rows = entries
        .flatMap((entry) => eventsForAuditEntry(entry))
        .filter((event) => wanted.has(event.type))
        .map((event) => newDeliveryRow(endpoint, event, now));
      // A few hundred rows per statement: one round trip, well under either database's limit of
      // bound parameters.
      for (let i = 0; i < rows.length; i += 200) {
        await tx
          .insertInto('webhook_deliveries')
          .values(rows.slice(i, i + 200))
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .execute();
      }
      return { created: rows.length, read: entries.length, afterSeq: lastSeq };
    });
  }

  return {
    /**
     * Turns new audit entries into deliveries for every enabled endpoint, `batch` entries per
     * transaction, until each endpoint has caught up (or `maxBatches` were read for it, so one
     * busy tenant does not keep the others waiting). Returns how many deliveries it created.
     */
    async dispatch(batch = 500, maxBatches = 20): Promise<number> {
      const due = await db
        .selectFrom('webhook_endpoints as e')
        .innerJoin('audit_heads as h', 'h.tenant_id', 'e.tenant_id')
        .select(['e.id', 'e.after_seq'])
        .where('e.status', '=', 'enabled')
        .whereRef('h.seq', '>', 'e.after_seq')
        .execute();
      let created = 0;
      for (const endpoint of due) {
        let fromSeq = endpoint.after_seq;
        for (let round = 0; round < maxBatches; round++) {
          const step = await dispatchEndpoint(endpoint.id, fromSeq, batch);
          created += step.created;
          if (step.read < batch) break;
          fromSeq = step.afterSeq;
        }
      }
      return created;
    },

    /**
     * Deletes deliveries that finished (succeeded or failed) more than `retentionDays` ago, with
     * their attempts, so the table does not grow for ever. Pending ones are never touched.
     */
    async purgeFinished(retentionDays = 30): Promise<number> {
      const cutoff = clock() - retentionDays * 24 * 3600_000;
      return inTransaction(db, async (tx) => {
        const old = tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', 'in', ['succeeded', 'failed'])
          .where('completed_at', '<', cutoff);
        await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute();
        const deleted = await tx
          .deleteFrom('webhook_deliveries')
          .where('status', 'in', ['succeeded', 'failed'])
          .where('completed_at', '<', cutoff)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows);
      });
    },
  };
}
