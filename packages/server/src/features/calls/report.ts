// A call the customer says was not the bank's becomes a fraud report, as "report fraud" on a
// push request does: the customer's fraud flag, the audit entry, the webhooks.
import { newId } from '@helpdesk-auth/core';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { EventHub } from '../../platform/live-events.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import { openFraudCase } from '../fraud-cases/index.ts';

export interface FakeCallReport {
  tenantId: string;
  customerId: string;
  /** The device the customer reported from. */
  deviceId: string | null;
  /** The notice it concerns: a notice whose code did not match, or none ("nobody is calling"). */
  noticeId: string | null;
  /** The number the customer's phone showed, as they typed it. */
  numberSeen: string | null;
  note: string | null;
  now: number;
}

/**
 * The one place a reported fake call is recorded, so every way of reporting one (the "nobody is
 * calling" answer, a mismatching code) means the same: the report is kept; it opens (or joins) the
 * customer's case in the supervisors' fraud queue; the customer's `fraud_reported_at` is set
 * (which locks push where the policy says so, and shows the report until someone resolves it);
 * and the audit entry `call.reported` becomes the webhooks `call.reported` and
 * `customer.fraud_reported` (features/webhooks/webhook-events.ts). All in one transaction:
 * nothing is half-recorded.
 */
export async function reportFakeCall(
  db: Db,
  events: EventHub,
  report: FakeCallReport,
): Promise<{ reportId: string }> {
  const reportId = newId('callReport', report.now);
  await inTransaction(db, async (tx) => {
    await tx
      .insertInto('call_reports')
      .values({
        id: reportId,
        tenant_id: report.tenantId,
        customer_id: report.customerId,
        device_id: report.deviceId,
        notice_id: report.noticeId,
        number_seen: report.numberSeen,
        note: report.note,
        created_at: report.now,
      })
      .execute();
    await tx
      .updateTable('customers')
      .set({ fraud_reported_at: report.now })
      .where('tenant_id', '=', report.tenantId)
      .where('id', '=', report.customerId)
      .execute();
    await appendAudit(tx, {
      tenantId: report.tenantId,
      // The customer acts through their device; devices are audited as the system, with the device named.
      actor: systemActor,
      action: 'call.reported',
      target: { type: 'call_report', id: reportId },
      data: {
        customerId: report.customerId,
        deviceId: report.deviceId,
        noticeId: report.noticeId,
        numberSeen: report.numberSeen,
      },
      now: report.now,
    });
    await openFraudCase(tx, events, {
      tenantId: report.tenantId,
      customerId: report.customerId,
      kind: 'fake_call',
      sourceId: reportId,
      at: report.now,
    });
  });
  return { reportId };
}
