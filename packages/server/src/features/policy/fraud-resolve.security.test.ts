/**
 * After a fraud report, on SQLite and PostgreSQL: supervisors and admins resolve the report with
 * a note, clear the push lock and unlock security questions; agents and auditors cannot. Each
 * change is audited once, also when the same request arrives several times at once; resolving
 * leaves the push lock to its own clear, and a new report opens again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
  describe(`resolving a fraud report and clearing locks on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let clients: Record<'agent' | 'supervisor' | 'admin' | 'auditor', OperatorClient>;
    let apiKey: string;
    let otherAdmin: OperatorClient;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('fraud-resolve');
      tenantId = tenant.id;
      clients = tenant.clients;
      apiKey = await h.createApiKey(tenant, ['verifications:write']);
      otherAdmin = (await h.tenantWithOperators('fraud-resolve-other')).clients.admin;
    });
    after(async () => h?.close());

    const call = (
      client: OperatorClient,
      method: 'GET' | 'POST' | 'DELETE',
      url: string,
      payload?: Record<string, unknown>,
    ) => h.app.inject({ method, url, ...client.auth(), ...(payload === undefined ? {} : { payload }) });
    const resolve = (
      client: OperatorClient,
      customerId: string,
      note = 'Called the customer back; card blocked.',
    ) => call(client, 'POST', `/v1/customers/${customerId}/fraud-report/resolve`, { note });

    async function startPush(customerId: string) {
      return h.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: { customerId, reason: 'Card replacement' },
      });
    }

    async function reportFraud(customerId: string, phone: TestDevice): Promise<void> {
      const started = await startPush(customerId);
      assert.equal(started.statusCode, 201, started.body);
      const { id } = started.json() as { id: string };
      const decided = await h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: { signedDecision: await phone.decide(id, 'report_fraud') },
      });
      assert.equal(decided.statusCode, 200, decided.body);
      h.clock.advance(1000);
    }

    async function fraudCustomer(name: string): Promise<{ customerId: string; phone: TestDevice }> {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: name }, cliActor);
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, cliActor);
      const phone = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      await reportFraud(customer.id, phone);
      return { customerId: customer.id, phone };
    }

    async function audits(action: string, customerId: string) {
      const rows = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['data', 'actor_id'])
        .where('tenant_id', '=', tenantId)
        .where('action', '=', action)
        .where('target_id', '=', customerId)
        .execute();
      return rows.map((r) => ({
        ...(JSON.parse(r.data) as { note?: string; reportedAt?: number }),
        actor: r.actor_id,
      }));
    }

    const customer = async (customerId: string) =>
      (await call(clients.agent, 'GET', `/v1/customers/${customerId}`)).json() as {
        fraudReportedAt: string | null;
        fraudResolvedAt: string | null;
      };

    it('agents and auditors can neither resolve nor unlock; another tenant gets 404', async () => {
      const { customerId } = await fraudCustomer('Petra Protected');
      for (const role of ['agent', 'auditor'] as const) {
        assert.equal((await resolve(clients[role], customerId)).statusCode, 403, role);
        assert.equal(
          (await call(clients[role], 'DELETE', `/v1/customers/${customerId}/push-lock`)).statusCode,
          403,
        );
        assert.equal(
          (await call(clients[role], 'DELETE', `/v1/customers/${customerId}/security-questions/lock`))
            .statusCode,
          403,
        );
      }
      assert.equal((await resolve(otherAdmin, customerId)).statusCode, 404);
      assert.equal(
        (await call(otherAdmin, 'DELETE', `/v1/customers/${customerId}/push-lock`)).statusCode,
        404,
      );
      assert.equal((await customer(customerId)).fraudResolvedAt, null);
      assert.deepEqual(await audits('customer.fraud_report_resolved', customerId), []);
      assert.deepEqual(await audits('customer.push_lock_cleared', customerId), []);
    });

    it('a supervisor resolves with a note, once under parallel requests; the push lock stays', async () => {
      const { customerId, phone } = await fraudCustomer('Rita Resolved');
      const before = await customer(customerId);
      assert.ok(before.fraudReportedAt);
      for (const note of ['', '  ', 'x'.repeat(1001)]) {
        assert.equal(
          (await resolve(clients.supervisor, customerId, note)).statusCode,
          400,
          JSON.stringify(note),
        );
      }

      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          resolve(
            i % 2 ? clients.admin : clients.supervisor,
            customerId,
            `  Checked with the customer (${i}).  `,
          ),
        ),
      );
      const codes = answers.map((a) =>
        a.statusCode === 200 ? '200' : `${a.statusCode} ${a.json().error.code}`,
      );
      assert.equal(codes.filter((c) => c === '200').length, 1, codes.join());
      assert.deepEqual(
        codes.filter((c) => c !== '200'),
        Array(5).fill('409 FRAUD_REPORT_NOT_OPEN'),
      );
      const entries = await audits('customer.fraud_report_resolved', customerId);
      assert.equal(entries.length, 1);
      assert.match(entries[0]!.note!, /^Checked with the customer \(\d\)\.$/, 'the note, trimmed');
      assert.equal(entries[0]!.reportedAt, Date.parse(before.fraudReportedAt));
      const after = await customer(customerId);
      assert.equal(after.fraudReportedAt, before.fraudReportedAt, 'the report itself stays on record');
      assert.ok(after.fraudResolvedAt);

      // Resolving says the case is handled; push stays locked until it is cleared.
      const refused = await startPush(customerId);
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().error.details.reason, 'PUSH_LOCKED_FRAUD');

      // A new report opens the case again.
      await call(clients.admin, 'DELETE', `/v1/customers/${customerId}/push-lock`);
      h.clock.advance(60_000);
      await reportFraud(customerId, phone);
      const reopened = await customer(customerId);
      assert.equal(reopened.fraudResolvedAt, null);
      assert.notEqual(reopened.fraudReportedAt, before.fraudReportedAt);
      assert.equal((await resolve(clients.supervisor, customerId)).statusCode, 200);
    });

    it('clears the push lock once under parallel requests; with nothing to clear, nothing is audited', async () => {
      const { customerId } = await fraudCustomer('Cleo Cleared');
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(i % 2 ? clients.admin : clients.supervisor, 'DELETE', `/v1/customers/${customerId}/push-lock`),
        ),
      );
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        Array(6).fill(204),
      );
      const entries = await audits('customer.push_lock_cleared', customerId);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.actor !== null, true);
      assert.equal((await startPush(customerId)).statusCode, 201, 'push works again');

      h.clock.advance(1000);
      assert.equal(
        (await call(clients.admin, 'DELETE', `/v1/customers/${customerId}/push-lock`)).statusCode,
        204,
      );
      assert.equal(
        (await audits('customer.push_lock_cleared', customerId)).length,
        1,
        'nothing new to clear',
      );
    });

    it('unlocks security questions once under parallel requests', async () => {
      const created = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Quinn Questions' },
        cliActor,
      );
      const customerId = created.id;
      const set = await h.app.inject({
        method: 'PUT',
        url: `/v1/customers/${customerId}/security-questions`,
        ...clients.supervisor.auth(),
        payload: {
          questions: [
            { question: 'Name of your first pet?', answer: 'Rex' },
            { question: 'City you were born in?', answer: 'Paris' },
            { question: 'Your first school?', answer: 'Hugo' },
          ],
        },
      });
      assert.ok(set.statusCode < 300, set.body);
      const ids = (
        (await call(clients.agent, 'GET', `/v1/customers/${customerId}/security-questions`)).json() as {
          questions: { id: string }[];
        }
      ).questions.map((q) => q.id);
      const check = (answers: string[]) =>
        call(clients.agent, 'POST', `/v1/customers/${customerId}/security-questions/check`, {
          action: 'account_enquiry',
          answers: ids.map((questionId, i) => ({ questionId, answer: answers[i] })),
        });
      for (let i = 0; i < 3; i++) assert.equal((await check(['no', 'no', 'no'])).statusCode, 422);
      assert.equal((await check(['Rex', 'Paris', 'Hugo'])).json().error.details.reason, 'QUESTIONS_LOCKED');

      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(clients.supervisor, 'DELETE', `/v1/customers/${customerId}/security-questions/lock`),
        ),
      );
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        Array(6).fill(204),
      );
      assert.equal((await audits('customer.security_questions_unlocked', customerId)).length, 1);
      assert.equal((await check(['Rex', 'Paris', 'Hugo'])).statusCode, 200);
    });
  });
}
