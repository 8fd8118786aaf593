// How a notice ends by itself: its expiry timer, and the sweep behind the timers (another
// process's notices, a restart). Each expiry happens once: finish() moves only an active row.
import { systemActor } from '../../platform/audit-log.ts';
import type { CallRecord } from './model.ts';

export function createExpiry(record: CallRecord) {
  const { db, clock, context, expiryTimers, findRow, finish } = record;

  /** Expires one notice if it is still active and due; true for the one caller that did. */
  async function expireOne(tenantId: string, id: string): Promise<boolean> {
    const now = clock();
    const row = await findRow(db, tenantId, id);
    if (row?.status !== 'active' || Number(row.expires_at) > now) return false;
    return finish(row, 'expired', systemActor, now);
  }

  function scheduleExpiry(tenantId: string, id: string, expiresAt: number): void {
    const handle = context.timers.setTimeout(
      () => {
        expiryTimers.delete(id);
        // A timer may fire a moment before the clock reaches the expiry; wait out the rest.
        if (clock() < expiresAt) {
          scheduleExpiry(tenantId, id, expiresAt);
          return;
        }
        expireOne(tenantId, id).catch(() => {
          // The periodic sweep retries whatever a timer could not expire.
        });
      },
      Math.max(0, expiresAt - clock()),
    );
    expiryTimers.set(id, handle);
  }

  return {
    expireOne,
    scheduleExpiry,
    /** Expires every active notice whose time is up; the safety net behind the timers. */
    async expireDue(): Promise<number> {
      const due = await db
        .selectFrom('call_notices')
        .select(['id', 'tenant_id'])
        .where('status', '=', 'active')
        .where('expires_at', '<=', clock())
        .limit(500)
        .execute();
      let expired = 0;
      for (const row of due) if (await expireOne(row.tenant_id, row.id)) expired++;
      return expired;
    },
    /** Stops expiry timers (server shutdown); the sweep of the next start takes over. */
    stop(): void {
      for (const handle of expiryTimers.values()) context.timers.clearTimeout(handle);
      expiryTimers.clear();
    },
  };
}
