/**
 * The practice space on each database: every scenario's simulated phone answers through the real
 * push flow (signed decisions from enrolled keys), codes go to the practice outbox and never to a
 * provider, practice customers stay out of lists, searches and SCIM, audit entries about them are
 * flagged and never become webhook deliveries, and sessions are scored; who may see and assign.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { webhookEventTypes } from '@helpdesk-auth/core';
import type { LightMyRequestResponse } from 'fastify';
import {
  appendAudit,
  appendAuditSealed,
  auditSealing,
  cliActor,
  sealAudit,
  setAuditSealing,
  verifyTenantAuditChain,
} from '../../platform/audit-log.ts';
import { scrape } from '../../platform/metrics.ts';
import type { MessageProvider, OutgoingMessage } from '../../providers/messages/message-provider.ts';
import { guardPracticeAddresses, isPracticeAddress } from '../../providers/messages/practice-outbox.ts';
import { inTransaction } from '../../storage/atomic.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice } from '../../test-support/test-device.ts';
import { createSimulatedPhones } from './simulated-phone.ts';

interface Session {
  id: string;
  status: string;
  operatorId: string;
  currentStep: number | null;
  steps: {
    scenario: string | null;
    customerId: string;
    displayName: string;
    conclusion: string | null;
    result: { methodsUsed: string[]; methodRight: boolean; reactionRight: boolean } | null;
  }[];
  score: { steps: number; methodsRight: number; reactionsRight: number } | null;
}

/** The process's count of verifications with this method and outcome (Prometheus). */
async function counted(method: string, outcome: string): Promise<number> {
  const { body } = await scrape();
  const line = body
    .split('\n')
    .find((l) => l.startsWith(`helpdesk_auth_verifications_total{method="${method}",outcome="${outcome}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Waits (without asserting how long) until the server's asynchronous answer has landed. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (ok(value)) return value;
    await sleep(10);
  }
  throw new Error('The awaited state never came.');
}

describe('the practice outbox guard', () => {
  it('keeps messages to practice addresses from the provider, and passes real ones through', async () => {
    const sent: OutgoingMessage[] = [];
    const provider: MessageProvider = {
      name: 'twilio',
      channel: 'sms',
      async send(message) {
        sent.push(message);
        return { status: 'queued', providerMessageId: 'SM1' };
      },
    };
    const stored: unknown[] = [];
    const db = {
      insertInto: () => ({ values: (row: unknown) => ({ execute: async () => void stored.push(row) }) }),
    } as unknown as Parameters<typeof guardPracticeAddresses>[1]['db'];
    const guarded = guardPracticeAddresses({ sms: provider }, { db, clock: () => 1 });
    const message = { text: 'Your code is 123456', reference: 'r', tenantId: 't' };
    await guarded.sms!.send({ ...message, to: '+447700900123' });
    await guarded.sms!.send({ ...message, to: 'caller-x@practice.invalid' });
    assert.equal(sent.length, 0, 'no practice message reached the provider');
    assert.equal(stored.length, 2);
    // The drama range is exactly 1000 numbers: a longer number that starts the same is a real one.
    await guarded.sms!.send({ ...message, to: '+4477009001234' });
    await guarded.sms!.send({ ...message, to: '+4915112345678' });
    assert.deepEqual(
      sent.map((m) => m.to),
      ['+4477009001234', '+4915112345678'],
    );
  });
});

for (const kind of databaseKinds) {
  describe(`practice sessions on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenant: TestTenant & { clients: Record<string, OperatorClient> };
    let agent: OperatorClient;
    let otherAgent: OperatorClient;
    let supervisor: OperatorClient;

    const call = (
      who: OperatorClient | string,
      method: 'GET' | 'POST' | 'PATCH' | 'PUT',
      url: string,
      payload?: unknown,
    ): Promise<LightMyRequestResponse> =>
      h.app.inject({
        method,
        url,
        ...(typeof who === 'string' ? { headers: { authorization: `Bearer ${who}` } } : who.auth()),
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    async function newSession(who: OperatorClient, scenarios: string[]): Promise<Session> {
      const response = await call(who, 'POST', '/v1/practice/sessions', { scenarios });
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as Session;
    }

    async function startPush(customerId: string) {
      const response = await call(agent, 'POST', '/v1/verifications', { customerId });
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; code: string };
    }

    const verification = async (id: string) =>
      (await call(agent, 'GET', `/v1/verifications/${id}`)).json() as {
        status: string;
        failedAttempts: number;
        decidedByDeviceId: string | null;
        delivery: string;
      };

    async function conclude(session: Session, index: number, conclusion: string): Promise<Session> {
      const response = await call(agent, 'POST', `/v1/practice/sessions/${session.id}/conclusion`, {
        step: index,
        conclusion,
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as Session;
    }

    async function smsCode(
      session: Session,
      customerId: string,
    ): Promise<{ challenge: string; code: string }> {
      const started = await call(agent, 'POST', '/v1/otp-challenges', {
        customerId,
        channel: 'sms',
        action: 'verify_caller',
      });
      assert.equal(started.statusCode, 201, started.body);
      const caller = (await call(agent, 'GET', `/v1/practice/sessions/${session.id}/caller`)).json() as {
        messages: { channel: string; text: string }[];
      };
      const code = /\b(\d{6})\b/.exec(caller.messages[0]?.text ?? '')?.[1];
      assert.ok(code, 'the caller reads the code from the practice outbox');
      return { challenge: (started.json() as { id: string }).id, code };
    }

    before(async () => {
      h = await startTestHarness(kind);
      tenant = await h.tenantWithOperators('practice');
      agent = tenant.clients.agent!;
      supervisor = tenant.clients.supervisor!;
      const second = await h.createOperator(tenant, 'agent', 'second-agent@practice.example');
      otherAgent = await h.signIn(tenant, second.email);
      // An endpoint that wants every event: practice must give it none.
      await h.runtime.services.webhooks.create(
        tenant.id,
        {
          url: 'https://hooks.example.com/helpdesk',
          events: webhookEventTypes.filter((type) => type !== 'webhook.test'),
        },
        cliActor,
      );
    });
    after(async () => {
      await h?.close();
    });

    it('approves: the simulated phone approves with the code the agent read out, signed by its own key', async () => {
      const approvedBefore = await counted('push', 'approved');
      const session = await newSession(agent, ['approves']);
      assert.equal(session.status, 'active');
      assert.equal(session.steps[0]!.scenario, null, 'the scenario is not given away during the call');
      assert.match(session.steps[0]!.displayName, /\(practice\)$/);
      const customer = (await call(agent, 'GET', `/v1/customers/${session.steps[0]!.customerId}`)).json() as {
        practice: boolean;
      };
      assert.equal(customer.practice, true);
      const started = await startPush(session.steps[0]!.customerId);
      assert.equal((await verification(started.id)).delivery, 'delivered');
      h.clock.advance(4_000);
      const done = await until(
        () => verification(started.id),
        (v) => v.status !== 'pending',
      );
      assert.equal(done.status, 'approved');
      const device = await h.runtime.database.db
        .selectFrom('practice_devices')
        .select('device_id')
        .where('customer_id', '=', session.steps[0]!.customerId)
        .executeTakeFirstOrThrow();
      assert.equal(done.decidedByDeviceId, device.device_id);
      assert.equal(
        await counted('push', 'approved'),
        approvedBefore,
        'a practice call is no real verification',
      );
      const finished = await conclude(session, 0, 'verified');
      assert.equal(finished.status, 'finished');
      assert.equal(finished.steps[0]!.scenario, 'approves');
      assert.deepEqual(finished.steps[0]!.result?.methodsUsed, ['push']);
      assert.deepEqual(finished.score, { steps: 1, methodsRight: 1, reactionsRight: 1, totalSeconds: 4 });
    });

    it('denies: the phone denies; "verified" is the wrong reaction', async () => {
      const session = await newSession(agent, ['denies']);
      const started = await startPush(session.steps[0]!.customerId);
      h.clock.advance(3_000);
      assert.equal(
        (
          await until(
            () => verification(started.id),
            (v) => v.status !== 'pending',
          )
        ).status,
        'denied',
      );
      const finished = await conclude(session, 0, 'verified');
      assert.equal(finished.steps[0]!.result?.reactionRight, false);
      assert.equal(finished.score?.reactionsRight, 0);
    });

    it('reports fraud: handing to a supervisor is right, trying again by SMS is not', async () => {
      const good = await newSession(agent, ['reports_fraud']);
      const first = await startPush(good.steps[0]!.customerId);
      h.clock.advance(3_000);
      assert.equal(
        (
          await until(
            () => verification(first.id),
            (v) => v.status !== 'pending',
          )
        ).status,
        'fraud_reported',
      );
      assert.equal((await conclude(good, 0, 'handed_to_supervisor')).steps[0]!.result?.reactionRight, true);
      // A rehearsed fraud report is scored here and never becomes a case in the real fraud queue.
      const cases = await h.runtime.database.db
        .selectFrom('fraud_cases')
        .select('id')
        .where('customer_id', '=', good.steps[0]!.customerId)
        .execute();
      assert.deepEqual(cases, []);

      const bad = await newSession(agent, ['reports_fraud']);
      const second = await startPush(bad.steps[0]!.customerId);
      h.clock.advance(3_000);
      await until(
        () => verification(second.id),
        (v) => v.status !== 'pending',
      );
      await smsCode(bad, bad.steps[0]!.customerId);
      const judged = await conclude(bad, 0, 'handed_to_supervisor');
      assert.equal(judged.steps[0]!.result?.reactionRight, false, 'continued to verify after a fraud report');
    });

    it('unreachable: no push reaches the phone; SMS to the practice outbox verifies the caller', async () => {
      const session = await newSession(agent, ['unreachable']);
      const customerId = session.steps[0]!.customerId;
      const started = await startPush(customerId);
      assert.equal((await verification(started.id)).delivery, 'unreachable');
      h.clock.advance(10_000);
      await sleep(50);
      assert.equal((await verification(started.id)).status, 'pending', 'nobody answers');
      await call(agent, 'POST', `/v1/verifications/${started.id}/cancel`, {});
      const { challenge, code } = await smsCode(session, customerId);
      const checked = await call(agent, 'POST', `/v1/otp-challenges/${challenge}/verify`, { code });
      assert.equal(checked.statusCode, 200, checked.body);
      const finished = await conclude(session, 0, 'verified');
      assert.deepEqual(finished.steps[0]!.result?.methodsUsed, ['push', 'sms_otp']);
      assert.equal(finished.steps[0]!.result?.methodRight, true);
    });

    it('wrong code: the phone types a wrong code first, then the right one', async () => {
      const session = await newSession(agent, ['wrong_code']);
      const started = await startPush(session.steps[0]!.customerId);
      h.clock.advance(3_000);
      const afterWrong = await until(
        () => verification(started.id),
        (v) => v.failedAttempts === 1,
      );
      assert.equal(afterWrong.status, 'pending');
      // The caller's second try is scheduled once the first was refused; time moves on until it lands.
      const approved = await until(
        async () => {
          h.clock.advance(1_000);
          return verification(started.id);
        },
        (v) => v.status !== 'pending',
      );
      assert.equal(approved.status, 'approved');
      assert.equal(approved.failedAttempts, 1);
      assert.equal((await conclude(session, 0, 'verified')).score?.methodsRight, 1);
    });

    it('no smartphone: push is refused, the SMS code goes to the practice outbox and never to the outbox provider', async () => {
      const session = await newSession(agent, ['no_smartphone']);
      const customerId = session.steps[0]!.customerId;
      const push = await call(agent, 'POST', '/v1/verifications', { customerId });
      assert.equal(push.statusCode, 409);
      const { challenge, code } = await smsCode(session, customerId);
      assert.equal(
        (await call(agent, 'POST', `/v1/otp-challenges/${challenge}/verify`, { code })).statusCode,
        200,
      );
      const finished = await conclude(session, 0, 'verified');
      assert.equal(finished.steps[0]!.result?.methodRight, true);
    });

    it('fails the security questions: the caller gives wrong answers; not verified is right', async () => {
      const session = await newSession(agent, ['fails_questions']);
      const customerId = session.steps[0]!.customerId;
      const questions = (
        await call(agent, 'GET', `/v1/customers/${customerId}/security-questions`)
      ).json() as {
        questions: { id: string; question: string }[];
      };
      const caller = (await call(agent, 'GET', `/v1/practice/sessions/${session.id}/caller`)).json() as {
        answers: { question: string; answer: string }[];
      };
      const answers = questions.questions.map((q) => ({
        questionId: q.id,
        answer: caller.answers.find((a) => a.question === q.question)!.answer,
      }));
      const check = await call(agent, 'POST', `/v1/customers/${customerId}/security-questions/check`, {
        action: 'account_enquiry',
        answers,
      });
      assert.equal(check.statusCode, 422, check.body);
      assert.equal((check.json() as { error: { code: string } }).error.code, 'ANSWERS_REJECTED');
      const finished = await conclude(session, 0, 'not_verified');
      assert.deepEqual(finished.score, { steps: 1, methodsRight: 1, reactionsRight: 1, totalSeconds: 0 });
    });

    it('keeps practice out of the real world: lists, searches, SCIM, the outbox, webhooks; audited as practice', async () => {
      const real = await h.runtime.services.customers.create(
        tenant.id,
        { displayName: 'Erika Mustermann', phone: '+4915112345678' },
        cliActor,
      );
      const list = (await call(supervisor, 'GET', '/v1/customers?limit=200')).json() as {
        items: { id: string }[];
      };
      assert.deepEqual(
        list.items.map((c) => c.id),
        [real.id],
      );
      const search = (await call(supervisor, 'GET', '/v1/customers?q=mustermann')).json() as {
        items: { id: string }[];
      };
      assert.deepEqual(
        search.items.map((c) => c.id),
        [real.id],
      );
      // History lists no practice call; the practice customer's own page does.
      const history = (await call(supervisor, 'GET', '/v1/verifications?limit=200')).json() as {
        items: { customerId: string }[];
      };
      assert.deepEqual(history.items, []);
      const practiceCustomers = await h.runtime.database.db
        .selectFrom('customers')
        .select(['id', 'phone'])
        .where('tenant_id', '=', tenant.id)
        .where('practice', '=', 1)
        .execute();
      assert.ok(practiceCustomers.length >= 7);
      const own = await h.runtime.database.db
        .selectFrom('verifications')
        .select('customer_id')
        .where('tenant_id', '=', tenant.id)
        .executeTakeFirstOrThrow();
      const onItsPage = (
        await call(supervisor, 'GET', `/v1/verifications?customerId=${own.customer_id}`)
      ).json() as {
        items: unknown[];
      };
      assert.ok(onItsPage.items.length > 0);
      const scimKey = await h.createApiKey(tenant, ['scim']);
      const scim = (
        await h.app.inject({
          method: 'GET',
          url: '/scim/v2/Users',
          headers: { authorization: `Bearer ${scimKey}` },
        })
      ).json() as { totalResults: number };
      assert.equal(scim.totalResults, 1);
      // A practice customer's number cannot be turned into a real one.
      const edit = await call(supervisor, 'PATCH', `/v1/customers/${practiceCustomers[0]!.id}`, {
        phone: '+4915112345679',
      });
      assert.equal(edit.statusCode, 409);

      const outbox = await h.runtime.database.db.selectFrom('message_outbox').select('id').execute();
      assert.equal(outbox.length, 0, 'no message went to the configured provider');
      const kept = await h.runtime.database.db.selectFrom('practice_messages').select('recipient').execute();
      assert.ok(kept.length >= 3);
      assert.ok(kept.every((m) => isPracticeAddress(m.recipient)));

      // Every audit entry about a practice customer is flagged, and none becomes a delivery.
      const entries = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['action', 'data', 'target_id'])
        .where('tenant_id', '=', tenant.id)
        .execute();
      const ids = new Set(practiceCustomers.map((c) => c.id));
      const aboutPractice = entries.filter((e) => {
        const data = JSON.parse(e.data) as { customerId?: string };
        return ids.has(data.customerId ?? '') || ids.has(e.target_id ?? '');
      });
      assert.ok(aboutPractice.some((e) => e.action === 'verification.approved'));
      assert.ok(aboutPractice.some((e) => e.action === 'device.enrolled'));
      for (const entry of aboutPractice) assert.equal(JSON.parse(entry.data).practice, true, entry.action);

      await h.runtime.services.webhooks.dispatch();
      const deliveries = await h.runtime.database.db
        .selectFrom('webhook_deliveries')
        .select('event_type')
        .where('tenant_id', '=', tenant.id)
        .execute();
      assert.equal(deliveries.length, 0, 'practice makes no webhook deliveries');
      // A real customer's device enrollment does go out: the dispatcher works, practice is what it skips.
      const { code } = await h.runtime.services.devices.createActivation(tenant.id, real.id, cliActor);
      await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: code,
        now: h.clock.now,
      });
      await h.runtime.services.webhooks.dispatch();
      const control = await h.runtime.database.db
        .selectFrom('webhook_deliveries')
        .select('event_type')
        .where('tenant_id', '=', tenant.id)
        .execute();
      assert.deepEqual(
        control.map((d) => d.event_type),
        ['device.enrolled'],
      );
      // Nor in the supervisors' figures, nor in a campaign's audience: only the real customer.
      const practiceMade = await h.runtime.database.db
        .selectFrom('verifications')
        .innerJoin('customers', 'customers.id', 'verifications.customer_id')
        .select('verifications.id')
        .where('verifications.tenant_id', '=', tenant.id)
        .where('customers.practice', '=', 1)
        .execute();
      assert.ok(practiceMade.length > 0, 'the sessions above made practice verifications');
      const dashboard = await call(
        supervisor,
        'GET',
        `/v1/analytics/dashboard?from=${encodeURIComponent(new Date(h.clock.now() - 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(h.clock.now() + 60_000).toISOString())}`,
      );
      assert.equal(dashboard.statusCode, 200, dashboard.body);
      assert.equal(
        (dashboard.json() as { total: number }).total,
        0,
        'practice verifications are not counted',
      );
      const campaign = await call(tenant.clients.admin!, 'POST', '/v1/campaigns', {
        name: 'Everyone',
        kind: 'invitation',
        channel: 'sms',
        audience: { kind: 'all' },
      });
      assert.equal(campaign.statusCode, 201, campaign.body);
      assert.equal(
        (campaign.json() as { campaign: { total: number } }).campaign.total,
        1,
        'only the real customer',
      );
    });

    it('supervisors assign sessions and see every score; agents see only their own; API keys are refused', async () => {
      const forbidden = await call(agent, 'POST', '/v1/practice/sessions', {
        operatorId: otherAgent.operatorId,
        scenarios: ['approves'],
      });
      assert.equal(forbidden.statusCode, 403);
      const assigned = await call(supervisor, 'POST', '/v1/practice/sessions', {
        operatorId: otherAgent.operatorId,
        scenarios: ['approves', 'denies'],
      });
      assert.equal(assigned.statusCode, 201, assigned.body);
      const session = assigned.json() as Session;
      assert.equal(session.status, 'assigned');
      assert.equal((await call(agent, 'GET', `/v1/practice/sessions/${session.id}`)).statusCode, 404);
      assert.equal((await call(agent, 'POST', `/v1/practice/sessions/${session.id}/start`)).statusCode, 404);
      assert.equal(
        (await call(supervisor, 'POST', `/v1/practice/sessions/${session.id}/start`)).statusCode,
        403,
      );
      const own = (await call(otherAgent, 'GET', '/v1/practice/sessions')).json() as { items: Session[] };
      assert.deepEqual(
        own.items.map((s) => s.id),
        [session.id],
      );
      const started = await call(otherAgent, 'POST', `/v1/practice/sessions/${session.id}/start`);
      assert.equal(started.statusCode, 200);
      assert.equal(
        (await call(otherAgent, 'POST', `/v1/practice/sessions/${session.id}/start`)).statusCode,
        409,
      );
      const all = (await call(supervisor, 'GET', '/v1/practice/sessions')).json() as { items: Session[] };
      assert.ok(all.items.some((s) => s.operatorId === agent.operatorId));
      assert.ok(all.items.some((s) => s.operatorId === otherAgent.operatorId));
      const key = await h.createApiKey(tenant, ['verifications:write', 'verifications:read']);
      assert.equal((await call(key, 'GET', '/v1/practice/sessions')).statusCode, 403);
      // The first-run tour is remembered per operator on the server, for every browser.
      assert.deepEqual((await call(otherAgent, 'GET', '/v1/practice/tour')).json(), { seenAt: null });
      assert.equal((await call(otherAgent, 'PUT', '/v1/practice/tour')).statusCode, 200);
      assert.notEqual(
        ((await call(otherAgent, 'GET', '/v1/practice/tour')).json() as { seenAt: string | null }).seenAt,
        null,
      );
      assert.deepEqual((await call(supervisor, 'GET', '/v1/practice/tour')).json(), { seenAt: null });
      assert.equal((await call(key, 'GET', '/v1/practice/tour')).statusCode, 403);
      const bad = await call(agent, 'POST', '/v1/practice/sessions', { scenarios: ['sings'] });
      assert.equal(bad.statusCode, 400);
    });

    it('the widget: a practice token opens the current call in the panel, and reaches no real customer', async () => {
      const session = await newSession(agent, ['approves']);
      const issued = await call(agent, 'POST', `/v1/practice/sessions/${session.id}/widget-token`);
      assert.equal(issued.statusCode, 201, issued.body);
      const { token } = issued.json() as { token: string };
      const widget = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
        h.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
        });
      const panel = (await widget('GET', '/v1/widget/session')).json() as {
        customer: { id: string; practice: boolean };
      };
      assert.deepEqual(panel.customer.id, session.steps[0]!.customerId);
      assert.equal(panel.customer.practice, true);
      const started = await widget('POST', '/v1/widget/verifications', {});
      assert.equal(started.statusCode, 201, started.body);
      const id = (started.json() as { id: string }).id;
      h.clock.advance(4_000);
      const done = await until(
        async () => (await widget('GET', `/v1/widget/verifications/${id}`)).json() as { status: string },
        (v) => v.status !== 'pending',
      );
      assert.equal(done.status, 'approved');
      assert.equal((await conclude(session, 0, 'verified')).score?.methodsRight, 1);
      // Only the agent practising gets one; another agent's session is not found.
      assert.equal(
        (await call(otherAgent, 'POST', `/v1/practice/sessions/${session.id}/widget-token`)).statusCode,
        404,
      );
      // A finished session has no call to open.
      assert.equal(
        (await call(agent, 'POST', `/v1/practice/sessions/${session.id}/widget-token`)).statusCode,
        409,
      );
      // An operator's token for a real customer is refused by the panel, whoever minted it.
      const real = await h.runtime.services.customers.create(
        tenant.id,
        { displayName: 'Real Person' },
        cliActor,
      );
      const forged = await h.runtime.services.widgetTokens.issue(
        {
          tenantId: tenant.id,
          customerId: real.id,
          operatorId: agent.operatorId,
          agentName: 'x',
          ttlSeconds: 60,
        },
        cliActor,
      );
      const refused = await h.app.inject({
        method: 'GET',
        url: '/v1/widget/session',
        headers: { authorization: `Bearer ${forged.token}` },
      });
      assert.equal(refused.statusCode, 401);
    });

    it('an answer outlives the process that heard the request: another one gives it once, however many sweep', async () => {
      const services = h.runtime.services;
      // Another server process on the same database and event hub, and later a third (a restart).
      const otherProcess = () =>
        createSimulatedPhones(services.context, {
          devices: services.devices,
          verifications: services.verifications,
          serverKeys: services.serverKeys,
        });
      const session = await newSession(agent, ['wrong_code']);
      const customerId = session.steps[0]!.customerId;
      // Only the other process listens for the phone: this one stops (as if the session had
      // been started through the other one).
      await services.practicePhones.stop(tenant.id, customerId);
      const heardBy = otherProcess();
      assert.equal(await heardBy.sweep(), 0, 'nothing is due yet');
      const started = await startPush(customerId);
      assert.equal((await verification(started.id)).delivery, 'delivered', 'the other process listens');
      const row = await until(
        () =>
          h.runtime.database.db
            .selectFrom('practice_answers')
            .select(['step', 'due_at'])
            .where('verification_id', '=', started.id)
            .executeTakeFirst(),
        (r) => r !== undefined,
      );
      assert.equal(row!.step, 0);
      // It stops before the answer is due: its timer goes with it, the row stays.
      heardBy.close();
      h.clock.advance(3_000);
      await sleep(50);
      assert.equal((await verification(started.id)).failedAttempts, 0, 'nobody answered yet');
      // A restarted process and this one sweep at the same moment: one of them types the wrong code, once.
      const restarted = otherProcess();
      const sweeps = async () =>
        (await Promise.all([restarted.sweep(), restarted.sweep(), services.practicePhones.sweep()])).reduce(
          (a, b) => a + b,
          0,
        );
      assert.equal(await sweeps(), 1, 'exactly one sweep gave the answer');
      const afterWrong = await verification(started.id);
      assert.equal(afterWrong.status, 'pending');
      assert.equal(afterWrong.failedAttempts, 1, 'one wrong code, not one per process');
      // The right code follows after its delay, once as well.
      h.clock.advance(4_000);
      await sweeps();
      const approved = await until(
        () => verification(started.id),
        (v) => v.status !== 'pending',
      );
      assert.equal(approved.status, 'approved');
      assert.equal(approved.failedAttempts, 1);
      restarted.close();
      // The process that gave the answer deletes the row right after it.
      await until(
        () =>
          h.runtime.database.db
            .selectFrom('practice_answers')
            .select('verification_id')
            .where('verification_id', '=', started.id)
            .execute(),
        (left) => left.length === 0,
      );
      assert.equal((await conclude(session, 0, 'verified')).score?.reactionsRight, 1);
    });

    it('the audit log flags entries about practice customers itself, however an entry is sealed', async () => {
      const db = h.runtime.database.db;
      const session = await newSession(agent, ['no_smartphone']);
      const practiceId = session.steps[0]!.customerId;
      const real = await h.runtime.services.customers.create(
        tenant.id,
        { displayName: 'Real Flag' },
        cliActor,
      );
      const was = auditSealing(db);
      try {
        for (const sealing of ['inline', 'deferred'] as const) {
          setAuditSealing(db, sealing);
          const written = await inTransaction(db, async (tx) => ({
            byData: await appendAudit(tx, {
              tenantId: tenant.id,
              actor: cliActor,
              action: `test.${sealing}.by_data`,
              data: { customerId: practiceId },
              now: h.clock.now(),
            }),
            byTarget: await appendAudit(tx, {
              tenantId: tenant.id,
              actor: cliActor,
              action: `test.${sealing}.by_target`,
              target: { type: 'customer', id: practiceId },
              now: h.clock.now(),
            }),
            real: await appendAudit(tx, {
              tenantId: tenant.id,
              actor: cliActor,
              action: `test.${sealing}.real`,
              data: { customerId: real.id },
              now: h.clock.now(),
            }),
            unknown: await appendAudit(tx, {
              tenantId: tenant.id,
              actor: cliActor,
              action: `test.${sealing}.unknown`,
              data: { customerId: 'cus_00000000000000000000000000' },
              now: h.clock.now(),
            }),
            sealed: await appendAuditSealed(tx, {
              tenantId: tenant.id,
              actor: cliActor,
              action: `test.${sealing}.sealed`,
              target: { type: 'customer', id: practiceId },
              now: h.clock.now(),
            }),
          }));
          assert.equal(written.byData.practice, true, sealing);
          assert.equal(written.byTarget.practice, true, sealing);
          assert.equal(written.real.practice, false, sealing);
          assert.equal(written.unknown.practice, false, sealing);
          assert.equal(JSON.parse(written.sealed.data).practice, true, sealing);
          await sealAudit(db, tenant.id);
          const stored = await db
            .selectFrom('audit_events')
            .select(['action', 'data'])
            .where('tenant_id', '=', tenant.id)
            .where('action', 'like', `test.${sealing}.%`)
            .execute();
          const flagged = Object.fromEntries(
            stored.map((e) => [e.action, JSON.parse(e.data).practice ?? false]),
          );
          assert.deepEqual(
            flagged,
            {
              [`test.${sealing}.by_data`]: true,
              [`test.${sealing}.by_target`]: true,
              [`test.${sealing}.real`]: false,
              [`test.${sealing}.unknown`]: false,
              [`test.${sealing}.sealed`]: true,
            },
            sealing,
          );
        }
      } finally {
        setAuditSealing(db, was);
      }
      // The flag is part of what was hashed: the chain verifies.
      assert.equal((await verifyTenantAuditChain(db, tenant.id)).ok, true);
    });

    describe('removing practice data', () => {
      let t: TestTenant & { clients: Record<string, OperatorClient> };
      let realId: string;
      const db = () => h.runtime.database.db;

      /** Every row anything here could delete for these customers, table by table. */
      async function rowsOf(customerIds: string[]) {
        const d = db();
        const count = async (q: { execute(): Promise<unknown[]> }) => (await q.execute()).length;
        return {
          customers: await count(d.selectFrom('customers').select('id').where('id', 'in', customerIds)),
          devices: await count(d.selectFrom('devices').select('id').where('customer_id', 'in', customerIds)),
          verifications: await count(
            d.selectFrom('verifications').select('id').where('customer_id', 'in', customerIds),
          ),
          events: await count(
            d
              .selectFrom('verification_events')
              .innerJoin('verifications', 'verifications.id', 'verification_events.verification_id')
              .select('verification_events.id')
              .where('verifications.customer_id', 'in', customerIds),
          ),
          codes: await count(
            d.selectFrom('otp_challenges').select('id').where('customer_id', 'in', customerIds),
          ),
          activations: await count(
            d.selectFrom('one_time_tokens').select('id').where('subject_id', 'in', customerIds),
          ),
        };
      }

      /** A practice session of the tenant's agent, with a push and an SMS code on its first call. */
      async function usedSession(): Promise<Session> {
        const response = await call(t.clients.agent!, 'POST', '/v1/practice/sessions', {
          scenarios: ['unreachable', 'no_smartphone'],
        });
        assert.equal(response.statusCode, 201, response.body);
        const session = response.json() as Session;
        const customerId = session.steps[0]!.customerId;
        const push = await call(t.clients.agent!, 'POST', '/v1/verifications', { customerId });
        assert.equal(push.statusCode, 201, push.body);
        const code = await call(t.clients.agent!, 'POST', '/v1/otp-challenges', {
          customerId,
          channel: 'sms',
          action: 'verify_caller',
        });
        assert.equal(code.statusCode, 201, code.body);
        return session;
      }

      const customersOf = (session: Session) => session.steps.map((step) => step.customerId);
      const auditAbout = async (ids: string[]) =>
        (
          await db()
            .selectFrom('audit_events')
            .select(['data', 'target_id'])
            .where('tenant_id', '=', t.id)
            .execute()
        ).filter((e) => ids.includes(e.target_id ?? '') || ids.includes(JSON.parse(e.data).customerId ?? ''))
          .length;

      before(async () => {
        t = await h.tenantWithOperators('practice-cleanup');
        // A real customer with a device, a push and an SMS code: nothing of it may go.
        const real = await h.runtime.services.customers.create(
          t.id,
          { displayName: 'Kept Customer', phone: '+4915112345670' },
          cliActor,
        );
        realId = real.id;
        const { code } = await h.runtime.services.devices.createActivation(t.id, real.id, cliActor);
        await enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode: code,
          now: h.clock.now,
        });
        await h.runtime.services.devices.createActivation(t.id, real.id, cliActor);
        assert.equal(
          (await call(t.clients.agent!, 'POST', '/v1/verifications', { customerId: real.id })).statusCode,
          201,
        );
        const sms = await call(t.clients.agent!, 'POST', '/v1/otp-challenges', {
          customerId: real.id,
          channel: 'sms',
          action: 'verify_caller',
        });
        assert.equal(sms.statusCode, 201, sms.body);
      });

      it("the retention sweep removes sessions past PRACTICE_RETENTION_DAYS with all made for them, once, and never a real customer's data", async () => {
        const realBefore = await rowsOf([realId]);
        assert.deepEqual(realBefore, {
          customers: 1,
          devices: 1,
          verifications: 1,
          events: (await rowsOf([realId])).events,
          codes: 1,
          activations: 2,
        });
        assert.ok(realBefore.events > 0);
        const realOutbox = await db()
          .selectFrom('message_outbox')
          .select('id')
          .where('tenant_id', '=', t.id)
          .execute();
        assert.ok(realOutbox.length >= 1, "the real customer's SMS");

        const old = await usedSession();
        const recent = await usedSession();
        const oldCustomers = customersOf(old);
        const oldRows = await rowsOf(oldCustomers);
        assert.ok(
          oldRows.customers === 2 &&
            oldRows.verifications === 1 &&
            oldRows.codes === 1 &&
            oldRows.devices === 1,
        );
        const auditBefore = await auditAbout(oldCustomers);
        assert.ok(auditBefore > 0);
        // The old one was made 31 days ago, with its messages (the retention is 30 days).
        const longAgo = h.clock.now() - 31 * 86_400_000;
        await db()
          .updateTable('practice_sessions')
          .set({ created_at: longAgo })
          .where('id', '=', old.id)
          .execute();
        const oldPhone = (
          await db()
            .selectFrom('customers')
            .select('phone')
            .where('id', '=', oldCustomers[0]!)
            .executeTakeFirstOrThrow()
        ).phone!;
        await db()
          .updateTable('practice_messages')
          .set({ created_at: longAgo })
          .where('recipient', '=', oldPhone)
          .execute();

        // Every process sweeps at the same moment: each session is removed, and audited, once.
        const swept = await Promise.all([
          h.runtime.services.practice.purgeExpired(),
          h.runtime.services.practice.purgeExpired(),
          h.runtime.services.practice.purgeExpired(),
        ]);
        const removedSessions = swept.reduce((sum, r) => sum + r.sessions, 0);
        assert.ok(removedSessions >= 1, 'the old session went');
        await sealAudit(db(), t.id);
        const purged = await db()
          .selectFrom('audit_events')
          .select(['actor_type', 'data'])
          .where('tenant_id', '=', t.id)
          .where('action', '=', 'practice.purged')
          .execute();
        assert.equal(purged.length, 1, 'one entry, by the sweep that removed it');
        assert.equal(purged[0]!.actor_type, 'system');
        assert.deepEqual(
          { ...JSON.parse(purged[0]!.data) },
          { practice: true, retentionDays: 30, sessions: 1, customers: 2 },
        );

        assert.equal(
          (await call(t.clients.agent!, 'GET', `/v1/practice/sessions/${old.id}`)).statusCode,
          404,
        );
        assert.deepEqual(await rowsOf(oldCustomers), {
          customers: 0,
          devices: 0,
          verifications: 0,
          events: 0,
          codes: 0,
          activations: 0,
        });
        const keptMessages = await db()
          .selectFrom('practice_messages')
          .select('id')
          .where('recipient', '=', oldPhone)
          .execute();
        assert.deepEqual(keptMessages, []);
        // The recent session and everything of the real customer stay.
        assert.equal(
          (await call(t.clients.agent!, 'GET', `/v1/practice/sessions/${recent.id}`)).statusCode,
          200,
        );
        assert.equal((await rowsOf(customersOf(recent))).customers, 2);
        assert.deepEqual(await rowsOf([realId]), realBefore);
        assert.equal(
          (await db().selectFrom('message_outbox').select('id').where('tenant_id', '=', t.id).execute())
            .length,
          realOutbox.length,
        );
        // The audit log keeps every entry about the removed customers, and its chain holds.
        assert.equal(await auditAbout(oldCustomers), auditBefore);
        assert.equal((await verifyTenantAuditChain(db(), t.id)).ok, true);
      });

      it('an admin resets the practice space: every session and made-up customer of the tenant goes, real ones stay, audited as practice', async () => {
        const realBefore = await rowsOf([realId]);
        const running = await usedSession();
        const made = (
          await db()
            .selectFrom('customers')
            .select('id')
            .where('tenant_id', '=', t.id)
            .where('practice', '=', 1)
            .execute()
        ).map((c) => c.id);
        assert.ok(made.length >= 4, 'the recent session of the test before and this one');
        await newSession(agent, ['no_smartphone']);
        const otherTenantSessions = await db()
          .selectFrom('practice_sessions')
          .select('id')
          .where('tenant_id', '=', tenant.id)
          .execute();
        assert.ok(otherTenantSessions.length > 0);

        for (const who of [t.clients.agent!, t.clients.supervisor!, t.clients.auditor!]) {
          const refused = await call(who, 'POST', '/v1/practice/reset', {});
          assert.equal(refused.statusCode, 403, refused.body);
        }
        const key = await h.createApiKey(t, ['tenant:write']);
        assert.equal((await call(key, 'POST', '/v1/practice/reset', {})).statusCode, 403);
        assert.equal(
          (await call(t.clients.agent!, 'GET', `/v1/practice/sessions/${running.id}`)).statusCode,
          200,
        );

        // Two admins' clicks at once: both answer, each session is removed by one of them.
        const answers = await Promise.all([
          call(t.clients.admin!, 'POST', '/v1/practice/reset', {}),
          call(t.clients.admin!, 'POST', '/v1/practice/reset', {}),
        ]);
        for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
        const counts = answers.map((a) => a.json() as { sessions: number; customers: number });
        assert.equal(
          counts.reduce((sum, c) => sum + c.sessions, 0),
          2,
        );
        assert.equal(
          counts.reduce((sum, c) => sum + c.customers, 0),
          made.length,
        );

        const left = await db()
          .selectFrom('practice_sessions')
          .select('id')
          .where('tenant_id', '=', t.id)
          .execute();
        assert.deepEqual(left, []);
        assert.deepEqual(await rowsOf(made), {
          customers: 0,
          devices: 0,
          verifications: 0,
          events: 0,
          codes: 0,
          activations: 0,
        });
        const practiceDevices = await db()
          .selectFrom('practice_devices')
          .select('device_id')
          .where('tenant_id', '=', t.id)
          .execute();
        assert.deepEqual(practiceDevices, []);
        assert.deepEqual(
          await db().selectFrom('practice_messages').select('id').where('tenant_id', '=', t.id).execute(),
          [],
        );
        assert.deepEqual(await rowsOf([realId]), realBefore, "the real customer's rows are all there");
        // Another tenant's practice space is its own.
        assert.equal(
          (
            await db()
              .selectFrom('practice_sessions')
              .select('id')
              .where('tenant_id', '=', tenant.id)
              .execute()
          ).length,
          otherTenantSessions.length,
        );
        await sealAudit(db(), t.id);
        const resets = await db()
          .selectFrom('audit_events')
          .select(['actor_type', 'actor_id', 'data'])
          .where('tenant_id', '=', t.id)
          .where('action', '=', 'practice.reset')
          .execute();
        assert.equal(resets.length, 2);
        for (const entry of resets) {
          assert.equal(entry.actor_id, t.clients.admin!.operatorId);
          assert.equal(JSON.parse(entry.data).practice, true);
        }
        assert.equal((await verifyTenantAuditChain(db(), t.id)).ok, true);
        // Practising goes on after a reset.
        const again = await call(t.clients.agent!, 'POST', '/v1/practice/sessions', {
          scenarios: ['approves'],
        });
        assert.equal(again.statusCode, 201, again.body);
      });
    });

    it('of two parallel conclusions of the same step, exactly one counts', async () => {
      const session = await newSession(agent, ['approves', 'denies']);
      const url = `/v1/practice/sessions/${session.id}/conclusion`;
      const answers = await Promise.all([
        call(agent, 'POST', url, { step: 0, conclusion: 'verified' }),
        call(agent, 'POST', url, { step: 0, conclusion: 'not_verified' }),
      ]);
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 409]);
      const after = (await call(agent, 'GET', `/v1/practice/sessions/${session.id}`)).json() as Session;
      assert.equal(after.currentStep, 1);
      assert.equal((await call(agent, 'POST', url, { step: 0, conclusion: 'verified' })).statusCode, 409);
    });
  });
}
