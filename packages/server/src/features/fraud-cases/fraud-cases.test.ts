/**
 * The fraud queue on SQLite and PostgreSQL: a fraud report, a push an operator started that the
 * customer denied, and a security-question lockout each open a case (one open case per customer
 * gathers them); parallel signals never open two cases nor count one twice; assignment is a
 * compare-and-set; a case resolves once, clearing or keeping the locks; the customer's
 * fraud-report route and the queue stay consistent; only supervisors and admins of the tenant
 * may see or change cases; every change is audited and becomes a webhook event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { openEventStream } from '../../test-support/event-stream-client.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';
import { openFraudCase } from './index.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const rightAnswers = ['Rex', 'Paris', 'Lycee Victor Hugo'];
const wrongAnswers = ['Fido', 'London', 'nope'];

for (const kind of databaseKinds) {
  describe(`the fraud queue on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let tenantId: string;
    let clients: Record<'agent' | 'supervisor' | 'admin' | 'auditor', OperatorClient>;
    let otherAdmin: OperatorClient;
    let otherTenantOperatorId: string;
    let apiKey: string;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true });
      const tenant = await h.tenantWithOperators('fraudq');
      tenantId = tenant.id;
      clients = tenant.clients;
      apiKey = await h.createApiKey(tenant, ['verifications:write']);
      const other = await h.tenantWithOperators('fraudq-other');
      otherAdmin = other.clients.admin;
      otherTenantOperatorId = other.clients.supervisor.operatorId;
    });
    after(async () => h?.close());

    const call = async (
      client: OperatorClient,
      method: 'GET' | 'POST' | 'PUT',
      url: string,
      payload?: object,
    ) => {
      const response = await h.app.inject({ method, url, ...client.auth(), ...(payload ? { payload } : {}) });
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : (response.json() as Json),
      };
    };

    let count = 0;
    async function customerWithPhone(): Promise<{ customerId: string; phone: TestDevice }> {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: `Case customer ${++count}` },
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

    /** Starts a push (by an operator, or by the integration's API key) and lets the phone decide. */
    async function pushDecided(
      customerId: string,
      phone: TestDevice,
      decision: 'deny' | 'report_fraud',
      by: OperatorClient | 'api_key',
    ): Promise<string> {
      const started =
        by === 'api_key'
          ? await h.app.inject({
              method: 'POST',
              url: '/v1/verifications',
              headers: { authorization: `Bearer ${apiKey}` },
              payload: { customerId, reason: 'Card replacement' },
            })
          : await h.app.inject({
              method: 'POST',
              url: '/v1/verifications',
              ...by.auth(),
              payload: { customerId, reason: 'Card replacement' },
            });
      assert.equal(started.statusCode, 201, started.body);
      const { id } = started.json() as { id: string };
      const decided = await h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: { signedDecision: await phone.decide(id, decision) },
      });
      assert.equal(decided.statusCode, 200, decided.body);
      h.clock.advance(1000);
      return id;
    }

    async function lockQuestions(customerId: string): Promise<void> {
      const set = await call(clients.supervisor, 'PUT', `/v1/customers/${customerId}/security-questions`, {
        questions: [
          { question: 'Name of your first pet?', answer: rightAnswers[0] },
          { question: 'City you were born in?', answer: rightAnswers[1] },
          { question: 'Your first school?', answer: rightAnswers[2] },
        ],
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const ids: string[] = set.body.questions.map((q: { id: string }) => q.id);
      for (let i = 0; i < 3; i++) {
        const checked = await call(
          clients.agent,
          'POST',
          `/v1/customers/${customerId}/security-questions/check`,
          {
            action: 'account_enquiry',
            answers: ids.map((questionId, j) => ({ questionId, answer: wrongAnswers[j] })),
          },
        );
        assert.equal(checked.status, 422, JSON.stringify(checked.body));
      }
      h.clock.advance(1000);
    }

    const casesOf = async (customerId: string) =>
      (await call(clients.supervisor, 'GET', `/v1/fraud-cases?status=all&customerId=${customerId}`)).body
        .items as Json[];

    async function auditActions(targetId: string): Promise<string[]> {
      const rows = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('tenant_id', '=', tenantId)
        .where('target_id', '=', targetId)
        .orderBy('seq')
        .execute();
      const pending = await h.runtime.database.db
        .selectFrom('audit_pending')
        .select('action')
        .where('tenant_id', '=', tenantId)
        .where('target_id', '=', targetId)
        .orderBy('id')
        .execute();
      return [...rows, ...pending].map((r) => r.action);
    }

    it("a fraud report opens a case, live on the supervisors' stream; a lockout joins the open case", async () => {
      const stream = await openEventStream(`${h.baseUrl}/v1/fraud-cases/events`, {
        cookie: `hda_session=${clients.supervisor.cookie}`,
      });
      assert.equal(stream.status, 200);
      const { customerId, phone } = await customerWithPhone();
      const verificationId = await pushDecided(customerId, phone, 'report_fraud', 'api_key');
      const alert = await stream.waitFor((e) => e.type === 'fraud_case' && e.data.customerId === customerId);
      assert.equal(alert.data.change, 'opened');
      assert.equal(alert.data.signalKind, 'fraud_report');
      await stream.close();

      let [found] = await casesOf(customerId);
      assert.equal(found.status, 'open');
      assert.equal(found.firstKind, 'fraud_report');
      assert.equal(found.signalCount, 1);
      assert.equal(found.id, alert.data.caseId);
      assert.match(found.customerName, /Case customer/);

      await lockQuestions(customerId);
      const all = await casesOf(customerId);
      assert.equal(all.length, 1, 'one open case per customer');
      found = all[0];
      assert.equal(found.signalCount, 2);
      const detail = await call(clients.admin, 'GET', `/v1/fraud-cases/${found.id}`);
      assert.equal(detail.status, 200);
      assert.deepEqual(
        detail.body.signals.map((s: Json) => s.kind),
        ['fraud_report', 'questions_locked'],
      );
      assert.equal(detail.body.signals[0].sourceId, verificationId);
      assert.deepEqual(await auditActions(found.id), ['fraud_case.opened', 'fraud_case.signal_added']);
    });

    it('a push an operator started and the customer denied opens a case; one an API key started does not', async () => {
      const byKey = await customerWithPhone();
      await pushDecided(byKey.customerId, byKey.phone, 'deny', 'api_key');
      assert.deepEqual(await casesOf(byKey.customerId), []);

      const byAgent = await customerWithPhone();
      const verificationId = await pushDecided(byAgent.customerId, byAgent.phone, 'deny', clients.agent);
      const [found] = await casesOf(byAgent.customerId);
      assert.equal(found.firstKind, 'push_denied');
      const filtered = await call(clients.supervisor, 'GET', '/v1/fraud-cases?kind=push_denied');
      assert.ok(filtered.body.items.some((c: Json) => c.id === found.id));
      assert.ok(filtered.body.items.every((c: Json) => c.id !== undefined));
      const detail = await call(clients.supervisor, 'GET', `/v1/fraud-cases/${found.id}`);
      assert.equal(detail.body.signals[0].sourceId, verificationId);
    });

    it('parallel signals: the same signal counts once, and one customer never gets two open cases', async () => {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Racy' }, cliActor);
      const events = h.runtime.services.context.events;
      const db = h.runtime.database.db;
      const now = h.clock.now();
      const same = await Promise.all(
        Array.from({ length: 8 }, () =>
          inTransaction(db, (tx) =>
            openFraudCase(tx, events, {
              tenantId,
              customerId: customer.id,
              kind: 'fake_call',
              sourceId: 'notice-1',
              at: now,
            }),
          ),
        ),
      );
      assert.equal(same.filter((r) => r !== null).length, 1, 'one call recorded the signal');
      const different = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          inTransaction(db, (tx) =>
            openFraudCase(tx, events, {
              tenantId,
              customerId: customer.id,
              kind: 'fake_call',
              sourceId: `notice-${i + 2}`,
              at: now,
            }),
          ),
        ),
      );
      assert.equal(different.filter((r) => r?.opened).length, 0, 'the open case gathers them');
      const cases = await casesOf(customer.id);
      assert.equal(cases.length, 1);
      assert.equal(cases[0].signalCount, 9);
      const actions = await auditActions(cases[0].id);
      assert.equal(actions.filter((a) => a === 'fraud_case.opened').length, 1);
      assert.equal(actions.filter((a) => a === 'fraud_case.signal_added').length, 8);
    });

    it('assignment is a compare-and-set; only supervisors and admins of the tenant can be assigned', async () => {
      const { customerId, phone } = await customerWithPhone();
      await pushDecided(customerId, phone, 'report_fraud', 'api_key');
      const [found] = await casesOf(customerId);
      const assign = (client: OperatorClient, assigneeId: string | null, expectedAssigneeId: string | null) =>
        call(client, 'POST', `/v1/fraud-cases/${found.id}/assign`, { assigneeId, expectedAssigneeId });

      assert.equal((await assign(clients.supervisor, clients.agent.operatorId, null)).status, 400);
      assert.equal((await assign(clients.supervisor, otherTenantOperatorId, null)).status, 400);
      assert.equal((await assign(clients.supervisor, 'not-an-id', null)).status, 400);

      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => {
          const who = i % 2 ? clients.admin : clients.supervisor;
          return assign(who, who.operatorId, null);
        }),
      );
      const won = answers.filter((a) => a.status === 200);
      assert.equal(won.length, 1, JSON.stringify(answers.map((a) => a.status)));
      for (const lost of answers.filter((a) => a.status !== 200)) {
        assert.equal(lost.status, 409);
        assert.equal(lost.body.error.code, 'FRAUD_CASE_ASSIGNMENT_CHANGED');
      }
      const owner = won[0]!.body.assignee.id as string;
      assert.ok([clients.admin.operatorId, clients.supervisor.operatorId].includes(owner));
      const mine = await call(
        owner === clients.admin.operatorId ? clients.admin : clients.supervisor,
        'GET',
        '/v1/fraud-cases?assignee=me',
      );
      assert.ok(mine.body.items.some((c: Json) => c.id === found.id));
      const unassigned = await call(clients.supervisor, 'GET', '/v1/fraud-cases?assignee=unassigned');
      assert.ok(unassigned.body.items.every((c: Json) => c.id !== found.id));

      // Handing it on needs the current owner as the expected one.
      assert.equal((await assign(clients.supervisor, clients.supervisor.operatorId, null)).status, 409);
      const handed = await assign(clients.supervisor, clients.supervisor.operatorId, owner);
      assert.equal(handed.status, 200);
      const actions = await auditActions(found.id);
      assert.equal(
        actions.filter((a) => a === 'fraud_case.assigned').length,
        owner === clients.supervisor.operatorId ? 1 : 2,
      );
    });

    it('a case resolves once under parallel requests, clearing the locks and the report in one go', async () => {
      const { customerId, phone } = await customerWithPhone();
      await pushDecided(customerId, phone, 'report_fraud', 'api_key');
      await lockQuestions(customerId);
      const [found] = await casesOf(customerId);
      const note = await call(clients.supervisor, 'POST', `/v1/fraud-cases/${found.id}/notes`, {
        body: 'Called the customer back on the number on file.',
      });
      assert.equal(note.status, 201);
      for (const bad of [
        { resolution: 'maybe', note: 'Checked.', pushLock: 'clear', questionsLock: 'clear' },
        { resolution: 'genuine_mistake', note: '  ', pushLock: 'clear', questionsLock: 'clear' },
        { resolution: 'genuine_mistake', note: 'Checked.', pushLock: 'drop', questionsLock: 'clear' },
        { resolution: 'genuine_mistake', note: 'Checked.', pushLock: 'clear' },
      ]) {
        assert.equal(
          (await call(clients.supervisor, 'POST', `/v1/fraud-cases/${found.id}/resolve`, bad)).status,
          400,
        );
      }
      const locksBefore = await call(clients.supervisor, 'GET', `/v1/customers/${customerId}/locks`);
      assert.equal(locksBefore.body.push.locked, true);
      assert.equal(locksBefore.body.securityQuestions.locked, true);

      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(i % 2 ? clients.admin : clients.supervisor, 'POST', `/v1/fraud-cases/${found.id}/resolve`, {
            resolution: 'genuine_mistake',
            note: `The customer pressed the wrong button (${i}).`,
            pushLock: 'clear',
            questionsLock: 'clear',
          }),
        ),
      );
      assert.equal(
        answers.filter((a) => a.status === 200).length,
        1,
        JSON.stringify(answers.map((a) => a.status)),
      );
      for (const lost of answers.filter((a) => a.status !== 200)) {
        assert.equal(lost.status, 409);
        assert.equal(lost.body.error.code, 'FRAUD_CASE_NOT_OPEN');
      }
      const resolved = answers.find((a) => a.status === 200)!.body;
      assert.equal(resolved.status, 'resolved');
      assert.equal(resolved.resolution, 'genuine_mistake');
      assert.equal(resolved.pushLock, 'clear');

      const locks = await call(clients.supervisor, 'GET', `/v1/customers/${customerId}/locks`);
      assert.equal(locks.body.push.locked, false);
      assert.equal(locks.body.securityQuestions.locked, false);
      const customer = await call(clients.agent, 'GET', `/v1/customers/${customerId}`);
      assert.ok(customer.body.fraudResolvedAt, 'the fraud report is resolved with the case');
      const actions = await auditActions(found.id);
      assert.deepEqual(
        actions.filter((a) => a !== 'fraud_case.signal_added'),
        ['fraud_case.opened', 'fraud_case.noted', 'fraud_case.resolved'],
      );
      const customerActions = await auditActions(customerId);
      for (const action of [
        'customer.fraud_report_resolved',
        'customer.push_lock_cleared',
        'customer.security_questions_unlocked',
      ]) {
        assert.equal(customerActions.filter((a) => a === action).length, 1, action);
      }
      const detail = await call(clients.supervisor, 'GET', `/v1/fraud-cases/${found.id}`);
      assert.equal(detail.body.notes.length, 2);
      assert.equal(detail.body.notes[0].author.id, clients.supervisor.operatorId);
      // A resolved case takes follow-up notes, but no second resolution or assignment.
      assert.equal(
        (
          await call(clients.admin, 'POST', `/v1/fraud-cases/${found.id}/notes`, {
            body: 'Follow-up: card reissued.',
          })
        ).status,
        201,
      );
      const reassigned = await call(clients.admin, 'POST', `/v1/fraud-cases/${found.id}/assign`, {
        assigneeId: clients.admin.operatorId,
        expectedAssigneeId: null,
      });
      assert.equal(reassigned.body.error.code, 'FRAUD_CASE_NOT_OPEN');

      // A new signal after the resolution opens a new case.
      await pushDecided(customerId, phone, 'report_fraud', 'api_key');
      const cases = await casesOf(customerId);
      assert.equal(cases.length, 2);
      assert.deepEqual(
        cases.map((c: Json) => c.status),
        ['resolved', 'open'],
        'oldest first',
      );
    });

    it('keeping the locks leaves them; resolving the report on the customer resolves the case too', async () => {
      const kept = await customerWithPhone();
      await pushDecided(kept.customerId, kept.phone, 'report_fraud', 'api_key');
      const [keptCase] = await casesOf(kept.customerId);
      const resolved = await call(clients.supervisor, 'POST', `/v1/fraud-cases/${keptCase.id}/resolve`, {
        resolution: 'confirmed_fraud',
        note: "Someone else called in the customer's name.",
        pushLock: 'keep',
        questionsLock: 'keep',
      });
      assert.equal(resolved.status, 200);
      const locks = await call(clients.supervisor, 'GET', `/v1/customers/${kept.customerId}/locks`);
      assert.equal(locks.body.push.locked, true);
      assert.equal(locks.body.push.reason, 'PUSH_LOCKED_FRAUD');
      // The report was resolved with the case: the customer route has nothing left to resolve.
      const again = await call(
        clients.supervisor,
        'POST',
        `/v1/customers/${kept.customerId}/fraud-report/resolve`,
        {
          note: 'Again.',
        },
      );
      assert.equal(again.body.error.code, 'FRAUD_REPORT_NOT_OPEN');

      const viaReport = await customerWithPhone();
      await pushDecided(viaReport.customerId, viaReport.phone, 'report_fraud', 'api_key');
      const report = await call(
        clients.supervisor,
        'POST',
        `/v1/customers/${viaReport.customerId}/fraud-report/resolve`,
        { note: 'Customer confirmed it was a mistake.', resolution: 'genuine_mistake' },
      );
      assert.equal(report.status, 200, JSON.stringify(report.body));
      const [viaCase] = await casesOf(viaReport.customerId);
      assert.equal(viaCase.status, 'resolved');
      assert.equal(viaCase.resolution, 'genuine_mistake');
      assert.equal(viaCase.pushLock, 'keep');
    });

    it('agents, auditors and other tenants can neither see nor change cases', async () => {
      const { customerId, phone } = await customerWithPhone();
      await pushDecided(customerId, phone, 'report_fraud', 'api_key');
      const [found] = await casesOf(customerId);
      for (const role of ['agent', 'auditor'] as const) {
        assert.equal((await call(clients[role], 'GET', '/v1/fraud-cases')).status, 403, role);
        assert.equal((await call(clients[role], 'GET', `/v1/fraud-cases/${found.id}`)).status, 403, role);
        const resolve = await call(clients[role], 'POST', `/v1/fraud-cases/${found.id}/resolve`, {
          resolution: 'escalated',
          note: 'Not mine to do.',
          pushLock: 'keep',
          questionsLock: 'keep',
        });
        assert.equal(resolve.status, 403, role);
      }
      assert.equal((await call(otherAdmin, 'GET', `/v1/fraud-cases/${found.id}`)).status, 404);
      const otherList = await call(otherAdmin, 'GET', '/v1/fraud-cases?status=all');
      assert.deepEqual(otherList.body.items, []);
      const otherResolve = await call(otherAdmin, 'POST', `/v1/fraud-cases/${found.id}/resolve`, {
        resolution: 'escalated',
        note: 'Not our tenant.',
        pushLock: 'clear',
        questionsLock: 'clear',
      });
      assert.equal(otherResolve.status, 404);
      const otherNote = await call(otherAdmin, 'POST', `/v1/fraud-cases/${found.id}/notes`, {
        body: 'Hello there',
      });
      assert.equal(otherNote.status, 404);
      const [still] = await casesOf(customerId);
      assert.equal(still.status, 'open');
    });

    it('pages through the queue oldest first and refuses a forged cursor', async () => {
      const first = await call(clients.supervisor, 'GET', '/v1/fraud-cases?status=all&limit=2');
      assert.equal(first.status, 200);
      assert.equal(first.body.items.length, 2);
      assert.ok(first.body.nextCursor);
      const second = await call(
        clients.supervisor,
        'GET',
        `/v1/fraud-cases?status=all&limit=2&cursor=${first.body.nextCursor}`,
      );
      assert.ok(second.body.items[0].id > first.body.items[1].id);
      const forged = await call(clients.supervisor, 'GET', '/v1/fraud-cases?cursor=bm9wZQ');
      assert.equal(forged.status, 400);
      assert.equal(forged.body.error.code, 'INVALID_CURSOR');
    });
  });
}
