/**
 * No secret the server handles reaches a log line, even at the most verbose level. Whole flows
 * run over real HTTP on a server logging at `trace`: a password sign-in, an API key created and
 * used, an activation and a device enrolled with the SDK, a push verification fetched and
 * approved with its code, an SMS code sent through a local Vonage and entered, Vonage delivery
 * receipts at their secret URL (GET and POST), and a webhook endpoint registered. Every log line
 * is then searched for every secret: the password, the API key, the session cookie, the CSRF
 * token, the activation code, the verification code, the SMS code, the webhook secret, the
 * Vonage receipt token and the Vonage API secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { vonageReceiptPath } from '../features/methods/provider-callbacks.ts';
import { databaseKinds, startTestHarness, type TestHarness, testPassword } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import {
  codeIn,
  startTestVonage,
  type VendorServer,
  vonageTestAccount,
} from '../test-support/stand-ins/test-vendors.ts';
import { cliActor } from './audit-log.ts';

for (const kind of databaseKinds) {
  describe(`no secret in the logs of whole flows on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let vonage: VendorServer;
    const secrets = new Map<string, string>();
    const keep = (name: string, value: string) => {
      assert.ok(value.length >= 2, name);
      secrets.set(name, value);
    };

    before(async () => {
      vonage = await startTestVonage();
      h = await startTestHarness(
        kind,
        {
          logLevel: 'trace',
          smsProvider: 'vonage',
          vonageApiKey: vonageTestAccount.apiKey,
          vonageApiSecret: vonageTestAccount.apiSecret,
          vonageFrom: vonageTestAccount.from,
          vonageApiUrl: vonage.url,
        },
        { listen: true, realClock: true },
      );
    });
    after(async () => {
      await h?.close();
      await vonage?.close();
    });

    it('runs sign-in, API keys, enrollment, a push verification, an SMS code and provider callbacks', async () => {
      const tenant = await h.createTenant('quiet');
      const admin = await h.createOperator(tenant, 'admin', 'admin@quiet.example');
      keep('password', testPassword);
      const http = (path: string, init: RequestInit = {}) => fetch(`${h.baseUrl}${path}`, init);

      // Sign-in with a password; the session cookie and the CSRF token come back.
      const signIn = await http('/v1/auth/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: tenant.slug, email: admin.email, password: testPassword }),
      });
      assert.equal(signIn.status, 200);
      const cookie = /hda_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!;
      const { csrfToken } = (await signIn.json()) as { csrfToken: string };
      keep('session cookie', cookie);
      keep('session secret', cookie.split('.').at(-1)!);
      keep('CSRF token', csrfToken);
      const asAdmin = { cookie: `hda_session=${cookie}`, 'x-csrf-token': csrfToken };
      const json = { 'content-type': 'application/json' };

      // An API key, created in the session and then used.
      const created = await http('/v1/api-keys', {
        method: 'POST',
        headers: { ...asAdmin, ...json },
        body: JSON.stringify({
          name: 'CRM',
          scopes: ['customers:read', 'customers:write', 'verifications:read', 'verifications:write'],
        }),
      });
      assert.equal(created.status, 201);
      const { key } = (await created.json()) as { key: string };
      keep('API key', key);
      keep('API key secret', key.slice(-43));
      const asKey = { authorization: `Bearer ${key}` };
      const customerResponse = await http('/v1/customers', {
        method: 'POST',
        headers: { ...asKey, ...json },
        body: JSON.stringify({ displayName: 'Quiet Quentin', phone: '+4915112345678' }),
      });
      assert.equal(customerResponse.status, 201, await customerResponse.clone().text());
      const customer = (await customerResponse.json()) as { id: string };
      assert.equal((await http(`/v1/customers/${customer.id}`, { headers: asKey })).status, 200);

      // An activation, and a device enrolled with it.
      const activationResponse = await http(`/v1/customers/${customer.id}/activations`, {
        method: 'POST',
        headers: { ...asAdmin, ...json },
        body: JSON.stringify({ inBranchCheck: { note: 'Passport seen at the counter' } }),
      });
      assert.equal(activationResponse.status, 201, await activationResponse.clone().text());
      const activation = (await activationResponse.json()) as { link: string; code: string };
      keep('activation code', activation.code);
      const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      await device.enroll(activation.link, { label: 'Phone', platform: 'cli' });

      // A push verification, fetched with a device proof and approved with its code.
      const started = await http('/v1/verifications', {
        method: 'POST',
        headers: { ...asKey, ...json },
        body: JSON.stringify({ customerId: customer.id, reason: 'Card replacement' }),
      });
      assert.equal(started.status, 201, await started.clone().text());
      const verification = (await started.json()) as { id: string; code: string };
      keep('verification code', verification.code);
      const request = await device.fetchRequest(verification.id);
      const outcome = await device.decide(request, { decision: 'approve', code: verification.code });
      assert.equal(outcome.status, 'approved');

      // An SMS code through Vonage, entered by the agent.
      const challengeResponse = await http('/v1/otp-challenges', {
        method: 'POST',
        headers: { ...asAdmin, ...json },
        body: JSON.stringify({ customerId: customer.id, channel: 'sms', action: 'verify_caller' }),
      });
      assert.equal(challengeResponse.status, 201, await challengeResponse.clone().text());
      const challenge = (await challengeResponse.json()) as { id: string };
      const sms = vonage.received.at(-1)!;
      const otp = codeIn(sms.text);
      keep('SMS code', otp);
      const checked = await http(`/v1/otp-challenges/${challenge.id}/verify`, {
        method: 'POST',
        headers: { ...asAdmin, ...json },
        body: JSON.stringify({ code: otp }),
      });
      assert.equal(checked.status, 200, await checked.clone().text());

      // Vonage's delivery receipts, at the URL whose last segment is the secret.
      const receiptUrl = new URL(sms.raw.callback!);
      const token = receiptUrl.pathname.split('/').at(-1)!;
      assert.equal(receiptUrl.pathname, `${vonageReceiptPath}/${token}`);
      keep('Vonage receipt token', token);
      keep('Vonage API secret', vonageTestAccount.apiSecret);
      const row = await h.runtime.database.db
        .selectFrom('message_deliveries')
        .select('provider_message_id')
        .where('challenge_id', '=', challenge.id)
        .executeTakeFirstOrThrow();
      const receipt = { messageId: row.provider_message_id!, status: 'delivered', 'err-code': '0' };
      const got = await http(`${receiptUrl.pathname}?${new URLSearchParams(receipt)}`);
      assert.equal(got.status, 204);
      const posted = await http(receiptUrl.pathname, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(receipt),
      });
      assert.equal(posted.status, 204);

      // A webhook endpoint: its signing secret is shown once.
      const webhook = await http('/v1/webhooks', {
        method: 'POST',
        headers: { ...asAdmin, ...json },
        body: JSON.stringify({ url: 'https://hooks.example.com/quiet', events: ['verification.approved'] }),
      });
      assert.equal(webhook.status, 201, await webhook.clone().text());
      keep('webhook secret', ((await webhook.json()) as { secret: string }).secret);

      // The same secrets through the services, as the CLI would use them.
      const more = await h.runtime.services.devices.createActivation(tenant.id, customer.id, cliActor);
      keep('second activation code', more.code);
    });

    it('finds none of those secrets in any log line, while the requests themselves are logged', () => {
      const log = h.logLines.join('');
      assert.ok(secrets.size >= 12, `${secrets.size} secrets`);
      // The flows were logged, down to the receipts (as their route pattern).
      assert.ok(log.includes('"path":"/v1/auth/sign-in"'));
      assert.ok(log.includes(`"path":"${vonageReceiptPath}/:token"`), 'the receipts are logged by pattern');
      assert.equal(h.config.logLevel, 'trace');
      for (const [name, value] of secrets) {
        // Short codes (two to eight digits) also occur inside ids and times by chance: they are
        // looked for as a whole value, a JSON string, a query value or a path segment.
        const forms = value.length >= 12 ? [value] : [`"${value}"`, `=${value}`, `/${value}`];
        const line = h.logLines.find((l) => forms.some((form) => l.includes(form)));
        assert.equal(line, undefined, `the ${name} appears in a log line: ${line}`);
      }
    });
  });
}
