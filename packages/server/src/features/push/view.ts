// Reading verifications: one with its timeline, waiting for a change, the tenant's list, and the
// device's side (its pending requests, opening one, which records that it was opened).
import { newId, notFound, type VerificationStatus } from '@helpdesk-auth/core';
import { topics } from '../../platform/live-events.ts';
import { durable } from '../../storage/database.ts';
import type { VerificationRow } from '../../storage/schema.ts';
import { statusLiteral } from '../../storage/status-literals.ts';
import { insertOpenedOnce, requestForDevice } from '../../storage/verification-queries.ts';
import type { Verification, VerificationEvent, VerificationEventType, VerificationFilter } from './model.ts';
import type { PushRecord } from './record.ts';

export function createView(record: PushRecord) {
  const { db, clock, events, toVerification, getWithTimeline, announce } = record;
  /** Records the first time each device opens a request; later fetches add nothing. */
  async function markOpened(
    row: Pick<VerificationRow, 'id' | 'tenant_id' | 'started_by_id' | 'status'>,
    deviceId: string,
    now: number,
  ): Promise<void> {
    // One statement: insert unless this device already opened it.
    const inserted = await insertOpenedOnce.changes(db, {
      id: newId('verificationEvent', now),
      tenantId: row.tenant_id,
      verificationId: row.id,
      deviceId,
      at: now,
    });
    if (inserted === 0) return;
    await durable(db);
    announce(row, { type: 'opened', at: now, deviceId });
  }

  return {
    async get(tenantId: string, id: string): Promise<Verification & { timeline: VerificationEvent[] }> {
      const { row, timeline } = await getWithTimeline(db, tenantId, id);
      return { ...toVerification(row, timeline), timeline };
    },

    /**
     * Long-poll: answers as soon as the verification is final, or after `waitSeconds` with its
     * current state. Subscribes before reading, so a change between the two is not missed.
     */
    async waitFor(
      tenantId: string,
      id: string,
      waitSeconds: number,
      signal?: AbortSignal,
    ): Promise<Verification & { timeline: VerificationEvent[] }> {
      let wake: () => void = () => {};
      const changed = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const unsubscribe = events.subscribe(topics.verification(id), (event) => {
        if (event.data.status !== 'pending') wake();
      });
      const handle = setTimeout(wake, waitSeconds * 1000);
      signal?.addEventListener('abort', wake, { once: true });
      try {
        const first = await this.get(tenantId, id);
        if (first.status !== 'pending' || waitSeconds === 0) return first;
        await changed;
        return await this.get(tenantId, id);
      } finally {
        clearTimeout(handle);
        unsubscribe();
      }
    },

    async list(
      tenantId: string,
      filter: VerificationFilter,
    ): Promise<{ items: Verification[]; nextBefore: string | null }> {
      let query = db.selectFrom('verifications').selectAll().where('tenant_id', '=', tenantId);
      if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
      // Practice calls (features/practice/) show on their own customer's page, never in history.
      else
        query = query.where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('customers')
                .select('customers.id')
                .whereRef('customers.id', '=', 'verifications.customer_id')
                .where('customers.practice', '=', 1),
            ),
          ),
        );
      if (filter.method) query = query.where('method', '=', filter.method);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.createdAfter !== undefined) query = query.where('created_at', '>=', filter.createdAfter);
      if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
      if (filter.before) query = query.where('id', '<', filter.before);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(filter.limit + 1)
        .execute();
      const page = rows.slice(0, filter.limit);
      const ids = page.map((r) => r.id);
      const eventRows =
        ids.length === 0
          ? []
          : await db
              .selectFrom('verification_events')
              .select(['verification_id', 'type'])
              .where('verification_id', 'in', ids)
              .execute();
      return {
        items: page.map((row) =>
          toVerification(
            row,
            eventRows
              .filter((e) => e.verification_id === row.id)
              .map((e) => ({ type: e.type as VerificationEventType })),
          ),
        ),
        nextBefore: rows.length > filter.limit ? page[page.length - 1]!.id : null,
      };
    },

    // ------------------------------------------------------------------------------------------
    // The device's side
    // ------------------------------------------------------------------------------------------

    /** Pending requests for the device's customer, newest first. */
    async pendingForDevice(device: { id: string; tenantId: string; customerId: string }) {
      const now = clock();
      const rows = await db
        .selectFrom('verifications')
        .select(['id', 'status', 'request_jws', 'expires_at', 'started_by_id'])
        .where('tenant_id', '=', device.tenantId)
        .where('customer_id', '=', device.customerId)
        .where('status', '=', statusLiteral.pending)
        .orderBy('id', 'desc')
        .execute();
      const live = rows.filter((row) => row.expires_at > now);
      // Listing hands the device the whole signed request, so it counts as opened too.
      for (const row of live) await markOpened({ ...row, tenant_id: device.tenantId }, device.id, now);
      return live.map((row) => ({
        id: row.id,
        status: row.status as VerificationStatus,
        request: row.request_jws,
      }));
    },

    /** The signed request, for the device of its customer only; records that it was opened. */
    async openOnDevice(device: { id: string; tenantId: string; customerId: string }, id: string) {
      const row = await requestForDevice.first(db, {
        tenantId: device.tenantId,
        customerId: device.customerId,
        id,
      });
      // A fallback method's verification has no request for a device (features/methods/outcomes.ts).
      if (!row || row.request_jws === '') throw notFound('Verification');
      const now = clock();
      const status = row.status === 'pending' && row.expires_at <= now ? 'expired' : row.status;
      if (status === 'pending') await markOpened(row, device.id, now);
      return { id: row.id, status: status as VerificationStatus, request: row.request_jws };
    },
  };
}
