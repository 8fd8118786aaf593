/**
 * The push flow obeys the tenant's risk rules (docs/policy.md), end to end over HTTP with a real
 * enrolled device, on SQLite and PostgreSQL: a fraud report and repeated denials lock push until
 * an admin clears it, wrong push codes count toward the customer's failures across all methods,
 * and the customer is told about a fraud report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;
const errorOf = (response: { json(): unknown }) =>
  (response.json() as { error: { code: string; details?: { reason?: string } } }).error;

for (const kind of databaseKinds) {
  describe(`push under the verification policy on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let tenant: { id: string; slug: string };
    let clients: Record<'admin' | 'agent', OperatorClient>;

    before(async () => {
      h = await startTestHarness(kind);
      const created = await h.tenantWithOperators('policy-push');
      tenant = { id: created.id, slug: created.slug };
      tenantId = created.id;
      clients = created.clients;
    });
    after(async () => h?.close());

    async function customerWithDevice(phone?: string): Promise<{ customerId: string; device: TestDevice }> {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Erin', ...(phone ? { phone } : {}) },
        system,
      );
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      const device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      return { customerId: customer.id, device };
    }

    const start = (customerId: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        ...clients.agent.auth(),
        payload: { customerId, reason: 'Card replacement' },
      });

    async function startOk(customerId: string): Promise<{ id: string; code: string }> {
      const response = await start(customerId);
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }

    const decide = (id: string, signedDecision: string) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: { signedDecision },
      });

    const clearPushLock = (customerId: string) =>
      h.app.inject({
        method: 'DELETE',
        url: `/v1/customers/${customerId}/push-lock`,
        ...clients.admin.auth(),
      });

    it('a fraud report locks push for the customer until an admin clears it, and tells the customer', async () => {
      const { customerId, device } = await customerWithDevice('+447911123457');
      const v = await startOk(customerId);
      assert.equal((await decide(v.id, await device.decide(v.id, 'report_fraud'))).statusCode, 200);

      const refused = await start(customerId);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(errorOf(refused).code, 'METHOD_UNAVAILABLE');
      assert.equal(errorOf(refused).details?.reason, 'PUSH_LOCKED_FRAUD');

      // The customer hears about the report (policy default), through the development outbox.
      let told = false;
      for (let i = 0; i < 50 && !told; i++) {
        const outbox = await h.app.inject({ method: 'GET', url: '/v1/dev/outbox', ...clients.agent.auth() });
        told = outbox.body.includes('+447911123457');
        if (!told) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(told, 'a fraud-report notification was sent to the customer');

      h.clock.advance(1000);
      assert.equal((await clearPushLock(customerId)).statusCode, 204);
      assert.equal((await start(customerId)).statusCode, 201);
    });

    it('three denials lock push; the fourth start is refused with the reason', async () => {
      const { customerId, device } = await customerWithDevice();
      for (let i = 0; i < 3; i++) {
        h.clock.advance(60_000);
        const v = await startOk(customerId);
        assert.equal((await decide(v.id, await device.decide(v.id, 'deny'))).statusCode, 200);
      }
      const refused = await start(customerId);
      assert.equal(errorOf(refused).code, 'METHOD_UNAVAILABLE');
      assert.equal(errorOf(refused).details?.reason, 'PUSH_LOCKED_DENIALS');
      h.clock.advance(1000);
      assert.equal((await clearPushLock(customerId)).statusCode, 204);
      assert.equal((await start(customerId)).statusCode, 201);
    });

    it('wrong push codes count toward the failures across methods, and the limit stops push too', async () => {
      const { customerId, device } = await customerWithDevice();
      const v = await startOk(customerId);
      const wrong = v.code === '00' ? '01' : '00';
      for (let i = 0; i < 3; i++) {
        await decide(v.id, await device.decide(v.id, 'approve', { code: wrong }));
      }
      assert.equal((await h.runtime.services.verifications.get(tenantId, v.id)).status, 'failed');
      const recorded = await h.runtime.database.db
        .selectFrom('attempt_failures')
        .select(['method'])
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .execute();
      assert.deepEqual(
        recorded.map((r) => r.method),
        ['push', 'push', 'push'],
        'two wrong codes and the one that used up the last try',
      );

      // Bring the customer to the policy's limit (100 an hour) with failures of other methods.
      for (let i = 0; i < 97; i++) {
        await h.runtime.database.db
          .insertInto('attempt_failures')
          .values({
            id: `fai_${String(i).padStart(26, '0')}`,
            tenant_id: tenantId,
            customer_id: customerId,
            method: 'sms_otp',
            occurred_at: h.clock.now(),
          })
          .execute();
      }
      const blocked = await start(customerId);
      assert.equal(blocked.statusCode, 429, blocked.body);
      assert.equal(errorOf(blocked).code, 'TOO_MANY_FAILURES');
      // An hour later the window has moved on.
      h.clock.advance(60 * 60_000 + 1000);
      // Sessions end after an hour idle; the agent signs in again.
      clients.agent = await h.signIn(tenant, 'agent@policy-push.example');
      clients.admin = await h.signIn(tenant, 'admin@policy-push.example');
      assert.equal((await start(customerId)).statusCode, 201);
    });
  });
}
