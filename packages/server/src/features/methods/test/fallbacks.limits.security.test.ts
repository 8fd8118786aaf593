/**
 * Every limit of the fallback methods, each tried until it bites, on each database: tries per
 * code, resends that never reset the count, the resend limit, expiry, the hourly failure limit
 * across methods (wrong push codes included), TOTP replay, the SIM-swap window, the security
 * question lockout and the admin unlock, the push lock after denials and fraud reports, and
 * tenant isolation of every new resource.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId, type VerificationPolicy } from '@helpdesk-auth/core';
import type { InjectOptions } from 'fastify';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { codeIn } from '../../../test-support/stand-ins/test-vendors.ts';
import { recordFailedAttempt } from '../../policy/index.ts';
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
const minute = 60_000;
const day = 24 * 60 * minute;

for (const kind of databaseKinds) {
  describe(`fallback limits on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let tenantId: string;
    let clients: Record<'admin' | 'supervisor' | 'agent' | 'auditor', OperatorClient>;
    let other: { id: string; clients: Record<'admin' | 'supervisor' | 'agent' | 'auditor', OperatorClient> };

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      clients = tenant.clients;
      other = await h.tenantWithOperators('globex');
    });
    after(async () => h?.close());

    /** Sessions end after an hour idle: sign everyone in again after moving the clock that far. */
    async function advanceLong(ms: number) {
      h.clock.advance(ms);
      for (const [slug, set] of [
        ['acme', clients],
        ['globex', other.clients],
      ] as const) {
        for (const role of ['admin', 'supervisor', 'agent', 'auditor'] as const) {
          set[role] = await h.signIn({ id: '', slug }, `${role}@${slug}.example`);
        }
      }
    }

    const request = async (
      client: OperatorClient,
      method: InjectOptions['method'],
      url: string,
      payload?: unknown,
    ) => {
      const response = await h.app.inject({
        method,
        url,
        ...client.auth(),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body === '' ? undefined : (response.json() as Json),
      };
    };
    const call = (
      who: keyof typeof clients,
      method: InjectOptions['method'],
      url: string,
      payload?: unknown,
    ) => request(clients[who], method, url, payload);

    let customers = 0;
    const newCustomer = () =>
      h.runtime.services.customers.create(
        tenantId,
        {
          displayName: `Customer ${++customers}`,
          phone: `+4915112345${String(customers).padStart(3, '0')}`,
          email: 'c@example.com',
        },
        system,
      );

    async function lastCode(): Promise<string> {
      const outbox = await call('agent', 'GET', '/v1/dev/outbox?limit=1');
      return codeIn(outbox.body.messages[0].body);
    }
    const otherCode = (code: string) => (code === '000000' ? '000001' : '000000');
    const startSms = (customerId: string, action = 'verify_caller') =>
      call('agent', 'POST', '/v1/otp-challenges', { customerId, channel: 'sms', action });

    async function enrolTotp(customerId: string): Promise<(offsetSteps?: number) => string> {
      const begun = await call('supervisor', 'POST', `/v1/customers/${customerId}/totp`);
      const seed = seedFromBase32(begun.body.secret);
      const codeAt = (offsetSteps = 0) => totpCodeForStep(seed, totpStep(h.clock.now()) + offsetSteps);
      const confirmed = await call('supervisor', 'POST', `/v1/customers/${customerId}/totp/confirm`, {
        enrollmentId: begun.body.enrollmentId,
        code: codeAt(),
      });
      assert.equal(confirmed.status, 200);
      h.clock.advance(30_000);
      return codeAt;
    }

    it('fails a code after 5 wrong tries; the right code then no longer works', async () => {
      const customer = await newCustomer();
      const started = await startSms(customer.id);
      const code = await lastCode();
      for (let left = 4; left >= 0; left--) {
        const wrong = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
          code: otherCode(code),
        });
        assert.equal(wrong.body.error.code, 'WRONG_CODE');
        assert.equal(wrong.body.error.details.attemptsLeft, left);
      }
      const late = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code });
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, 'VERIFICATION_NOT_PENDING');
      assert.equal(
        (await call('agent', 'GET', `/v1/otp-challenges/${started.body.id}`)).body.status,
        'failed',
      );
    });

    it('gives parallel guesses no extra tries, and accepts the right code once when sent twice at once', async () => {
      const customer = await newCustomer();
      const started = await startSms(customer.id);
      const code = await lastCode();
      const guesses = await Promise.all(
        Array.from({ length: 12 }, () =>
          call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code: otherCode(code) }),
        ),
      );
      const wrong = guesses.filter((g) => g.body.error?.code === 'WRONG_CODE').length;
      assert.equal(wrong, 5, guesses.map((g) => g.body.error?.code).join(' '));
      assert.ok(
        guesses.every((g) => ['WRONG_CODE', 'VERIFICATION_NOT_PENDING'].includes(g.body.error?.code)),
      );

      const second = await newCustomer();
      const again = await startSms(second.id);
      const right = await lastCode();
      const both = await Promise.all(
        [1, 2].map(() =>
          call('agent', 'POST', `/v1/otp-challenges/${again.body.id}/verify`, { code: right }),
        ),
      );
      assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
    });

    it('accepts one TOTP code once when it is sent twice at once', async () => {
      const customer = await newCustomer();
      const codeAt = await enrolTotp(customer.id);
      const code = codeAt();
      const both = await Promise.all(
        [1, 2].map(() =>
          call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
            code,
            action: 'verify_caller',
          }),
        ),
      );
      assert.deepEqual(both.map((r) => r.status).sort(), [200, 422]);
      assert.equal(both.find((r) => r.status === 422)!.body.error.code, 'CODE_REPLAYED');
    });

    it('keeps the wrong-try count across resends, waits between sends, and limits resends', async () => {
      const customer = await newCustomer();
      const started = await startSms(customer.id);
      const first = await lastCode();
      for (let i = 0; i < 3; i++) {
        await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
          code: otherCode(first),
        });
      }
      const tooSoon = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/resend`);
      assert.equal(tooSoon.status, 429);
      assert.equal(tooSoon.body.error.code, 'RESEND_LIMITED');
      assert.ok(Number(tooSoon.headers['retry-after']) > 0);

      h.clock.advance(30_000);
      const resent = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/resend`);
      assert.equal(resent.status, 200, JSON.stringify(resent.body));
      assert.equal(resent.body.attemptsLeft, 2, 'a resend does not give more tries');
      assert.equal(resent.body.resendsLeft, 1);
      assert.equal(resent.body.deliveries.length, 2);
      const second = await lastCode();
      if (second !== first) {
        const old = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
          code: first,
        });
        assert.equal(old.body.error.code, 'WRONG_CODE', 'the previous code stops working');
        assert.equal(old.body.error.details.attemptsLeft, 1);
      }
      h.clock.advance(30_000);
      await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/resend`);
      h.clock.advance(30_000);
      const noMore = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/resend`);
      assert.equal(noMore.body.error.code, 'RESEND_LIMITED');
      const third = await lastCode();
      const ok = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code: third });
      assert.equal(ok.body.status, 'verified');
    });

    it('expires a code after its lifetime', async () => {
      const customer = await newCustomer();
      const started = await startSms(customer.id);
      const code = await lastCode();
      h.clock.advance(5 * minute);
      const late = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, { code });
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, 'VERIFICATION_EXPIRED');
      assert.equal(
        (await call('agent', 'GET', `/v1/otp-challenges/${started.body.id}`)).body.status,
        'expired',
      );
    });

    it('caps new codes per customer per hour, so starting over cannot replace the resend limit', async () => {
      const customer = await newCustomer();
      for (let i = 0; i < 5; i++) assert.equal((await startSms(customer.id)).status, 201);
      const sixth = await startSms(customer.id);
      assert.equal(sixth.status, 429);
      assert.equal(sixth.body.error.code, 'RATE_LIMITED');
    });

    it('refuses a TOTP code used once, and an older code after a newer one, and audits the replay', async () => {
      const customer = await newCustomer();
      const codeAt = await enrolTotp(customer.id);
      const verify = (code: string) =>
        call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, { code, action: 'verify_caller' });
      const now = codeAt();
      assert.equal((await verify(now)).status, 200);
      const replay = await verify(now);
      assert.equal(replay.status, 422);
      assert.equal(replay.body.error.code, 'CODE_REPLAYED');
      h.clock.advance(30_000);
      assert.equal((await verify(codeAt())).status, 200);
      const older = await verify(codeAt(-1));
      assert.equal(
        older.body.error.code,
        'CODE_REPLAYED',
        'a code within the drift window but older than the last one',
      );
      const audit = await call('admin', 'GET', '/v1/audit-events?action=totp.replay_refused');
      assert.equal(audit.status, 200);
      assert.equal(
        audit.body.items.filter((e: { target?: { id: string } | null }) => e.target?.id === customer.id)
          .length,
        2,
      );
      const outside = await verify(codeAt(2));
      assert.equal(outside.body.error.code, 'WRONG_CODE', 'two steps ahead is outside the drift window');
    });

    it('stops every method after 100 failures in an hour, wrong push codes included, until the hour has passed', async () => {
      const customer = await newCustomer();
      const codeAt = await enrolTotp(customer.id);
      // Five wrong push codes, as the push flow records them (push-policy.security.test.ts drives
      // the real push flow into this table).
      for (let i = 0; i < 5; i++) {
        await recordFailedAttempt(h.runtime.database.db, {
          tenantId,
          customerId: customer.id,
          method: 'push',
          now: h.clock.now(),
        });
      }
      const wrong = otherCode(codeAt());
      for (let i = 0; i < 95; i++) {
        const r = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
          code: wrong,
          action: 'verify_caller',
        });
        assert.equal(r.body.error.code, 'WRONG_CODE', `failure ${i + 6}`);
      }
      const blocked = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: codeAt(),
        action: 'verify_caller',
      });
      assert.equal(blocked.status, 429);
      assert.equal(
        blocked.body.error.code,
        'TOO_MANY_FAILURES',
        'even the right code is refused at the limit',
      );
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      const sms = await startSms(customer.id);
      assert.equal(sms.body.error.code, 'TOO_MANY_FAILURES', 'across methods');
      const methods = await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      assert.ok(
        methods.body.methods.every((m: MethodJson) =>
          m.reasons.some((r: { code: string }) => r.code === 'FAILURE_LIMIT'),
        ),
      );
      assert.equal(methods.body.recommended, null);

      await advanceLong(60 * minute + 1000);
      const afterHour = await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
        code: codeAt(),
        action: 'verify_caller',
      });
      assert.equal(afterHour.status, 200, JSON.stringify(afterHour.body));
    });

    it('blocks SMS for 7 days after the phone number changed (SIM-swap risk), then allows it', async () => {
      const customer = await newCustomer();
      await h.runtime.services.customers.update(tenantId, customer.id, { phone: '+4917000000001' }, system);
      const blocked = await startSms(customer.id);
      assert.equal(blocked.status, 409);
      assert.equal(blocked.body.error.code, 'METHOD_UNAVAILABLE');
      assert.equal(blocked.body.error.details.reason, 'SIM_SWAP_WINDOW');
      const methods = await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      const sms = methods.body.methods.find((m: MethodJson) => m.method === 'sms_otp');
      assert.equal(sms.reasons[0].code, 'SIM_SWAP_WINDOW');
      assert.equal(Date.parse(sms.reasons[0].until), h.clock.now() + 7 * day);
      await advanceLong(7 * day);
      assert.equal((await startSms(customer.id)).status, 201);
    });

    it('locks security questions after 3 failed checks until an admin unlocks them', async () => {
      const customer = await newCustomer();
      await call('supervisor', 'PUT', `/v1/customers/${customer.id}/security-questions`, {
        questions: [
          { question: 'Name of your first pet?', answer: 'Rex' },
          { question: 'City you were born in?', answer: 'Paris' },
          { question: 'Your first school?', answer: 'Lycee Victor Hugo' },
        ],
      });
      const ids = (
        await call('agent', 'GET', `/v1/customers/${customer.id}/security-questions`)
      ).body.questions.map((q: { id: string }) => q.id);
      const check = (answers: string[]) =>
        call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
          action: 'account_enquiry',
          answers: ids.map((questionId: string, i: number) => ({ questionId, answer: answers[i] })),
        });
      const oneRight = ['rex', 'London', 'nope'];
      for (let left = 2; left >= 0; left--) {
        const failed = await check(oneRight);
        assert.equal(failed.status, 422);
        assert.equal(failed.body.error.code, 'ANSWERS_REJECTED');
        assert.equal(failed.body.error.details.attemptsLeft, left);
      }
      const locked = await check(['Rex', 'Paris', 'Lycée Victor Hugo']);
      assert.equal(locked.status, 409);
      assert.equal(locked.body.error.details.reason, 'QUESTIONS_LOCKED');
      assert.equal(
        (await call('agent', 'DELETE', `/v1/customers/${customer.id}/security-questions/lock`)).status,
        403,
      );
      const locks = await call('supervisor', 'GET', `/v1/customers/${customer.id}/locks`);
      assert.equal(locks.body.securityQuestions.locked, true);
      assert.equal(
        (await call('admin', 'DELETE', `/v1/customers/${customer.id}/security-questions/lock`)).status,
        204,
      );
      const passed = await check(['REX', 'paris', 'wrong']);
      assert.equal(passed.status, 200, JSON.stringify(passed.body));
    });

    it('refuses a wrong number of answers or questions of another customer', async () => {
      const customer = await newCustomer();
      const second = await newCustomer();
      const questions = [
        { question: 'Name of your first pet?', answer: 'Rex' },
        { question: 'City you were born in?', answer: 'Paris' },
        { question: 'Your first school?', answer: 'Hugo' },
      ];
      await call('supervisor', 'PUT', `/v1/customers/${customer.id}/security-questions`, { questions });
      await call('supervisor', 'PUT', `/v1/customers/${second.id}/security-questions`, { questions });
      const mine = (
        await call('agent', 'GET', `/v1/customers/${customer.id}/security-questions`)
      ).body.questions.map((q: { id: string }) => q.id);
      const theirs = (
        await call('agent', 'GET', `/v1/customers/${second.id}/security-questions`)
      ).body.questions.map((q: { id: string }) => q.id);
      const two = await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'account_enquiry',
        answers: mine.slice(0, 2).map((questionId: string) => ({ questionId, answer: 'x' })),
      });
      assert.equal(two.status, 400);
      const mixed = await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'account_enquiry',
        answers: [mine[0], mine[1], theirs[2]].map((questionId: string, i) => ({
          questionId,
          answer: questions[i]!.answer,
        })),
      });
      assert.equal(mixed.status, 400);
      const tooShort = await call('supervisor', 'PUT', `/v1/customers/${customer.id}/security-questions`, {
        questions: [{ question: 'Favourite letter?', answer: '!a!' }],
      });
      assert.equal(tooShort.status, 400);
      assert.doesNotMatch(tooShort.body.error.message, /!a!/);
    });

    it('locks push after a fraud report or repeated denials, until an admin clears it', async () => {
      const customer = await newCustomer();
      const db = h.runtime.database.db;
      const pushState = () => h.runtime.services.fallbacks.methods.pushAvailabilityFor(tenantId, customer.id);
      assert.equal((await pushState()).available, true);

      // What the push flow records when the customer reports fraud.
      await db
        .updateTable('customers')
        .set({ fraud_reported_at: h.clock.now() })
        .where('id', '=', customer.id)
        .execute();
      const fraud = await pushState();
      assert.equal(!fraud.available && fraud.reason.code, 'PUSH_LOCKED_FRAUD');
      const methods = await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      assert.deepEqual(
        methods.body.methods[0].reasons.map((r: { code: string }) => r.code),
        ['NO_DEVICE', 'PUSH_LOCKED_FRAUD'],
      );
      assert.equal((await call('agent', 'DELETE', `/v1/customers/${customer.id}/push-lock`)).status, 403);
      h.clock.advance(1000);
      assert.equal((await call('admin', 'DELETE', `/v1/customers/${customer.id}/push-lock`)).status, 204);
      assert.equal((await pushState()).available, true);

      // Three denied push requests within a day.
      for (let i = 0; i < 3; i++) {
        h.clock.advance(minute);
        await db
          .insertInto('verifications')
          .values({
            id: newId('verification', h.clock.now()),
            tenant_id: tenantId,
            customer_id: customer.id,
            method: 'push',
            purpose: 'authenticate',
            reason: 'test',
            action_summary: null,
            call_reference: null,
            status: 'denied',
            code_hash: 'x',
            code_sealed: null,
            code_length: 2,
            failed_attempts: 0,
            max_attempts: 3,
            started_by_type: 'system',
            started_by_id: null,
            agent_name: 'a',
            request_jws: 'x',
            created_at: h.clock.now(),
            expires_at: h.clock.now() + minute,
            finished_at: h.clock.now(),
            decided_by_device_id: null,
            decision_evidence: null,
            assurance: null,
          } as never)
          .execute();
        const state = await pushState();
        assert.equal(state.available, i < 2, `after ${i + 1} denials`);
      }
      const locks = await call('agent', 'GET', `/v1/customers/${customer.id}/locks`);
      assert.deepEqual(locks.body.push, { locked: true, reason: 'PUSH_LOCKED_DENIALS' });
      h.clock.advance(1000);
      await call('admin', 'DELETE', `/v1/customers/${customer.id}/push-lock`);
      assert.equal((await pushState()).available, true);
      const audit = await call('admin', 'GET', '/v1/audit-events?action=customer.push_lock_cleared');
      assert.equal(
        audit.body.items.filter((e: { target?: { id: string } | null }) => e.target?.id === customer.id)
          .length,
        2,
      );
    });

    it('keeps every fallback resource inside its tenant', async () => {
      const customer = await newCustomer();
      const started = await startSms(customer.id);
      await enrolTotp(customer.id);
      const intruder = other.clients.admin;
      const attempts: [InjectOptions['method'], string, unknown?][] = [
        ['GET', `/v1/otp-challenges/${started.body.id}`],
        ['POST', `/v1/otp-challenges/${started.body.id}/verify`, { code: '123456' }],
        ['POST', `/v1/otp-challenges/${started.body.id}/resend`],
        ['POST', `/v1/otp-challenges/${started.body.id}/cancel`],
        ['GET', `/v1/customers/${customer.id}/methods?action=verify_caller`],
        ['GET', `/v1/customers/${customer.id}/locks`],
        ['DELETE', `/v1/customers/${customer.id}/push-lock`],
        ['GET', `/v1/customers/${customer.id}/totp`],
        ['POST', `/v1/customers/${customer.id}/totp`],
        ['DELETE', `/v1/customers/${customer.id}/totp`],
        ['POST', `/v1/customers/${customer.id}/totp/verify`, { code: '123456', action: 'verify_caller' }],
        ['GET', `/v1/customers/${customer.id}/security-questions`],
        [
          'PUT',
          `/v1/customers/${customer.id}/security-questions`,
          { questions: [{ question: 'Name of your pet?', answer: 'Rex' }] },
        ],
        ['POST', `/v1/otp-challenges`, { customerId: customer.id, channel: 'sms', action: 'verify_caller' }],
      ];
      for (const [method, url, payload] of attempts) {
        const response = await request(intruder, method, url, payload);
        assert.equal(response.status, 404, `${method} ${url}: ${JSON.stringify(response.body)}`);
      }
      assert.equal(
        (await call('agent', 'GET', `/v1/otp-challenges/${started.body.id}`)).body.status,
        'pending',
      );
      assert.equal((await call('agent', 'GET', `/v1/customers/${customer.id}/totp`)).body.enrolled, true);
      const outbox = await request(other.clients.agent, 'GET', '/v1/dev/outbox');
      assert.deepEqual(outbox.body.messages, []);
      // Policies are per tenant.
      const mine = await call('admin', 'GET', '/v1/policy');
      const policy = structuredClone(mine.body.policy) as VerificationPolicy;
      policy.failuresPerHour = 50;
      await call('admin', 'PUT', '/v1/policy', { expectedVersion: mine.body.version, policy });
      assert.equal((await request(intruder, 'GET', '/v1/policy')).body.policy.failuresPerHour, 100);
    });
  });
}
