/**
 * Each fallback method end to end over HTTP, on each database: the agent asks which methods the
 * policy allows for a caller, sends an SMS or e-mail code (through the development outbox, which
 * the demo console reads back), checks an authenticator-app code after the customer set the app
 * up, and checks security answers; the admin edits the policy and the methods list follows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultVerificationPolicy, type VerificationPolicy } from '@helpdesk-auth/core';
import type { AuditEntry } from '@helpdesk-auth/core/audit-chain';
import { verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import type { InjectOptions } from 'fastify';
import { readAuditChain } from '../../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { codeIn } from '../../../test-support/stand-ins/test-vendors.ts';
import { seedFromBase32, totpCodeForStep, totpStep } from '../totp-codes.ts';

/** A JSON answer, read loosely: the assertions check each field they rely on. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;
interface MethodJson {
  method: string;
  available: boolean;
  reasons: { code: string; until: string | null }[];
}

const system = { type: 'system', id: null } as const;

for (const kind of databaseKinds) {
  describe(`fallback methods end to end on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let clients: Record<'admin' | 'supervisor' | 'agent' | 'auditor', OperatorClient>;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      clients = tenant.clients;
    });
    after(async () => h?.close());

    const call = async (
      who: keyof typeof clients,
      method: InjectOptions['method'],
      url: string,
      payload?: unknown,
    ) => {
      const response = await h.app.inject({
        method,
        url,
        ...clients[who].auth(),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : (response.json() as Json),
      };
    };

    const newCustomer = (displayName: string, extra: { phone?: string; email?: string } = {}) =>
      h.runtime.services.customers.create(
        tenantId,
        { displayName, phone: '+4915112345678', email: 'c@example.com', ...extra },
        system,
      );

    async function latestOutboxCode(): Promise<{ code: string; body: string }> {
      const outbox = await call('agent', 'GET', '/v1/dev/outbox?limit=1');
      assert.equal(outbox.status, 200);
      const body = outbox.body.messages[0].body as string;
      return { code: codeIn(body), body };
    }

    const dryRunProblems = (response: { body: Json }) => (response.body.problems as string[]).join(' ');

    async function savePolicy(change: (p: VerificationPolicy) => void) {
      const current = await call('admin', 'GET', '/v1/policy');
      const policy = current.body.policy as VerificationPolicy;
      change(policy);
      const saved = await call('admin', 'PUT', '/v1/policy', {
        expectedVersion: current.body.version,
        policy,
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      return saved.body;
    }

    it('offers SMS when the caller has no app, sends the code, and verifies what the caller reads out', async () => {
      const customer = await newCustomer('Sam Smith');
      const methods = await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      assert.equal(methods.status, 200);
      assert.equal(methods.body.recommended, 'sms_otp');
      const byMethod = Object.fromEntries(methods.body.methods.map((m: MethodJson) => [m.method, m]));
      assert.deepEqual(
        byMethod.push.reasons.map((r: { code: string }) => r.code),
        ['NO_DEVICE'],
      );
      assert.deepEqual(
        byMethod.totp.reasons.map((r: { code: string }) => r.code),
        ['NOT_ENROLLED'],
      );
      assert.equal(byMethod.sms_otp.available, true);

      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.status, 'pending');
      assert.equal(started.body.destination, '+49 ••• •• 78');
      assert.equal(started.body.attemptsLeft, 5);
      assert.equal(started.body.resendsLeft, 2);
      assert.deepEqual(
        started.body.deliveries.map((d: { provider: string; status: string }) => [d.provider, d.status]),
        [['outbox', 'delivered']],
      );
      assert.equal(Date.parse(started.body.expiresAt) - Date.parse(started.body.createdAt), 300_000);

      const { code, body } = await latestOutboxCode();
      assert.match(body, /Read it to the agent/);
      assert.doesNotMatch(JSON.stringify(started.body), new RegExp(code));

      const wrong = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
        code: code === '000000' ? '111111' : '000000',
      });
      assert.equal(wrong.status, 422);
      assert.equal(wrong.body.error.code, 'WRONG_CODE');
      assert.equal(wrong.body.error.details.attemptsLeft, 4);

      const right = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code });
      assert.equal(right.status, 200);
      assert.equal(right.body.status, 'verified');
      assert.equal(right.body.assurance, 'moderate');

      const again = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'VERIFICATION_NOT_PENDING');
    });

    it('lets the customer type the code into the link the SMS carries, when the policy says so', async () => {
      await savePolicy((p) => {
        p.sms.delivery = 'customer_link';
      });
      const customer = await newCustomer('Lina Link');
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      assert.equal(started.status, 201);
      assert.equal(started.body.delivery, 'customer_link');
      const { code, body } = await latestOutboxCode();
      const token = /#([A-Za-z0-9_-]{43})\b/.exec(body)?.[1];
      assert.ok(token, body);
      assert.ok(body.includes(`${h.config.publicUrl}/verify-code#`));

      const lookup = await h.app.inject({
        method: 'POST',
        url: '/v1/otp-link/lookup',
        headers: { 'code-link-token': token },
      });
      assert.equal(lookup.statusCode, 200);
      assert.equal(lookup.json().status, 'pending');
      assert.equal(lookup.json().tenantName, 'Tenant acme');

      const forged = await h.app.inject({
        method: 'POST',
        url: '/v1/otp-link/verify',
        headers: { 'code-link-token': 'A'.repeat(43) },
        payload: { code },
      });
      assert.equal(forged.statusCode, 401);
      const missing = await h.app.inject({ method: 'POST', url: '/v1/otp-link/verify', payload: { code } });
      assert.equal(missing.statusCode, 401);
      const verified = await h.app.inject({
        method: 'POST',
        url: '/v1/otp-link/verify',
        headers: { 'code-link-token': token },
        payload: { code },
      });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().status, 'verified');
      const seen = await call('agent', 'GET', `/v1/otp-challenges/${started.body.id}`);
      assert.equal(seen.body.status, 'verified');
      await savePolicy((p) => {
        p.sms.delivery = 'read_to_agent';
      });
    });

    it('sends an e-mail code only once the policy enables e-mail, and only for low-assurance actions', async () => {
      const customer = await newCustomer('Eve Mail');
      const off = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'email',
        action: 'account_enquiry',
      });
      assert.equal(off.status, 409);
      assert.equal(off.body.error.code, 'METHOD_UNAVAILABLE');
      assert.equal(off.body.error.details.reason, 'METHOD_DISABLED');

      await savePolicy((p) => {
        p.methods.find((m) => m.method === 'email_otp')!.enabled = true;
      });
      const tooWeak = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'email',
        action: 'verify_caller',
      });
      assert.equal(tooWeak.body.error.details.reason, 'ASSURANCE_TOO_LOW');

      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'email',
        action: 'account_enquiry',
      });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.destination, 'c•••@example.com');
      const { code } = await latestOutboxCode();
      const right = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code });
      assert.equal(right.body.status, 'verified');
      assert.equal(right.body.assurance, 'low');
    });

    it('sets up an authenticator app with the seed shown once, then checks a code the caller reads', async () => {
      const customer = await newCustomer('Tom Totp');
      const agentTries = await call('agent', 'POST', `/v1/customers/${customer.id}/totp`);
      assert.equal(agentTries.status, 403, 'agents do not enrol authenticator apps');

      const begun = await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp`);
      assert.equal(begun.status, 201);
      assert.match(begun.body.otpauthUri, /^otpauth:\/\/totp\//);
      assert.equal(new URL(begun.body.otpauthUri).searchParams.get('secret'), begun.body.secret);
      const seed = seedFromBase32(begun.body.secret);
      const codeAt = (ms: number) => totpCodeForStep(seed, totpStep(ms));

      const confirmed = await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp/confirm`, {
        enrollmentId: begun.body.enrollmentId,
        code: codeAt(h.clock.now()),
      });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal((await call('agent', 'GET', `/v1/customers/${customer.id}/totp`)).body.enrolled, true);
      const again = await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp`);
      assert.equal(again.body.error.code, 'TOTP_ALREADY_ENROLLED');

      const methods = await call(
        'agent',
        'GET',
        `/v1/customers/${customer.id}/methods?action=reset_credentials`,
      );
      assert.equal(methods.body.recommended, 'totp');

      h.clock.advance(30_000);
      const verified = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: codeAt(h.clock.now()),
        action: 'reset_credentials',
      });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.match(verified.body.verificationId, /^ver_/);
      assert.deepEqual(
        { ...verified.body, verifiedAt: undefined, verificationId: undefined },
        {
          method: 'totp',
          action: 'reset_credentials',
          result: 'passed',
          assurance: 'substantial',
          verifiedAt: undefined,
          verificationId: undefined,
        },
      );

      const removed = await call('supervisor', 'DELETE', `/v1/customers/${customer.id}/totp`);
      assert.equal(removed.status, 204);
      assert.equal((await call('agent', 'GET', `/v1/customers/${customer.id}/totp`)).body.enrolled, false);
    });

    it('checks security answers k of n, shows the agent questions only, and keeps them from high-risk actions', async () => {
      const customer = await newCustomer('Quinn Questions');
      const set = await call('supervisor', 'PUT', `/v1/customers/${customer.id}/security-questions`, {
        questions: [
          { question: 'Name of your first pet?', answer: 'Fluffy' },
          { question: 'City you were born in?', answer: 'New York' },
          { question: 'Your first school?', answer: "St. Mary's" },
        ],
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const listed = await call('agent', 'GET', `/v1/customers/${customer.id}/security-questions`);
      assert.equal(listed.body.ask, 3);
      assert.equal(listed.body.required, 2);
      assert.doesNotMatch(JSON.stringify(listed.body), /fluffy|new york|mary/i);
      const [pet, city, school] = listed.body.questions.map((q: { id: string }) => q.id);

      const passed = await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'account_enquiry',
        answers: [
          { questionId: pet, answer: '  FLUFFY ' },
          { questionId: city, answer: 'new-york' },
          { questionId: school, answer: 'wrong' },
        ],
      });
      assert.equal(passed.status, 200, JSON.stringify(passed.body));
      assert.equal(passed.body.assurance, 'low');

      await savePolicy((p) => {
        p.actions.block_card = { requiredAssurance: 'low', highRisk: true };
      });
      const highRisk = await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'block_card',
        answers: [
          { questionId: pet, answer: 'Fluffy' },
          { questionId: city, answer: 'New York' },
          { questionId: school, answer: "St Mary's" },
        ],
      });
      assert.equal(highRisk.status, 409);
      assert.equal(highRisk.body.error.details.reason, 'HIGH_RISK_ACTION');
    });

    it('tells the customer in their language after a helpdesk verification and a fraud report, when the policy says so', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Nina Notify', phone: '+41446681899', locale: 'de-CH' },
        system,
      );
      const codeAt = async () => {
        const begun = await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp`);
        const seed = seedFromBase32(begun.body.secret);
        const code = () => totpCodeForStep(seed, totpStep(h.clock.now()));
        await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp/confirm`, {
          enrollmentId: begun.body.enrollmentId,
          code: code(),
        });
        return code;
      };
      const code = await codeAt();
      const outboxSize = async () =>
        (await call('agent', 'GET', '/v1/dev/outbox?limit=100')).body.messages.length;
      const before = await outboxSize();
      h.clock.advance(30_000);
      await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: code(),
        action: 'verify_caller',
      });
      assert.equal(await outboxSize(), before, 'off by default after a verification');

      await savePolicy((p) => {
        p.notifications.afterVerification = true;
      });
      h.clock.advance(30_000);
      const verified = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: code(),
        action: 'verify_caller',
      });
      assert.equal(verified.status, 200);
      const [message] = (await call('agent', 'GET', '/v1/dev/outbox?limit=1')).body.messages;
      assert.equal(message.recipient, '+41446681899');
      assert.match(message.body, /^Tenant acme: Unser Kundendienst hat Sie um .* UTC verifiziert\./);

      const outcome = await h.runtime.services.fallbacks.notifier.notify(
        tenantId,
        customer.id,
        'fraud_reported',
      );
      assert.equal(outcome, 'sent');
      const [fraud] = (await call('agent', 'GET', '/v1/dev/outbox?limit=1')).body.messages;
      assert.match(fraud.body, /nicht von Ihnen kam/);
      const audit = await call(
        'admin',
        'GET',
        `/v1/audit-events?action=customer.notified&targetId=${customer.id}`,
      );
      assert.equal(audit.body.items.length, 2);
      await savePolicy((p) => {
        p.notifications.afterVerification = false;
      });
    });

    it('lets an admin save policy versions, refuses contradictions and stale edits, and the agent list follows', async () => {
      const customer = await newCustomer('Paula Policy');
      const before = await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      assert.equal(before.body.recommended, 'sms_otp');
      assert.equal(
        (await call('agent', 'GET', '/v1/policy')).status,
        403,
        'agents see the policy through the methods list',
      );

      const current = await call('admin', 'GET', '/v1/policy');
      const contradictory = structuredClone(current.body.policy);
      contradictory.securityQuestions.required = 5;
      const refused = await call('admin', 'PUT', '/v1/policy', {
        expectedVersion: current.body.version,
        policy: contradictory,
      });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'POLICY_INVALID');
      assert.match(refused.body.error.message, /required \(5\) cannot be more than securityQuestions\.ask/);
      assert.match(
        dryRunProblems(await call('supervisor', 'POST', '/v1/policy/validate', { policy: contradictory })),
        /required \(5\)/,
      );

      const dryRun = await call('supervisor', 'POST', '/v1/policy/validate', { policy: contradictory });
      assert.equal(dryRun.body.valid, false);
      assert.equal(
        (await call('supervisor', 'POST', '/v1/policy/validate', { policy: defaultVerificationPolicy })).body
          .valid,
        true,
      );

      const saved = await savePolicy((p) => {
        p.methods = [
          p.methods.find((m) => m.method === 'security_questions')!,
          ...p.methods.filter((m) => m.method !== 'security_questions'),
        ];
        p.actions.verify_caller!.requiredAssurance = 'low';
        p.methods.find((m) => m.method === 'sms_otp')!.enabled = false;
      });
      const stale = await call('admin', 'PUT', '/v1/policy', {
        expectedVersion: current.body.version,
        policy: current.body.policy,
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.error.code, 'POLICY_VERSION_CONFLICT');
      assert.equal(
        (
          await call('supervisor', 'PUT', '/v1/policy', {
            expectedVersion: saved.version,
            policy: saved.policy,
          })
        ).status,
        403,
      );

      const after = await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      assert.equal(after.body.methods[0].method, 'security_questions');
      assert.deepEqual(
        after.body.methods[0].reasons.map((r: { code: string }) => r.code),
        ['NO_SECURITY_QUESTIONS'],
      );
      assert.deepEqual(
        after.body.methods
          .find((m: MethodJson) => m.method === 'sms_otp')
          .reasons.map((r: { code: string }) => r.code),
        ['METHOD_DISABLED'],
      );
      const refusedSms = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      assert.equal(refusedSms.body.error.details.reason, 'METHOD_DISABLED');

      const versions = await call('auditor', 'GET', '/v1/policy/versions');
      assert.equal(versions.body.versions[0].version, saved.version);
      const old = await call('auditor', 'GET', `/v1/policy?version=${saved.version - 1}`);
      assert.equal(old.status, 200);
      assert.equal((await call('auditor', 'GET', '/v1/policy?version=999')).status, 404);
      const unknownAction = await call(
        'agent',
        'GET',
        `/v1/customers/${customer.id}/methods?action=launch_rockets`,
      );
      assert.equal(unknownAction.status, 400);

      const chain: AuditEntry[] = [];
      for await (const entry of readAuditChain(h.runtime.database.db, tenantId)) chain.push(entry);
      assert.equal(verifyAuditChain(tenantId, chain).ok, true);
      const policyEntry = chain.filter((e) => e.action === 'policy.updated').at(-1)!;
      assert.deepEqual(JSON.parse(policyEntry.data).changed.sort(), [
        'actions.verify_caller.requiredAssurance',
        'methods',
      ]);
      await savePolicy((p) => Object.assign(p, structuredClone(defaultVerificationPolicy)));
    });
  });
}
