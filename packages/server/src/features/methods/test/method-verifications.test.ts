/**
 * Every method's outcome is a verification, on each database: an SMS code the caller reads out,
 * one the caller gets wrong until no tries are left, a wrong authenticator-app code and wrong
 * security answers each appear in the verification list (filtered by method), read by id with
 * their timeline, and reach a real webhook receiver on 127.0.0.1 as signed `verification.*`
 * events with the method and assurance. Another tenant can read none of it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Actor } from '../../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { codeIn } from '../../../test-support/stand-ins/test-vendors.ts';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test-support/stand-ins/webhook-receiver.ts';
import { seedFromBase32, totpCodeForStep, totpStep } from '../totp-codes.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;
type Role = 'admin' | 'supervisor' | 'agent' | 'auditor';

const system: Actor = { type: 'system', id: null };

for (const kind of databaseKinds) {
  describe(`every method is a verification on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let receiver: WebhookReceiver;
    let tenantId: string;
    let clients: Record<Role, OperatorClient>;
    let others: Record<Role, OperatorClient>;

    before(async () => {
      h = await startTestHarness(kind, { webhookAllowLoopback: true });
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      clients = tenant.clients;
      others = (await h.tenantWithOperators('other')).clients;
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver?.close();
      await h?.close();
    });
    beforeEach(async () => {
      for (const endpoint of await h.runtime.services.webhooks.list(tenantId)) {
        await h.runtime.services.webhooks.remove(tenantId, endpoint.id, system);
      }
      receiver.received.length = 0;
    });

    const as = async (
      who: OperatorClient,
      method: InjectOptions['method'],
      url: string,
      payload?: unknown,
    ) => {
      const response = await h.app.inject({
        method,
        url,
        ...who.auth(),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : (response.json() as Json),
      };
    };
    const call = (who: Role, method: InjectOptions['method'], url: string, payload?: unknown) =>
      as(clients[who], method, url, payload);

    const newCustomer = (displayName: string) =>
      h.runtime.services.customers.create(
        tenantId,
        { displayName, phone: '+4915112345678', email: 'c@example.com' },
        system,
      );

    async function latestOutboxCode(): Promise<string> {
      const outbox = await call('agent', 'GET', '/v1/dev/outbox?limit=1');
      assert.equal(outbox.status, 200);
      return codeIn(outbox.body.messages[0].body as string);
    }

    async function subscribe(events: string[]): Promise<void> {
      const created = await call('admin', 'POST', '/v1/webhooks', { url: receiver.url, events });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      receiver.secrets = [created.body.secret];
    }

    it('records an SMS code the caller read out as an approved sms_otp verification, listed, read and sent as a signed webhook', async () => {
      await subscribe(['verification.approved', 'verification.failed']);
      const customer = await newCustomer('Sam Sms');
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.verificationId, null, 'a pending code is no verification yet');
      const checked = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
        code: await latestOutboxCode(),
      });
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      const id = checked.body.verificationId as string;
      assert.match(id, /^ver_/);

      const listed = await call('agent', 'GET', `/v1/verifications?method=sms_otp&customerId=${customer.id}`);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.items.map((v: Json) => [v.id, v.method, v.status, v.assurance, v.action]),
        [[id, 'sms_otp', 'approved', 'moderate', 'verify_caller']],
      );
      assert.equal(listed.body.items[0].code, null);
      assert.equal(listed.body.items[0].startedBy.name, 'agent of acme');
      const pushOnly = await call('agent', 'GET', `/v1/verifications?method=push&customerId=${customer.id}`);
      assert.deepEqual(pushOnly.body.items, []);
      const all = await call('agent', 'GET', `/v1/verifications?customerId=${customer.id}`);
      assert.deepEqual(
        all.body.items.map((v: Json) => v.id),
        [id],
      );

      const read = await call('auditor', 'GET', `/v1/verifications/${id}`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.method, 'sms_otp');
      assert.equal(read.body.status, 'approved');
      assert.equal(read.body.delivery, 'sent');
      assert.deepEqual(
        read.body.timeline.map((e: Json) => [e.type, e.channel]),
        [
          ['started', null],
          ['sent', 'sms'],
          ['approved', null],
        ],
      );

      await h.runtime.services.webhooks.runOnce();
      const approved = receiver.received.filter((r) => r.event.data.verificationId === id);
      assert.equal(approved.length, 1);
      assert.equal(approved[0]!.event.type, 'verification.approved');
      assert.equal(approved[0]!.validSignatures, 1, 'signed with the endpoint secret');
      assert.deepEqual(approved[0]!.event.data, {
        verificationId: id,
        status: 'approved',
        customerId: customer.id,
        method: 'sms_otp',
        action: 'verify_caller',
        assurance: 'moderate',
      });
      assert.doesNotMatch(approved[0]!.body, /\b\d{6}\b/, 'no code in the payload');
    });

    it('records an SMS code that ran out of tries as a failed verification, without assurance', async () => {
      await subscribe(['verification.failed']);
      const customer = await newCustomer('Wendy Wrong');
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      const right = await latestOutboxCode();
      const wrong = right === '000000' ? '111111' : '000000';
      let last: { status: number; body: Json } | undefined;
      for (let i = 0; i < started.body.maxAttempts; i++) {
        last = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code: wrong });
        assert.equal(last.body.error.code, 'WRONG_CODE');
      }
      assert.equal(last!.body.error.details.attemptsLeft, 0);
      const challenge = await call('agent', 'GET', `/v1/otp-challenges/${started.body.id}`);
      assert.equal(challenge.body.status, 'failed');
      const id = challenge.body.verificationId as string;
      const read = await call('agent', 'GET', `/v1/verifications/${id}`);
      assert.equal(read.body.status, 'failed');
      assert.equal(read.body.method, 'sms_otp');
      assert.equal(read.body.assurance, null);
      assert.equal(read.body.failedAttempts, started.body.maxAttempts);
      const failedList = await call('agent', 'GET', `/v1/verifications?method=sms_otp&status=failed`);
      assert.ok(failedList.body.items.some((v: Json) => v.id === id));

      await h.runtime.services.webhooks.runOnce();
      const events = receiver.received.filter((r) => r.event.data.verificationId === id);
      assert.deepEqual(
        events.map((r) => [r.event.type, r.event.data.method, r.event.data.assurance, r.validSignatures]),
        [['verification.failed', 'sms_otp', undefined, 1]],
      );
    });

    it('records each authenticator-app and security-question check, the wrong ones as failed', async () => {
      const customer = await newCustomer('Tia Totp');
      const begun = await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp`);
      const seed = seedFromBase32(begun.body.secret);
      const codeAt = (ms: number) => totpCodeForStep(seed, totpStep(ms));
      const confirmed = await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp/confirm`, {
        enrollmentId: begun.body.enrollmentId,
        code: codeAt(h.clock.now()),
      });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      h.clock.advance(90_000);
      const now = codeAt(h.clock.now());
      const wrongCode = now === '123456' ? '654321' : '123456';
      const wrong = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: wrongCode,
        action: 'verify_caller',
      });
      assert.equal(wrong.body.error.code, 'WRONG_CODE');
      const failedId = wrong.body.error.details.verificationId as string;
      const passed = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: now,
        action: 'verify_caller',
      });
      assert.equal(passed.status, 200, JSON.stringify(passed.body));

      await call('supervisor', 'PUT', `/v1/customers/${customer.id}/security-questions`, {
        questions: [
          { question: 'Name of your first pet?', answer: 'Fluffy' },
          { question: 'City you were born in?', answer: 'New York' },
          { question: 'Your first school?', answer: 'Hill' },
        ],
      });
      const questions = await call('agent', 'GET', `/v1/customers/${customer.id}/security-questions`);
      const rejected = await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'account_enquiry',
        answers: questions.body.questions.map((q: { id: string }) => ({ questionId: q.id, answer: 'nope' })),
      });
      assert.equal(rejected.body.error.code, 'ANSWERS_REJECTED');

      const listed = await call('agent', 'GET', `/v1/verifications?customerId=${customer.id}`);
      assert.deepEqual(
        listed.body.items.map((v: Json) => [v.id, v.method, v.status, v.assurance]),
        [
          [rejected.body.error.details.verificationId, 'security_questions', 'failed', null],
          [passed.body.verificationId, 'totp', 'approved', 'substantial'],
          [failedId, 'totp', 'failed', null],
        ],
      );
      const totpOnly = await call('agent', 'GET', `/v1/verifications?customerId=${customer.id}&method=totp`);
      assert.equal(totpOnly.body.items.length, 2);
    });

    it('never lets another tenant read, cancel or list a method verification', async () => {
      const customer = await newCustomer('Xena Cross');
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      const checked = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
        code: await latestOutboxCode(),
      });
      const id = checked.body.verificationId as string;
      const read = await as(others.admin, 'GET', `/v1/verifications/${id}`);
      assert.equal(read.status, 404);
      const cancelled = await as(others.admin, 'POST', `/v1/verifications/${id}/cancel`);
      assert.equal(cancelled.status, 404);
      const listed = await as(others.admin, 'GET', '/v1/verifications?method=sms_otp');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.items, []);
      const unknown = await call('agent', 'GET', '/v1/verifications?method=carrier_pigeon');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, 'VALIDATION_FAILED');
      // Its own tenant cannot cancel it either: it is final.
      const own = await call('agent', 'POST', `/v1/verifications/${id}/cancel`);
      assert.equal(own.body.error.code, 'VERIFICATION_NOT_PENDING');
    });

    it('records one verification when the right code is checked several times at once', async () => {
      const customer = await newCustomer('Paula Parallel');
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      const code = await latestOutboxCode();
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code }),
        ),
      );
      assert.equal(answers.filter((a) => a.status === 200).length, 1);
      const listed = await call('agent', 'GET', `/v1/verifications?customerId=${customer.id}`);
      assert.deepEqual(
        listed.body.items.map((v: Json) => [v.method, v.status]),
        [['sms_otp', 'approved']],
      );
    });
  });
}
