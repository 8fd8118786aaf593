// Tests of the policy rules the push flow asks before it starts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError, defaultVerificationPolicy, newId } from '@helpdesk-auth/core';
import { cliActor } from '../../platform/audit-log.ts';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { recordFailedAttempt } from './failures.ts';
import { assertPushAllowed, assertWithinFailureLimit, pushAvailabilityFor } from './push-guard.ts';

describe('push guard: the policy rules the push flow calls', () => {
  let h: TestHarness;
  let tenantId: string;

  before(async () => {
    h = await startTestHarness('sqlite');
    tenantId = (await h.createTenant('guard')).id;
  });
  after(async () => h?.close());

  const customer = async () =>
    (await h.runtime.services.customers.create(tenantId, { displayName: 'Pat Push' }, cliActor)).id;

  async function pushVerification(customerId: string, status: string) {
    const db = h.runtime.database.db;
    const now = h.clock.now();
    const id = newId('verification', now);
    await db
      .insertInto('verifications')
      .values({
        id,
        tenant_id: tenantId,
        customer_id: customerId,
        method: 'push',
        purpose: 'authenticate',
        reason: 'r',
        action_summary: null,
        call_reference: null,
        status,
        code_hash: 'x',
        code_sealed: null,
        code_length: 2,
        failed_attempts: 0,
        max_attempts: 3,
        started_by_type: 'system',
        started_by_id: null,
        agent_name: 'a',
        request_jws: 'x',
        created_at: now,
        expires_at: now + 60_000,
        finished_at: now,
        decided_by_device_id: null,
        decision_evidence: null,
        assurance: null,
      } as never)
      .execute();
  }

  const where = (customerId: string) => ({ tenantId, customerId, now: h.clock.now() });

  it('refuses push after three denials with PUSH_LOCKED_DENIALS, until an admin clears it', async () => {
    const id = await customer();
    for (let i = 0; i < 3; i++) {
      await assertPushAllowed(h.runtime.database.db, where(id));
      await pushVerification(id, 'denied');
      h.clock.advance(1000);
    }
    await assert.rejects(assertPushAllowed(h.runtime.database.db, where(id)), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'METHOD_UNAVAILABLE');
      assert.equal(e.details?.reason, 'PUSH_LOCKED_DENIALS');
      return true;
    });
    await h.runtime.services.fallbacks.methods.clearPushLock(tenantId, id, cliActor);
    h.clock.advance(1000);
    assert.deepEqual(await pushAvailabilityFor(h.runtime.database.db, where(id)), { available: true });
  });

  it('refuses push after a fraud report with PUSH_LOCKED_FRAUD', async () => {
    const id = await customer();
    await h.runtime.database.db
      .updateTable('customers')
      .set({ fraud_reported_at: h.clock.now() })
      .where('id', '=', id)
      .execute();
    const state = await pushAvailabilityFor(h.runtime.database.db, where(id));
    assert.equal(!state.available && state.reason.code, 'PUSH_LOCKED_FRAUD');
  });

  it('counts push failures with the other methods toward the hourly limit', async () => {
    const id = await customer();
    const limit = defaultVerificationPolicy.failuresPerHour;
    // The push flow records each wrong code here (push-policy.security.test.ts drives it for real).
    const fail = (method: 'push' | 'sms_otp') =>
      recordFailedAttempt(h.runtime.database.db, { tenantId, customerId: id, method, now: h.clock.now() });
    for (let i = 0; i < 66; i++) await fail('push');
    for (let i = 0; i < 33; i++) await fail('sms_otp');
    await assertWithinFailureLimit(h.runtime.database.db, where(id));
    await fail('push');
    await assert.rejects(
      assertPushAllowed(h.runtime.database.db, where(id)),
      (e: unknown) =>
        e instanceof AppError && e.code === 'TOO_MANY_FAILURES' && (e.retryAfterSeconds ?? 0) > 0,
    );
    assert.equal(limit, 100);
    h.clock.advance(3_600_000);
    await assertPushAllowed(h.runtime.database.db, where(id));
  });

  it('answers NOT_FOUND for a customer of another tenant', async () => {
    const otherTenant = (await h.createTenant('guard-other')).id;
    const id = await customer();
    await assert.rejects(
      pushAvailabilityFor(h.runtime.database.db, {
        tenantId: otherTenant,
        customerId: id,
        now: h.clock.now(),
      }),
      (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND',
    );
  });
});
