/**
 * The panel's call notices (features/widget/call-routes.ts) on each database: a widget token
 * starts, reads, checks and ends notices of its own customer only, as its agent; the API key
 * behind it must hold calls:write (calls:read to read) at the time of each request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

const panelScopes = ['customers:read', 'devices:read', 'verifications:read', 'verifications:write'];

for (const kind of databaseKinds) {
  describe(`widget call notices (${kind})`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let acme: TestTenant;
    let alice: string;
    let bob: string;
    let aliceDevice: TestDevice;

    before(async () => {
      h = await startTestHarness(kind);
      acme = await h.createTenant('acme');
      const customers = h.runtime.services.customers;
      alice = (await customers.create(acme.id, { displayName: 'Alice' }, cliActor)).id;
      bob = (await customers.create(acme.id, { displayName: 'Bob' }, cliActor)).id;
      const activation = await h.runtime.services.devices.createActivation(acme.id, alice, cliActor);
      aliceDevice = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
    });
    after(() => h?.close());

    async function tokenFor(customerId: string, scopes: string[]) {
      const key = await h.createApiKey(acme, scopes);
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/widget-tokens',
        headers: { authorization: `Bearer ${key}` },
        payload: { customerId, agentName: 'Sam from Cards' },
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().token as string;
    }
    const widget = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      h.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });

    it('starts a notice for its customer as its agent, sees the code to read out, and ends it', async () => {
      const token = await tokenFor(alice, [...panelScopes, 'calls:read', 'calls:write']);
      const started = await widget(token, 'POST', '/v1/widget/call-notices', {
        reason: 'About your card',
        mutualCode: 'agent_reads',
      });
      assert.equal(started.statusCode, 201, started.body);
      const notice = started.json() as {
        id: string;
        code: string;
        agent: { displayName: string };
        customerId: string;
      };
      assert.equal(notice.customerId, alice);
      assert.deepEqual(notice.agent, { displayName: 'Sam from Cards' });
      assert.match(notice.code, /^[0-9]{6}$/);
      const path = `/v1/device/call-notices/${notice.id}`;
      const onDevice = await h.app.inject({
        method: 'GET',
        url: path,
        headers: { 'device-proof': await aliceDevice.proof('GET', path) },
      });
      assert.equal(decodeJwt((onDevice.json() as { jws: string }).jws).code, notice.code);
      assert.deepEqual(decodeJwt((onDevice.json() as { jws: string }).jws).agent, {
        displayName: 'Sam from Cards',
      });

      const active = await widget(token, 'GET', '/v1/widget/call-notices/active');
      assert.equal(active.statusCode, 200, active.body);
      assert.equal(active.json().notice.id, notice.id);
      const ended = await widget(token, 'POST', `/v1/widget/call-notices/${notice.id}/end`);
      assert.equal(ended.statusCode, 200, ended.body);
      assert.equal(ended.json().status, 'ended');
      assert.deepEqual((await widget(token, 'GET', '/v1/widget/call-notices/active')).json(), {
        active: false,
        notice: null,
      });
    });

    it('checks the code the customer reads out, and never shows it', async () => {
      const token = await tokenFor(alice, [...panelScopes, 'calls:read', 'calls:write']);
      const started = await widget(token, 'POST', '/v1/widget/call-notices', {
        reason: 'About your loan',
        mutualCode: 'customer_reads',
      });
      assert.equal(started.statusCode, 201, started.body);
      const { id, code } = started.json() as { id: string; code: string | null };
      assert.equal(code, null);
      const path = `/v1/device/call-notices/${id}`;
      const jws = (
        await h.app.inject({
          method: 'GET',
          url: path,
          headers: { 'device-proof': await aliceDevice.proof('GET', path) },
        })
      ).json().jws as string;
      const right = await widget(token, 'POST', `/v1/widget/call-notices/${id}/code`, {
        code: decodeJwt(jws).code,
      });
      assert.equal(right.statusCode, 200, right.body);
      assert.equal(right.json().confirmation, 'confirmed');
      await widget(token, 'POST', `/v1/widget/call-notices/${id}/end`);
    });

    it("reaches no other customer's notice, and needs the scopes on its key", async () => {
      const forBob = await h.runtime.services.calls.start(
        acme.id,
        { customerId: bob, reason: 'About your account' },
        { actor: cliActor, agentName: 'Agent', role: null },
      );
      const token = await tokenFor(alice, [...panelScopes, 'calls:read', 'calls:write']);
      for (const [method, url, payload] of [
        ['GET', `/v1/widget/call-notices/${forBob.id}`],
        ['POST', `/v1/widget/call-notices/${forBob.id}/end`],
        ['POST', `/v1/widget/call-notices/${forBob.id}/code`, { code: '000000' }],
        ['GET', `/v1/widget/call-notices/${forBob.id}/events`],
      ] as const) {
        const response = await widget(token, method, url, payload);
        assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
      }
      assert.equal(
        (await h.runtime.services.calls.get(acme.id, forBob.id, { revealCode: false })).status,
        'active',
      );

      const readOnly = await tokenFor(alice, [...panelScopes, 'calls:read']);
      const refused = await widget(readOnly, 'POST', '/v1/widget/call-notices', {
        reason: 'About your card',
      });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().error.code, 'FORBIDDEN');
      const none = await tokenFor(alice, panelScopes);
      assert.equal((await widget(none, 'GET', '/v1/widget/call-notices/active')).statusCode, 403);
      const bad = await widget(token, 'POST', '/v1/widget/call-notices', { reason: 'x', fromNumber: '123' });
      assert.equal(bad.statusCode, 400);
    });
  });
}
