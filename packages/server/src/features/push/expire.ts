// How a pending verification ends without the customer's decision: its expiry timer, the sweep
// behind the timers, and the agent's cancel.
import { AppError, canCancel, type VerificationStatus } from '@helpdesk-auth/core';
import { type Actor, systemActor } from '../../platform/audit-log.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { statusLiteral } from '../../storage/status-literals.ts';
import { verificationOfTenant } from '../../storage/verification-queries.ts';
import type { Verification } from './model.ts';
import type { PushRecord } from './record.ts';
import type { createView } from './view.ts';

export function createExpiry(record: PushRecord, view: Pick<ReturnType<typeof createView>, 'get'>) {
  const { db, clock, timers, expiryTimers, getRow, finalise, afterFinal } = record;
  /** Expires one verification if it is still pending and due. */
  async function expireOne(tenantId: string, id: string): Promise<boolean> {
    const now = clock();
    const row = await verificationOfTenant.first(db, { tenantId, id });
    if (row?.status !== 'pending' || row.expires_at > now) return false;
    const moved = await inTransaction(db, (tx) =>
      finalise(tx, row, { status: 'expired', actor: systemActor }, now),
    );
    if (moved) afterFinal(row, 'expired', now);
    return moved;
  }

  function scheduleExpiry(tenantId: string, id: string, expiresAt: number): void {
    const handle = timers.setTimeout(
      () => {
        expiryTimers.delete(id);
        // A timer may fire a millisecond or two before the wall clock reaches the expiry (Node's
        // timers run on the event loop's cached time); expiring then would be refused as not yet
        // due, and the request would wait for the periodic sweep. Wait out the rest instead.
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
    methods: {
      async cancel(tenantId: string, id: string, actor: Actor): Promise<Verification> {
        const now = clock();
        const row = await getRow(db, tenantId, id);
        if (row.status === 'pending' && row.expires_at <= now) {
          await expireOne(tenantId, id);
          throw new AppError('VERIFICATION_EXPIRED', 'The request has already expired.');
        }
        if (!canCancel(row.status as VerificationStatus)) {
          throw new AppError(
            'VERIFICATION_NOT_PENDING',
            `The request is already ${row.status.replace('_', ' ')}.`,
          );
        }
        const moved = await inTransaction(db, (tx) => finalise(tx, row, { status: 'cancelled', actor }, now));
        if (!moved) {
          const current = await getRow(db, tenantId, id);
          throw new AppError(
            'VERIFICATION_NOT_PENDING',
            `The request is already ${current.status.replace('_', ' ')}.`,
          );
        }
        afterFinal(row, 'cancelled', now);
        return (await view.get(tenantId, id)) as Verification;
      },

      /** Expires every pending verification whose time is up; the safety net behind the timers. */
      async expireDue(): Promise<number> {
        const now = clock();
        const due = await db
          .selectFrom('verifications')
          .select(['id', 'tenant_id'])
          .where('status', '=', statusLiteral.pending)
          .where('expires_at', '<=', now)
          .limit(500)
          .execute();
        let expired = 0;
        for (const row of due) if (await expireOne(row.tenant_id, row.id)) expired++;
        return expired;
      },

      /** Stops expiry timers (server shutdown); the sweep of the next start takes over. */
      stop(): void {
        for (const handle of expiryTimers.values()) timers.clearTimeout(handle);
        expiryTimers.clear();
      },
    },
  };
}
