/**
 * "At most one pending push request per customer" as a database guarantee, on each database:
 * starts sent at once for one customer each supersede the request before them, so exactly one
 * stays pending, every other is cancelled, and a device cannot approve a cancelled one.
 * Migration 0010's clean-up of databases written before the guarantee is checked too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import type { Kysely } from 'kysely';
import * as onePendingPush from '../../../storage/migrations/0010-one-pending-push.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;
const parallelStarts = 10;

for (const kind of databaseKinds) {
  describe(`one pending push request per customer on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let apiKey: string;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('solo');
      tenantId = tenant.id;
      apiKey = await h.createApiKey(tenant, ['verifications:read', 'verifications:write']);
      // Room for every start below within the push cap (at most 20 per window).
      const raised = await h.app.inject({
        method: 'PATCH',
        url: '/v1/tenant',
        ...tenant.clients.admin.auth(),
        payload: { verification: { pushRequestsPerWindow: 20 } },
      });
      assert.equal(raised.statusCode, 200, raised.body);
    });
    after(async () => h?.close());

    async function customerWithDevice(): Promise<{ customerId: string; device: TestDevice }> {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Pat' }, system);
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      const device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      return { customerId: customer.id, device };
    }

    const statuses = (customerId: string) =>
      h.runtime.database.db
        .selectFrom('verifications')
        .select(['id', 'status'])
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .execute();

    it(`leaves exactly one pending request after ${parallelStarts} starts at once, every other cancelled`, async () => {
      const { customerId, device } = await customerWithDevice();
      const answers = await Promise.all(
        Array.from({ length: parallelStarts }, (_, i) =>
          h.app.inject({
            method: 'POST',
            url: '/v1/verifications',
            headers: { authorization: `Bearer ${apiKey}` },
            payload: { customerId, reason: `Parallel start ${i}` },
          }),
        ),
      );
      for (const answer of answers) assert.equal(answer.statusCode, 201, answer.body);
      const started = answers.map((a) => a.json() as { id: string; code: string });
      const rows = await statuses(customerId);
      assert.equal(rows.length, parallelStarts);
      const pending = rows.filter((r) => r.status === 'pending');
      assert.equal(pending.length, 1, JSON.stringify(rows));
      assert.deepEqual(
        rows.filter((r) => r.status !== 'pending').map((r) => r.status),
        Array(parallelStarts - 1).fill('cancelled'),
      );
      // Each cancellation is recorded once, naming the request that superseded it.
      const cancellations = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['target_id'])
        .where('tenant_id', '=', tenantId)
        .where('action', '=', 'verification.cancelled')
        .where(
          'target_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      assert.equal(cancellations.length, parallelStarts - 1);

      // The device can decide only the pending one.
      const cancelled = started.find((s) => s.id !== pending[0]!.id)!;
      const late = await h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${cancelled.id}/decision`,
        payload: { signedDecision: await device.decide(cancelled.id, 'approve', { code: cancelled.code }) },
      });
      assert.equal(late.statusCode, 409, late.body);
      assert.equal((late.json() as { error: { code: string } }).error.code, 'VERIFICATION_NOT_PENDING');
      const live = started.find((s) => s.id === pending[0]!.id)!;
      const approved = await h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${live.id}/decision`,
        payload: { signedDecision: await device.decide(live.id, 'approve', { code: live.code }) },
      });
      assert.equal(approved.statusCode, 200, approved.body);
      assert.deepEqual(
        (await statuses(customerId)).filter((r) => r.status !== 'cancelled').map((r) => r.status),
        ['approved'],
      );
    });

    it('refuses a second pending row for a customer in the database itself', async () => {
      const { customerId } = await customerWithDevice();
      const row = (id: string) => ({
        id,
        tenant_id: tenantId,
        customer_id: customerId,
        method: 'push',
        purpose: 'verify_caller',
        reason: 'Direct insert',
        action_summary: null,
        agent_name: 'Agent',
        call_reference: null,
        status: 'pending',
        code_hash: 'x',
        code_sealed: null,
        code_length: 2,
        failed_attempts: 0,
        max_attempts: 3,
        started_by_type: 'system',
        started_by_id: null,
        request_jws: 'x',
        created_at: h.clock.now(),
        expires_at: h.clock.now() + 60_000,
        finished_at: null,
        decided_by_device_id: null,
        decision_evidence: null,
        assurance: null,
        require_user_verification: 0,
      });
      const db = h.runtime.database.db;
      await db
        .insertInto('verifications')
        .values(row(newId('verification', h.clock.now())))
        .execute();
      await assert.rejects(
        db
          .insertInto('verifications')
          .values(row(newId('verification', h.clock.now())))
          .execute(),
        /unique|duplicate/i,
      );
    });

    it('migration 0010 keeps only the newest pending request of a customer written before it', async () => {
      const { customerId } = await customerWithDevice();
      const db = h.runtime.database.db;
      // Back to the index before 0010, which allowed several pending rows per customer.
      await onePendingPush.down(db as unknown as Kysely<unknown>);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await db
          .insertInto('verifications')
          .values({
            id: newId('verification', h.clock.now() + i),
            tenant_id: tenantId,
            customer_id: customerId,
            method: 'push',
            purpose: 'verify_caller',
            reason: 'Before 0010',
            action_summary: null,
            agent_name: 'Agent',
            call_reference: null,
            status: 'pending',
            code_hash: 'x',
            code_sealed: 'sealed',
            code_length: 2,
            failed_attempts: 0,
            max_attempts: 3,
            started_by_type: 'system',
            started_by_id: null,
            request_jws: 'x',
            created_at: h.clock.now() + i,
            expires_at: h.clock.now() + 60_000,
            finished_at: null,
            decided_by_device_id: null,
            decision_evidence: null,
            assurance: null,
            require_user_verification: 0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(response.id);
      }
      await onePendingPush.up(db as unknown as Kysely<unknown>);
      const rows = await db
        .selectFrom('verifications')
        .select(['id', 'status', 'code_sealed', 'finished_at'])
        .where('customer_id', '=', customerId)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.id, r.status, r.code_sealed === null, r.finished_at !== null]),
        [
          [ids[0], 'cancelled', true, true],
          [ids[1], 'cancelled', true, true],
          [ids[2], 'pending', false, false],
        ],
      );
    });
  });
}
