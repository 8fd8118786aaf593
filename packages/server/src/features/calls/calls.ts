// Outbound call notices ("is this really my bank calling?"), one step per file, composed into
// the one service app/services.ts builds and the routes call.
import { notFound } from '@helpdesk-auth/core';
import type { ServiceContext } from '../../platform/context.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { hitRateLimit } from '../../storage/atomic.ts';
import type { AuthenticatedDevice } from '../devices/index.ts';
import { createCodeCheck } from './code-check.ts';
import { createConfirm } from './confirm.ts';
import { createDeviceView } from './device.ts';
import { createEnd } from './end.ts';
import { createExpiry } from './expire.ts';
import { createHistory } from './history.ts';
import { type CallDependencies, createCallRecord } from './model.ts';
import { reportFakeCall } from './report.ts';
import { createStart } from './start.ts';

/** Fake-call reports one device may send per hour: enough for a bad day, not for a flood. */
const reportsPerHour = 10;

export function createCallNoticeService(context: ServiceContext, deps: CallDependencies) {
  const record = createCallRecord(context, deps);
  const expiry = createExpiry(record);
  const deviceView = createDeviceView(record);
  const { db, clock } = record;

  async function limitReports(deviceId: string, now: number): Promise<void> {
    const hit = await hitRateLimit(db, `call-report:${deviceId}`, {
      limit: reportsPerHour,
      windowMs: 3_600_000,
      now,
    });
    if (!hit.allowed) {
      throw tooManyAttempts('This device reported many calls in the last hour; try again later.', hit, now);
    }
  }

  return {
    ...createStart(record, expiry),
    ...createEnd(record, expiry),
    ...createCodeCheck(record),
    ...createHistory(record),
    ...createConfirm(record, deviceView, limitReports),
    open: deviceView.open,
    current: deviceView.current,
    expireDue: expiry.expireDue,
    stop: expiry.stop,

    /** The customer reports a call from their device ("nobody from the bank is calling me"). */
    async report(
      device: AuthenticatedDevice,
      input: { noticeId?: string; numberSeen?: string; note?: string },
    ): Promise<{ reportId: string }> {
      const now = clock();
      await limitReports(device.id, now);
      if (input.noticeId !== undefined) {
        const notice = await db
          .selectFrom('call_notices')
          .select('id')
          .where('tenant_id', '=', device.tenantId)
          .where('customer_id', '=', device.customerId)
          .where('id', '=', input.noticeId)
          .executeTakeFirst();
        if (!notice) throw notFound('Call notice');
      }
      const trimmed = (value: string | undefined) => (value?.trim() ? value.trim() : null);
      const result = await reportFakeCall(db, record.events, {
        tenantId: device.tenantId,
        customerId: device.customerId,
        deviceId: device.id,
        noticeId: input.noticeId ?? null,
        numberSeen: trimmed(input.numberSeen),
        note: trimmed(input.note),
        now,
      });
      if (deps.notify)
        void deps.notify(device.tenantId, device.customerId, 'fraud_reported', now).catch(() => {});
      return result;
    },
  };
}

export type CallNoticeService = ReturnType<typeof createCallNoticeService>;
