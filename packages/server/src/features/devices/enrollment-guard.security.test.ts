/**
 * Who may be handed a QR code or activation code (POST /v1/customers/{id}/activations), on SQLite
 * and PostgreSQL: an operator only after a verification of that customer in the last 15 minutes
 * at the assurance of the policy's enroll_device action, or with an in-branch identity check and
 * its note, both recorded in the audit entry; otherwise IDENTITY_CHECK_REQUIRED and no activation.
 * An integration's API key answers for its own checks. The console hears of the new device on
 * the customer's device events, and of no other customer's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { defaultVerificationPolicy } from '@helpdesk-auth/core';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

for (const kind of databaseKinds) {
  describe(`handing out an activation on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let agent: OperatorClient;
    let admin: OperatorClient;
    let otherAgent: OperatorClient;
    let apiKey: string;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true });
      const tenant = await h.tenantWithOperators('enrol-guard');
      tenantId = tenant.id;
      agent = tenant.clients.agent;
      admin = tenant.clients.admin;
      otherAgent = (await h.tenantWithOperators('enrol-guard-other')).clients.agent;
      apiKey = await h.createApiKey(tenant, ['devices:write', 'verifications:write']);
    });
    after(async () => h?.close());

    const handOut = (client: OperatorClient, customerId: string, payload?: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/customers/${customerId}/activations`,
        ...client.auth(),
        ...(payload ? { payload } : {}),
      });

    async function customerWithPhone(name: string): Promise<{ customerId: string; phone: TestDevice }> {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: name, phone: '+447911123456' },
        cliActor,
      );
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, cliActor);
      const phone = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      return { customerId: customer.id, phone };
    }

    /** A push verification the customer approves on their phone: substantial without biometrics. */
    async function approvedPush(customerId: string, phone: TestDevice): Promise<void> {
      const started = await h.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: { customerId, reason: 'New phone' },
      });
      assert.equal(started.statusCode, 201, started.body);
      const { id, code } = started.json() as { id: string; code: string };
      const decided = await h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: { signedDecision: await phone.decide(id, 'approve', { code }) },
      });
      assert.equal(decided.statusCode, 200, decided.body);
    }

    async function activationAudits(customerId: string) {
      const rows = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['data', 'actor_id'])
        .where('tenant_id', '=', tenantId)
        .where('action', '=', 'device.activation_created')
        .where('target_id', '=', customerId)
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({ ...(JSON.parse(r.data) as { basis?: unknown }), actor: r.actor_id }));
    }

    it('refuses an agent without a recent verification, and creates nothing', async () => {
      const { customerId } = await customerWithPhone('Una Unverified');
      const before = (await activationAudits(customerId)).length;
      const refused = await handOut(agent, customerId);
      assert.equal(refused.statusCode, 403, refused.body);
      const error = (refused.json() as { error: { code: string; details: Record<string, string> } }).error;
      assert.equal(error.code, 'IDENTITY_CHECK_REQUIRED');
      assert.deepEqual(error.details, { reason: 'NOT_VERIFIED_RECENTLY', requiredAssurance: 'substantial' });
      assert.ok(!refused.body.includes('activate#code='));
      // Admins are asked the same: the rule protects the customer, not the role.
      assert.equal((await handOut(admin, customerId, {})).statusCode, 403);
      assert.equal((await activationAudits(customerId)).length, before, 'no activation was made');
    });

    it('hands it out after an approved push of that customer, for 15 minutes, and audits why', async () => {
      const { customerId, phone } = await customerWithPhone('Vera Verified');
      const other = await customerWithPhone('Otto Other');
      await approvedPush(other.customerId, other.phone);
      assert.equal(
        (await handOut(agent, customerId)).statusCode,
        403,
        "another customer's push counts for nothing",
      );

      await approvedPush(customerId, phone);
      const approvedAt = h.clock.now();
      const given = await handOut(agent, customerId);
      assert.equal(given.statusCode, 201, given.body);
      const body = given.json() as { basis: string; code: string; link: string };
      assert.equal(body.basis, 'verification');
      assert.match(body.link, /activate#code=/);
      const audit = (await activationAudits(customerId)).at(-1)!;
      assert.equal(audit.actor, agent.operatorId);
      assert.deepEqual(audit.basis, {
        kind: 'verification',
        method: 'push',
        assurance: 'substantial',
        at: approvedAt,
      });
      assert.ok(!JSON.stringify(audit).includes(body.code), 'the code is never audited');

      h.clock.advance(15 * 60_000 + 1);
      const late = await handOut(agent, customerId);
      assert.equal(late.statusCode, 403, 'a verification from earlier in the day is not this call');
    });

    it("needs the assurance the policy's enroll_device action sets", async () => {
      const current = await h.app.inject({ method: 'GET', url: '/v1/policy', ...admin.auth() });
      const { policy, version } = current.json() as {
        policy: typeof defaultVerificationPolicy;
        version: number;
      };
      const stricter = structuredClone(policy) as typeof defaultVerificationPolicy & {
        actions: Record<string, { requiredAssurance: string; highRisk: boolean }>;
      };
      stricter.actions.enroll_device = { requiredAssurance: 'high', highRisk: true };
      const saved = await h.app.inject({
        method: 'PUT',
        url: '/v1/policy',
        ...admin.auth(),
        payload: { policy: stricter, expectedVersion: version },
      });
      assert.equal(saved.statusCode, 200, saved.body);
      try {
        const { customerId, phone } = await customerWithPhone('Hanna High');
        await approvedPush(customerId, phone); // substantial: no biometric approval
        const refused = await handOut(agent, customerId);
        assert.equal(refused.statusCode, 403);
        assert.equal(
          (refused.json() as { error: { details: { requiredAssurance: string } } }).error.details
            .requiredAssurance,
          'high',
        );
      } finally {
        const now = await h.app.inject({ method: 'GET', url: '/v1/policy', ...admin.auth() });
        const restored = await h.app.inject({
          method: 'PUT',
          url: '/v1/policy',
          ...admin.auth(),
          payload: { policy, expectedVersion: (now.json() as { version: number }).version },
        });
        assert.equal(restored.statusCode, 200, restored.body);
      }
    });

    it('hands it out for an in-branch identity check, with its note in the audit entry', async () => {
      const { customerId } = await customerWithPhone('Bruno Branch');
      for (const note of ['', '   ', 'x'.repeat(501)]) {
        const bad = await handOut(agent, customerId, { inBranchCheck: { note } });
        assert.equal(bad.statusCode, 400, `note ${JSON.stringify(note.slice(0, 5))}: ${bad.body}`);
      }
      const extra = await handOut(agent, customerId, {
        inBranchCheck: { note: 'Passport seen' },
        force: true,
      });
      assert.equal(extra.statusCode, 400);

      const given = await handOut(agent, customerId, {
        inBranchCheck: { note: '  Passport C01X00T47 seen  ' },
      });
      assert.equal(given.statusCode, 201, given.body);
      assert.equal((given.json() as { basis: string }).basis, 'in_branch');
      const audit = (await activationAudits(customerId)).at(-1)!;
      assert.deepEqual(audit.basis, { kind: 'in_branch', note: 'Passport C01X00T47 seen' });
    });

    it("lets an integration's API key through, and never another tenant's operator", async () => {
      const { customerId } = await customerWithPhone('Ivan Integration');
      const byKey = await h.app.inject({
        method: 'POST',
        url: `/v1/customers/${customerId}/activations`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
      assert.equal(byKey.statusCode, 201, byKey.body);
      assert.equal((byKey.json() as { basis: string }).basis, 'integration');

      const cross = await handOut(otherAgent, customerId, { inBranchCheck: { note: 'Passport seen' } });
      assert.equal(cross.statusCode, 404, cross.body);
    });

    it("streams the customer's new device to the console as it enrolls, and no other customer's", async () => {
      const watched = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Lena Live' },
        cliActor,
      );
      const other = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Olaf Other' },
        cliActor,
      );
      const controller = new AbortController();
      const { cookies } = agent.auth();
      const response = await fetch(`${h.baseUrl}/v1/customers/${watched.id}/device-events`, {
        headers: {
          cookie: Object.entries(cookies)
            .map(([k, v]) => `${k}=${v}`)
            .join('; '),
        },
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        const enrol = async (customerId: string, label: string) => {
          const activation = await h.runtime.services.devices.createActivation(
            tenantId,
            customerId,
            cliActor,
          );
          return enrollTestDevice(h.app, {
            publicUrl: h.config.publicUrl,
            activationCode: activation.code,
            now: h.clock.now,
            label,
          });
        };
        await enrol(other.id, 'Not this one');
        const device = await enrol(watched.id, 'Lena phone');
        let text = '';
        while (!text.includes('device-enrolled')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
        const data = JSON.parse(
          /data: (.*)/.exec(text.slice(text.indexOf('event: device-enrolled')))![1]!,
        ) as {
          deviceId: string;
          label: string;
        };
        assert.deepEqual(
          { deviceId: data.deviceId, label: data.label },
          { deviceId: device.id, label: 'Lena phone' },
        );
        assert.ok(!text.includes('Not this one'), "another customer's device is not news here");
      } finally {
        controller.abort();
        await reader.cancel().catch(() => {});
      }
    });

    it('sends no activation link by SMS to a number changed in the SIM-swap window', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Sven Swapped', phone: '+447911123470', email: 'sven@example.com' },
        cliActor,
      );
      await h.runtime.services.customers.update(tenantId, customer.id, { phone: '+447911123471' }, cliActor);
      const send = (channel: string) =>
        h.app.inject({
          method: 'POST',
          url: `/v1/customers/${customer.id}/activations/send`,
          ...agent.auth(),
          payload: { channel },
        });
      const refused = await send('sms');
      assert.equal(refused.statusCode, 409, refused.body);
      assert.deepEqual((refused.json() as { error: { code: string; details: unknown } }).error, {
        code: 'CHANNEL_UNAVAILABLE',
        message: refused.json().error.message,
        details: { reason: 'SIM_SWAP_WINDOW' },
      });
      assert.equal((await send('email')).statusCode, 201, 'the mailbox on file still works');
      h.clock.advance(7 * 24 * 3_600_000 + 1);
      // A week on (the agent's session has ended meanwhile; the integration's key sends it).
      const later = await h.app.inject({
        method: 'POST',
        url: `/v1/customers/${customer.id}/activations/send`,
        headers: { authorization: `Bearer ${apiKey}` },
        payload: { channel: 'sms' },
      });
      assert.equal(later.statusCode, 201, `after the window the number is trusted again: ${later.body}`);
    });
  });
}
