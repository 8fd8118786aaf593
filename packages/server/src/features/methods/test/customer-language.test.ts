/**
 * The customer's language, on each database: a German customer's SMS code and e-mail arrive in
 * German through the development outbox, and the reason a push request shows on their phone is
 * German when the agent gives none; a tenant's own template for a language is used for that
 * language, its `default` for others; a template without the code is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VerificationPolicy } from '@helpdesk-auth/core';
import type { InjectOptions } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Actor } from '../../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { codeIn } from '../../../test-support/stand-ins/test-vendors.ts';
import { enrollTestDevice } from '../../../test-support/test-device.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;
type Role = 'admin' | 'supervisor' | 'agent' | 'auditor';

const system: Actor = { type: 'system', id: null };

for (const kind of databaseKinds) {
  describe(`the customer's language on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let clients: Record<Role, OperatorClient>;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('acme');
      tenantId = tenant.id;
      clients = tenant.clients;
    });
    after(async () => h?.close());

    const call = async (who: Role, method: InjectOptions['method'], url: string, payload?: unknown) => {
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

    const newCustomer = (displayName: string, locale: string | null) =>
      h.runtime.services.customers.create(
        tenantId,
        { displayName, phone: '+4915112345678', email: 'kunde@example.com', locale },
        system,
      );

    /** Sends a code and returns the message as the outbox kept it. */
    async function sendCode(customerId: string, channel: 'sms' | 'email') {
      const started = await call('agent', 'POST', '/v1/otp-challenges', {
        customerId,
        channel,
        // E-mail gives low assurance: enough for an enquiry, not for verifying a caller.
        action: channel === 'sms' ? 'verify_caller' : 'account_enquiry',
      });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      const outbox = await call('agent', 'GET', '/v1/dev/outbox?limit=1');
      return outbox.body.messages[0] as { body: string; subject: string | null; channel: string };
    }

    it("sends a German customer's SMS and e-mail code in German, an English one's in English", async () => {
      // E-mail codes are off in the default policy.
      const current = await call('admin', 'GET', '/v1/policy');
      const policy = current.body.policy as VerificationPolicy;
      policy.methods.find((m) => m.method === 'email_otp')!.enabled = true;
      const saved = await call('admin', 'PUT', '/v1/policy', {
        expectedVersion: current.body.version,
        policy,
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));

      const german = await newCustomer('Greta Deutsch', 'de-DE');
      const sms = await sendCode(german.id, 'sms');
      assert.match(sms.body, /Ihr Bestätigungscode lautet \d{6}\. .*Gültig 5 Minuten\./);
      assert.doesNotMatch(sms.body, /verification code/);
      const mail = await sendCode(german.id, 'email');
      assert.match(mail.body, /Ihr Bestätigungscode lautet/);
      assert.match(mail.subject ?? '', /: Ihr Bestätigungscode$/);

      const english = await newCustomer('Eddie English', null);
      assert.match((await sendCode(english.id, 'sms')).body, /your verification code is \d{6}\./);
      const unknown = await newCustomer('Ines Icelandic', 'is-IS');
      assert.match(
        (await sendCode(unknown.id, 'sms')).body,
        /your verification code is/,
        'English where there is no text',
      );
    });

    it('shows a German customer the default reason in German on the phone when the agent gives none', async () => {
      const customer = await newCustomer('Dieter Gerät', 'de');
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      const device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      const started = await call('agent', 'POST', '/v1/verifications', { customerId: customer.id });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.reason, 'Identitätsprüfung für Ihren Anruf');

      // What the phone shows is what it reads from the signed request.
      const url = `/v1/device/verifications/${started.body.id}`;
      const opened = await h.app.inject({
        method: 'GET',
        url,
        headers: { 'device-proof': await device.proof('GET', url) },
      });
      assert.equal(opened.statusCode, 200, opened.body);
      const request = opened.json().request as string;
      assert.ok(decodeProtectedHeader(request).typ);
      assert.equal(decodeJwt(request).reason, 'Identitätsprüfung für Ihren Anruf');

      // A reason the agent types is sent as typed.
      const typed = await call('agent', 'POST', '/v1/verifications', {
        customerId: customer.id,
        reason: 'Kartensperre',
      });
      assert.equal(typed.body.reason, 'Kartensperre');

      // A sign-in request (CIBA, Keycloak) without a binding message names its requester, in German.
      const signIn = await h.runtime.services.verifications.start(
        tenantId,
        {
          customerId: customer.id,
          purpose: 'authenticate',
          agentName: 'Acme Online',
          requestedBy: 'Acme Online',
        },
        system,
      );
      assert.equal(signIn.reason, 'Anmeldung angefordert von Acme Online');
    });

    it("uses the tenant's template for the customer's language, its default for others, and refuses one without the code", async () => {
      const refused = await call('admin', 'PATCH', '/v1/tenant', {
        messageTemplates: { de: { code: 'Acme: Ihr Code kommt gleich.' } },
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'VALIDATION_FAILED');
      assert.match(refused.body.error.message, /messageTemplates\.de\.code must contain \{code\}/);
      const unknownPlaceholder = await call('admin', 'PATCH', '/v1/tenant', {
        messageTemplates: { de: { code: '{code} für {name}' } },
      });
      assert.equal(unknownPlaceholder.status, 400);
      const agentTries = await call('agent', 'PATCH', '/v1/tenant', {
        messageTemplates: { de: { code: '{code}' } },
      });
      assert.equal(agentTries.status, 403);

      const saved = await call('admin', 'PATCH', '/v1/tenant', {
        messageTemplates: {
          de: {
            code: '{tenant}-Code: {code} (gültig {minutes} Min.)',
            pushReason: 'Ihr Anruf bei Acme',
            activationLink: '{tenant}: Telefon einrichten unter {link}',
          },
          default: { code: '{tenant} code {code}, {minutes} min.' },
        },
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.equal(saved.body.messageTemplates.de.pushReason, 'Ihr Anruf bei Acme');
      const read = await call('agent', 'GET', '/v1/tenant');
      assert.deepEqual(read.body.messageTemplates, saved.body.messageTemplates);

      const german = await newCustomer('Gisela Vorlage', 'de-AT');
      const sms = await sendCode(german.id, 'sms');
      assert.match(sms.body, /^Tenant acme-Code: \d{6} \(gültig 5 Min\.\)$/);
      assert.equal(codeIn(sms.body).length, 6);
      const link = await call('admin', 'POST', `/v1/customers/${german.id}/activations/send`, {
        channel: 'sms',
      });
      assert.equal(link.status, 201, JSON.stringify(link.body));
      const outbox = await call('agent', 'GET', '/v1/dev/outbox?limit=1');
      assert.match(outbox.body.messages[0].body, /^Tenant acme: Telefon einrichten unter https?:\/\/\S+$/);
      const french = await newCustomer('François Défaut', 'fr');
      assert.match((await sendCode(french.id, 'sms')).body, /^Tenant acme code \d{6}, 5 min\.$/);

      const withDevice = await newCustomer('Dora Vorlage', 'de');
      const activation = await h.runtime.services.devices.createActivation(tenantId, withDevice.id, system);
      await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      const push = await call('agent', 'POST', '/v1/verifications', { customerId: withDevice.id });
      assert.equal(push.body.reason, 'Ihr Anruf bei Acme');

      const cleared = await call('admin', 'PATCH', '/v1/tenant', { messageTemplates: {} });
      assert.deepEqual(cleared.body.messageTemplates, {});
      assert.match((await sendCode(german.id, 'sms')).body, /Ihr Bestätigungscode lautet/);
    });
  });
}
