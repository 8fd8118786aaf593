// The customer's answer on the device: "yes, this is the call I am on" (the agent read the code
// the app shows, or no code was agreed), or "no": a mismatch, which is also a reported fake call.
import { AppError, type CallConfirmation, type CallDeviceOutcome } from '@helpdesk-auth/core';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { AuthenticatedDevice } from '../devices/index.ts';
import type { createDeviceView } from './device.ts';
import type { CallRecord } from './model.ts';
import { reportFakeCall } from './report.ts';

export function createConfirm(
  record: CallRecord,
  view: Pick<ReturnType<typeof createDeviceView>, 'ownRow'>,
  /** The per-device cap on fake-call reports (calls.ts); throws RATE_LIMITED past it. */
  limitReports: (deviceId: string, now: number) => Promise<void>,
) {
  const { db, clock, deps, statusOf, announce } = record;
  return {
    async confirm(
      device: AuthenticatedDevice,
      id: string,
      outcome: CallDeviceOutcome,
    ): Promise<{ confirmation: CallConfirmation; reportId: string | null }> {
      const row = await view.ownRow(device, id);
      const now = clock();
      if (statusOf(row) !== 'active') {
        throw new AppError('CALL_NOTICE_NOT_ACTIVE', 'The call notice has already ended.');
      }
      // In customer_reads mode the agent confirms by typing the code the customer read out; the
      // device's tap cannot stand in for it. A mismatch is always heard.
      // A mismatch is a report: the same cap per device as any report, checked before anything changes.
      if (outcome === 'mismatch') await limitReports(device.id, now);
      if (row.mutual_code === 'customer_reads' && outcome === 'confirmed') {
        throw new AppError(
          'CALL_CODE_NOT_EXPECTED',
          'Read the code on your screen to the agent; the agent confirms the call by typing it in.',
        );
      }
      const moved = await inTransaction(db, async (tx) => {
        const result = await tx
          .updateTable('call_notices')
          .set({ confirmation: outcome, confirmed_at: now })
          .where('tenant_id', '=', row.tenant_id)
          .where('id', '=', row.id)
          .where('status', '=', 'active')
          .where((eb) => eb.or([eb('confirmation', 'is', null), eb('confirmation', '=', 'pending')]))
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await appendAudit(tx, {
          tenantId: row.tenant_id,
          actor: systemActor,
          action: `call.${outcome}`,
          target: { type: 'call_notice', id: row.id },
          data: { customerId: row.customer_id, deviceId: device.id, by: 'device' },
          now,
        });
        return true;
      });
      if (moved) announce(row, `call.${outcome}`, { deviceId: device.id, at: new Date(now).toISOString() });
      let reportId: string | null = null;
      // Reported when the notice records the mismatch, and when a call confirmed before turns out
      // not to be (the customer's alarm is always heard); a repeated mismatch is no new report.
      const current = await record.getRow(db, row.tenant_id, row.id);
      if (outcome === 'mismatch' && (moved || row.confirmation === 'confirmed')) {
        ({ reportId } = await reportFakeCall(db, record.events, {
          tenantId: row.tenant_id,
          customerId: row.customer_id,
          deviceId: device.id,
          noticeId: row.id,
          numberSeen: null,
          note: null,
          now,
        }));
        if (deps.notify)
          void deps.notify(row.tenant_id, row.customer_id, 'fraud_reported', now).catch(() => {});
      }
      return { confirmation: current.confirmation ?? outcome, reportId };
    },
  };
}
