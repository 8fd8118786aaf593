// Reading notices: one by id, the history newest first, and the IVR's or website's check
// "is there a genuine call to this customer now?".
import type { CallNoticeStatus } from '@helpdesk-auth/core';
import type { CallNotice, CallRecord } from './model.ts';

export interface CallListQuery {
  customerId?: string;
  status?: CallNoticeStatus;
  limit: number;
  /** Notices older than this id (keyset pagination: ids sort by creation time). */
  before?: string;
}

export function createHistory(record: CallRecord) {
  const { db, clock, getRow, toNotice } = record;
  return {
    async get(tenantId: string, id: string, options: { revealCode: boolean }): Promise<CallNotice> {
      return toNotice(await getRow(db, tenantId, id), options);
    },

    /** Newest first; codes are never listed. */
    async list(
      tenantId: string,
      query: CallListQuery,
    ): Promise<{ items: CallNotice[]; nextBefore: string | null }> {
      const now = clock();
      let select = db.selectFrom('call_notices').selectAll().where('tenant_id', '=', tenantId);
      if (query.customerId) select = select.where('customer_id', '=', query.customerId);
      // An active notice past its time is expired, even in the seconds before the sweep stores it.
      if (query.status === 'active')
        select = select.where('status', '=', 'active').where('expires_at', '>', now);
      else if (query.status === 'expired')
        select = select.where((eb) =>
          eb.or([
            eb('status', '=', 'expired'),
            eb.and([eb('status', '=', 'active'), eb('expires_at', '<=', now)]),
          ]),
        );
      else if (query.status) select = select.where('status', '=', query.status);
      if (query.before) select = select.where('id', '<', query.before);
      const rows = await select
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute();
      const page = rows.slice(0, query.limit);
      return {
        items: page.map((row) => toNotice(row, { revealCode: false })),
        nextBefore: rows.length > query.limit ? page[page.length - 1]!.id : null,
      };
    },

    /** The customer's active notice, if any; never with its code (the IVR may play this to anyone). */
    async active(tenantId: string, customerId: string): Promise<CallNotice | null> {
      const row = await db
        .selectFrom('call_notices')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .where('status', '=', 'active')
        .where('expires_at', '>', clock())
        .executeTakeFirst();
      return row ? toNotice(row, { revealCode: false }) : null;
    },
  };
}
