/**
 * Widget tokens (features/widget/routes.ts): only an API key with the panel's scopes gets one; a token
 * reaches exactly one customer of one tenant; it cannot pass for an API key or a session; it
 * stops working when it expires or its API key is revoked; forged tokens are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice } from '../../test-support/test-device.ts';

const panelScopes = ['customers:read', 'devices:read', 'verifications:read', 'verifications:write'];

for (const kind of databaseKinds) {
  describe(`widget tokens (${kind})`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let acme: TestTenant & { clients: Awaited<ReturnType<TestHarness['tenantWithOperators']>>['clients'] };
    let other: TestTenant;
    let key: string;
    let alice: string;
    let bob: string;
    let otherCustomer: string;

    before(async () => {
      h = await startTestHarness(kind);
      acme = await h.tenantWithOperators('acme');
      other = await h.createTenant('other');
      const customers = h.runtime.services.customers;
      alice = (await customers.create(acme.id, { displayName: 'Alice', externalId: 'C-1' }, cliActor)).id;
      bob = (await customers.create(acme.id, { displayName: 'Bob', externalId: 'C-2' }, cliActor)).id;
      otherCustomer = (await customers.create(other.id, { displayName: 'Eve', externalId: 'C-1' }, cliActor))
        .id;
      for (const [tenantId, customerId] of [
        [acme.id, alice],
        [acme.id, bob],
      ] as const) {
        const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, cliActor);
        await enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode: activation.code,
          now: h.clock.now,
        });
      }
      key = await h.createApiKey(acme, panelScopes);
    });
    after(() => h?.close());

    const issue = (apiKey: string, payload: object) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/widget-tokens',
        headers: { authorization: `Bearer ${apiKey}` },
        payload,
      });
    const widget = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      h.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
    const tokenFor = async (payload: object) => {
      const response = await issue(key, payload);
      assert.equal(response.statusCode, 201, response.body);
      return response.json().token as string;
    };

    it('issues a token for a customer by external id; the panel sees that customer and verifies them', async () => {
      const response = await issue(key, { externalId: 'C-1', agentName: 'Sam' });
      assert.equal(response.statusCode, 201);
      const { token, customerId } = response.json();
      assert.equal(customerId, alice);
      const session = await widget(token, 'GET', '/v1/widget/session');
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().customer.displayName, 'Alice');
      assert.equal(session.json().agentName, 'Sam');
      assert.equal(session.json().devices.length, 1);
      const started = await widget(token, 'POST', '/v1/widget/verifications', { reason: 'Card' });
      assert.equal(started.statusCode, 201, started.body);
      assert.equal(started.json().customerId, alice);
      assert.match(started.json().code, /^\d{2}$/);
      assert.equal(started.json().startedBy.name, 'Sam');
      const cancelled = await widget(token, 'POST', `/v1/widget/verifications/${started.json().id}/cancel`);
      assert.equal(cancelled.json().status, 'cancelled');
      // The issuance is audited, without the token.
      const audit = await h.runtime.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'widget_session.issued')
        .execute();
      assert.equal(audit.length > 0, true);
      assert.equal(JSON.stringify(audit).includes(token), false);
    });

    it('refuses operators (sessions), keys without the panel scopes, and unknown or foreign customers', async () => {
      const asOperator = await h.app.inject({
        method: 'POST',
        url: '/v1/widget-tokens',
        ...acme.clients.admin.auth(),
        payload: { customerId: alice, agentName: 'Sam' },
      });
      assert.equal(asOperator.statusCode, 403);
      assert.equal(asOperator.json().error.code, 'FORBIDDEN');
      const narrow = await h.createApiKey(acme, ['verifications:write']);
      assert.equal(
        (await issue(narrow, { customerId: alice, agentName: 'Sam' })).json().error.code,
        'FORBIDDEN',
      );
      const foreign = await issue(key, { customerId: otherCustomer, agentName: 'Sam' });
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json().error.code, 'NOT_FOUND');
      assert.equal((await issue(key, { externalId: 'C-404', agentName: 'Sam' })).statusCode, 404);
      const both = await issue(key, { customerId: alice, externalId: 'C-1', agentName: 'Sam' });
      assert.equal(both.json().error.code, 'VALIDATION_FAILED');
      const tooLong = await issue(key, { customerId: alice, agentName: 'Sam', ttlSeconds: 86400 });
      assert.equal(tooLong.json().error.code, 'VALIDATION_FAILED');
    });

    it("reaches only its own customer: another customer's verification is not found, and no other body customer", async () => {
      const aliceToken = await tokenFor({ customerId: alice, agentName: 'Sam' });
      const bobToken = await tokenFor({ customerId: bob, agentName: 'Sam' });
      const bobs = (await widget(bobToken, 'POST', '/v1/widget/verifications', { reason: 'Card' })).json();
      for (const [method, url] of [
        ['GET', `/v1/widget/verifications/${bobs.id}`],
        ['POST', `/v1/widget/verifications/${bobs.id}/cancel`],
        ['GET', `/v1/widget/verifications/${bobs.id}/events`],
      ] as const) {
        const response = await widget(aliceToken, method, url);
        assert.equal(response.statusCode, 404, `${method} ${url}`);
        assert.equal(response.json().error.code, 'NOT_FOUND');
      }
      const smuggled = await widget(aliceToken, 'POST', '/v1/widget/verifications', {
        customerId: bob,
        reason: 'x',
      });
      assert.equal(smuggled.statusCode, 404);
      // Bob's verification is still pending: nothing happened to it.
      assert.equal(
        (await widget(bobToken, 'GET', `/v1/widget/verifications/${bobs.id}`)).json().status,
        'pending',
      );
    });

    it('is no API key and no session: the rest of the API refuses it', async () => {
      const token = await tokenFor({ customerId: alice, agentName: 'Sam' });
      for (const url of ['/v1/customers', '/v1/verifications', `/v1/customers/${alice}/devices`]) {
        const response = await widget(token, 'GET', url);
        assert.equal(response.statusCode, 401, url);
        assert.equal(response.json().error.code, 'UNAUTHENTICATED');
      }
      // And an API key is no widget token.
      assert.equal((await widget(key, 'GET', '/v1/widget/session')).statusCode, 401);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/widget/session' })).statusCode, 401);
    });

    it('expires, and dies with its API key', async () => {
      const token = await tokenFor({ customerId: alice, agentName: 'Sam', ttlSeconds: 60 });
      assert.equal((await widget(token, 'GET', '/v1/widget/session')).statusCode, 200);
      h.clock.advance(61_000);
      const expired = await widget(token, 'GET', '/v1/widget/session');
      assert.equal(expired.statusCode, 401);
      assert.equal(expired.json().error.code, 'UNAUTHENTICATED');

      const doomedKey = await h.createApiKey(acme, panelScopes);
      const doomed = (await issue(doomedKey, { customerId: alice, agentName: 'Sam' })).json().token as string;
      assert.equal((await widget(doomed, 'GET', '/v1/widget/session')).statusCode, 200);
      const keyId = `key_${doomedKey.slice(8, 34)}`;
      await h.runtime.services.apiKeys.revoke(acme.id, keyId, cliActor);
      assert.equal((await widget(doomed, 'GET', '/v1/widget/session')).statusCode, 401);
    });

    it('refuses forged tokens: another key, no signature, another type, tampered customer', async () => {
      const token = await tokenFor({ customerId: alice, agentName: 'Sam' });
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: bob })).toString('base64url')}.${signature}`;
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'hda-widget+jwt' })).toString('base64url')}.${payload}.`;
      const otherKey = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'hda-widget+jwt' })
        .sign(new Uint8Array(32));
      for (const forged of [tampered, unsigned, otherKey, 'garbage', `${token}x`]) {
        const response = await widget(forged, 'GET', '/v1/widget/session');
        assert.equal(response.statusCode, 401, forged.slice(0, 20));
        assert.equal(response.json().error.code, 'UNAUTHENTICATED');
      }
    });
  });
}
