// The agent ends the call: the notice stops being shown, and the devices are told.
import { AppError } from '@helpdesk-auth/core';
import type { Actor } from '../../platform/audit-log.ts';
import type { createExpiry } from './expire.ts';
import type { CallNotice, CallRecord } from './model.ts';

export function createEnd(record: CallRecord, expiry: Pick<ReturnType<typeof createExpiry>, 'expireOne'>) {
  const { db, clock, getRow, finish, toNotice } = record;
  const notActive = (status: string) =>
    new AppError(
      'CALL_NOTICE_NOT_ACTIVE',
      `The call notice has already ${status === 'expired' ? 'expired' : 'ended'}.`,
    );
  return {
    async end(tenantId: string, id: string, actor: Actor): Promise<CallNotice> {
      const row = await getRow(db, tenantId, id);
      const now = clock();
      if (row.status === 'active' && Number(row.expires_at) <= now) {
        await expiry.expireOne(tenantId, id);
        throw notActive('expired');
      }
      if (row.status !== 'active') throw notActive(row.status);
      if (!(await finish(row, 'ended', actor, now))) {
        throw notActive((await getRow(db, tenantId, id)).status);
      }
      return toNotice(await getRow(db, tenantId, id), { revealCode: false });
    },
  };
}
