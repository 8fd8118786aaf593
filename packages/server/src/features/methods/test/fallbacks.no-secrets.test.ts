/**
 * No code, answer or seed ever appears in a log line, an API response, the audit log or the
 * database in the clear. A whole run of every fallback method, right and wrong, goes through a
 * server whose SMS provider is a local Twilio (so the test learns each code the way a phone
 * would), and every log line, response body and audit entry is scanned for the secrets. The
 * only exceptions the API makes: the TOTP seed, once, in the enrollment response, and a device's
 * offline-code secret, once, to that device in its enrollment answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normaliseAnswer } from '@helpdesk-auth/core';
import type { InjectOptions } from 'fastify';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import {
  codeIn,
  startTestTwilio,
  twilioTestAccount,
  type VendorServer,
} from '../../../test-support/stand-ins/test-vendors.ts';
import { enrollTestDevice } from '../../../test-support/test-device.ts';
import { seedFromBase32, totpCodeForStep, totpStep } from '../totp-codes.ts';

/** A JSON answer, read loosely: the assertions check each field they rely on. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const system = { type: 'system', id: null } as const;

for (const kind of databaseKinds) {
  describe(`no secrets leak from the fallback methods on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let twilio: VendorServer;
    let tenantId: string;
    let clients: Record<'admin' | 'supervisor' | 'agent' | 'auditor', OperatorClient>;
    const responses: string[] = [];
    const secrets = new Set<string>();
    let enrollmentResponse = '';

    before(async () => {
      twilio = await startTestTwilio();
      h = await startTestHarness(kind, {
        smsProvider: 'twilio',
        twilioAccountSid: twilioTestAccount.accountSid,
        twilioAuthToken: twilioTestAccount.authToken,
        twilioFrom: twilioTestAccount.from,
        twilioApiUrl: twilio.url,
        logLevel: 'trace',
      });
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      clients = tenant.clients;
    });
    after(async () => {
      await h?.close();
      await twilio?.close();
    });

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
      responses.push(`${method} ${url} ${JSON.stringify(response.headers)} ${response.body}`);
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : (response.json() as Json),
        raw: response.body,
      };
    };

    it('runs every method, right and wrong, through a local Twilio that checks the real request', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Secretive Sue', phone: '+4915112345678', email: 's@example.com' },
        system,
      );
      // SMS: start, a wrong try, a resend, the right code.
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId: customer.id,
        channel: 'sms',
        action: 'verify_caller',
      });
      assert.equal(started.status, 201, started.raw);
      assert.equal(started.body.deliveries[0].provider, 'twilio');
      assert.equal(started.body.deliveries[0].status, 'queued');
      const first = codeIn(twilio.received.at(-1)!.text);
      assert.equal(twilio.received.at(-1)!.to, '+4915112345678');
      secrets.add(first);
      await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
        code: first === '999999' ? '999998' : '999999',
      });
      h.clock.advance(30_000);
      const resent = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/resend`);
      assert.equal(resent.status, 200, resent.raw);
      const second = codeIn(twilio.received.at(-1)!.text);
      secrets.add(second);
      const verified = await call('agent', 'POST', `/v1/otp-challenges/${started.body.id}/verify`, {
        code: second,
      });
      assert.equal(verified.body.status, 'verified');

      // TOTP: enrol (the one response allowed to carry the seed), confirm, verify, replay, wrong.
      const begun = await h.app.inject({
        method: 'POST',
        url: `/v1/customers/${customer.id}/totp`,
        ...clients.supervisor.auth(),
      });
      enrollmentResponse = begun.body;
      const secret = begun.json().secret as string;
      secrets.add(secret);
      const seed = seedFromBase32(secret);
      const code = () => totpCodeForStep(seed, totpStep(h.clock.now()));
      await call('supervisor', 'POST', `/v1/customers/${customer.id}/totp/confirm`, {
        enrollmentId: begun.json().enrollmentId,
        code: code(),
      });
      h.clock.advance(30_000);
      const totpCode = code();
      assert.equal(
        (
          await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
            code: totpCode,
            action: 'verify_caller',
          })
        ).status,
        200,
      );
      assert.equal(
        (
          await call('agent', 'POST', `/v1/customers/${customer.id}/totp/verify`, {
            code: totpCode,
            action: 'verify_caller',
          })
        ).status,
        422,
      );

      // App codes: a device enrolls (its answer, to the device only, carries the secret), then the
      // agent checks its code, the same code again, and a wrong one.
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      const device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      secrets.add(device.offlineSecret);
      const appSeed = seedFromBase32(device.offlineSecret);
      h.clock.advance(30_000);
      const appCode = totpCodeForStep(appSeed, totpStep(h.clock.now()));
      secrets.add(appCode);
      const appVerify = (c: string) =>
        call('agent', 'POST', `/v1/customers/${customer.id}/app-code/verify`, {
          code: c,
          action: 'verify_caller',
        });
      assert.equal((await appVerify(appCode)).status, 200);
      assert.equal((await appVerify(appCode)).status, 422);
      const wrongApp = appCode === '123123' ? '321321' : '123123';
      assert.equal((await appVerify(wrongApp)).body.error.code, 'WRONG_CODE');
      await call('admin', 'GET', `/v1/devices/${device.id}`);
      await call('admin', 'GET', `/v1/customers/${customer.id}/devices`);

      // Security questions: set, a failed check, a passed one.
      const answers = ['Marmaduke the Third', 'Kathmandu Valley', 'Quintessential Academy'];
      for (const a of answers) secrets.add(a).add(normaliseAnswer(a));
      await call('supervisor', 'PUT', `/v1/customers/${customer.id}/security-questions`, {
        questions: answers.map((answer, i) => ({ question: `Question number ${i + 1}?`, answer })),
      });
      const ids = (
        await call('agent', 'GET', `/v1/customers/${customer.id}/security-questions`)
      ).body.questions.map((q: { id: string }) => q.id);
      const wrongAnswers = ['Wrongful Guessington', 'Nowhere Particular', 'Unknown Institute'];
      for (const a of wrongAnswers) secrets.add(a).add(normaliseAnswer(a));
      await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'account_enquiry',
        answers: ids.map((questionId: string, i: number) => ({ questionId, answer: wrongAnswers[i] })),
      });
      const passed = await call('agent', 'POST', `/v1/customers/${customer.id}/security-questions/check`, {
        action: 'account_enquiry',
        answers: ids.map((questionId: string, i: number) => ({ questionId, answer: answers[i] })),
      });
      assert.equal(passed.status, 200, passed.raw);
      await call('admin', 'GET', `/v1/audit-events?limit=200`);
      await call('agent', 'GET', `/v1/customers/${customer.id}/methods?action=verify_caller`);
      await call('agent', 'GET', `/v1/otp-challenges/${started.body.id}`);
    });

    it('finds none of the codes, answers or seeds in logs, responses, audit entries or stored rows', async () => {
      assert.ok(secrets.size >= 10);
      assert.ok(h.logLines.length > 20, 'the logs were captured');
      const audit: string[] = [];
      for (const row of await h.runtime.database.db
        .selectFrom('audit_events')
        .select('data')
        .where('tenant_id', '=', tenantId)
        .execute()) {
        audit.push(row.data);
      }
      const stored = JSON.stringify([
        await h.runtime.database.db.selectFrom('otp_challenges').selectAll().execute(),
        await h.runtime.database.db.selectFrom('totp_enrollments').selectAll().execute(),
        await h.runtime.database.db.selectFrom('device_offline_secrets').selectAll().execute(),
        await h.runtime.database.db.selectFrom('security_questions').selectAll().execute(),
        await h.runtime.database.db.selectFrom('message_deliveries').selectAll().execute(),
      ]);
      const places: [string, string[]][] = [
        ['log line', h.logLines],
        ['API response', responses],
        ['audit entry', audit],
        ['stored row', [stored]],
      ];
      // Codes are six digits: look for them standing alone, so a timing figure or an id that
      // happens to contain the same digits is not mistaken for a leak.
      const matcher = (secret: string) =>
        /^\d+$/.test(secret)
          ? new RegExp(`(?<![0-9])${secret}(?![0-9])`)
          : { test: (t: string) => t.includes(secret) };
      const withoutTimings = (text: string) => text.replace(/"responseTime":[0-9.e-]+/g, '');
      for (const secret of secrets) {
        const pattern = matcher(secret);
        for (const [place, texts] of places) {
          const hit = texts.map(withoutTimings).find((text) => pattern.test(text));
          assert.equal(hit, undefined, `a secret appears in a ${place}: ${hit?.slice(0, 200)}`);
        }
      }
      assert.ok(
        enrollmentResponse.includes(JSON.parse(enrollmentResponse).secret),
        'the seed is shown once, at enrollment',
      );
    });
  });
}
