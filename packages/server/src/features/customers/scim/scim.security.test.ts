/**
 * Who may provision: only an API key with the `scim` scope, which can do nothing else, and only
 * within its own tenant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';

const userUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

for (const kind of databaseKinds) {
  describe(`SCIM access rules on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let admin: OperatorClient;
    let keyA: string;
    let keyB: string;
    let userA: { id: string };

    before(async () => {
      h = await startTestHarness(kind);
      const a = await h.tenantWithOperators('tenant-a');
      admin = a.clients.admin;
      const b = await h.createTenant('tenant-b');
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        ...admin.auth(),
        payload: { name: 'Entra ID provisioning', scopes: ['scim'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      keyA = created.json().key;
      keyB = await h.createApiKey(b, ['scim']);
      const made = await scimAs(keyA, 'POST', '/Users', {
        schemas: [userUrn],
        userName: 'alice@a.example',
        emails: [{ value: 'alice@a.example', primary: true }],
      });
      assert.equal(made.statusCode, 201, made.body);
      userA = made.json();
    });
    after(() => h?.close());

    function scimAs(
      key: string | undefined,
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      body?: unknown,
    ) {
      return h.app.inject({
        method,
        url: `/scim/v2${url}`,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    }

    it('refuses callers without a key, in the SCIM error format', async () => {
      const response = await scimAs(undefined, 'GET', '/Users');
      assert.equal(response.statusCode, 401);
      assert.match(String(response.headers['www-authenticate']), /^Bearer /);
      assert.equal(response.json().status, '401');
      assert.equal(response.json().code, 'UNAUTHENTICATED');
      const wrong = await scimAs(
        'hda_key_00000000000000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'GET',
        '/Users',
      );
      assert.equal(wrong.statusCode, 401);
    });

    it('refuses other API keys, even all-powerful ones, and operator sessions', async () => {
      const everything = await h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        ...admin.auth(),
        payload: {
          name: 'wide',
          scopes: ['customers:read', 'customers:write', 'tenant:read', 'tenant:write', 'api-keys:write'],
        },
      });
      const wideKey = everything.json().key as string;
      for (const [method, url, body] of [
        ['GET', '/Users', undefined],
        ['GET', `/Users/${userA.id}`, undefined],
        ['POST', '/Users', { userName: 'planted@a.example' }],
        ['DELETE', `/Users/${userA.id}`, undefined],
      ] as const) {
        const response = await scimAs(wideKey, method, url, body);
        assert.equal(response.statusCode, 403, `${method} ${url}: ${response.body}`);
        assert.equal(response.json().code, 'FORBIDDEN');
      }
      const bySession = await h.app.inject({ method: 'GET', url: '/scim/v2/Users', ...admin.auth() });
      assert.equal(bySession.statusCode, 403, 'no role holds the scim scope');
      assert.equal(bySession.json().code, 'FORBIDDEN');
      const sessionWrite = await h.app.inject({
        method: 'DELETE',
        url: `/scim/v2/Users/${userA.id}`,
        ...admin.auth(),
      });
      assert.ok([401, 403].includes(sessionWrite.statusCode), sessionWrite.body);
      assert.equal((await scimAs(keyA, 'GET', `/Users/${userA.id}`)).statusCode, 200, 'still there');
    });

    it('gives a SCIM key nothing outside /scim/v2', async () => {
      for (const [method, url] of [
        ['GET', '/v1/customers'],
        ['GET', `/v1/customers/${userA.id}`],
        ['GET', '/v1/tenant'],
        ['GET', '/v1/api-keys'],
        ['GET', '/v1/audit-events'],
        ['POST', '/v1/customers'],
      ] as const) {
        const response = await h.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${keyA}` },
          ...(method === 'POST' ? { payload: { displayName: 'x' } } : {}),
        });
        assert.equal(response.statusCode, 403, `${method} ${url}: ${response.body}`);
      }
    });

    it('keeps the scim scope alone on a key, and out of reach of keys that cannot write customers', async () => {
      const mixed = await h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        ...admin.auth(),
        payload: { name: 'mixed', scopes: ['scim', 'customers:read'] },
      });
      assert.equal(mixed.statusCode, 400);
      assert.equal(mixed.json().error.code, 'VALIDATION_FAILED');

      const minter = (
        await h.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          ...admin.auth(),
          payload: { name: 'minter', scopes: ['api-keys:write', 'api-keys:read'] },
        })
      ).json().key as string;
      const minted = await h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { authorization: `Bearer ${minter}` },
        payload: { name: 'escalated', scopes: ['scim'] },
      });
      assert.equal(minted.statusCode, 403);
      assert.equal(minted.json().error.code, 'FORBIDDEN');
    });

    it('keeps tenants apart: another tenant cannot see, change or delete a user, nor collide on userName', async () => {
      const probes = [
        await scimAs(keyB, 'GET', `/Users/${userA.id}`),
        await scimAs(keyB, 'PUT', `/Users/${userA.id}`, { userName: 'hijacked@b.example' }),
        await scimAs(keyB, 'PATCH', `/Users/${userA.id}`, {
          schemas: [patchUrn],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        }),
        await scimAs(keyB, 'DELETE', `/Users/${userA.id}`),
      ];
      assert.deepEqual(
        probes.map((r) => [r.statusCode, r.json().code]),
        probes.map(() => [404, 'NOT_FOUND']),
      );
      const listed = await scimAs(
        keyB,
        'GET',
        `/Users?filter=${encodeURIComponent('userName eq "alice@a.example"')}`,
      );
      assert.equal(listed.json().totalResults, 0);
      const all = await scimAs(keyB, 'GET', '/Users');
      assert.equal(all.json().totalResults, 0);
      const same = await scimAs(keyB, 'POST', '/Users', { userName: 'alice@a.example' });
      assert.equal(same.statusCode, 201, 'userName is unique per tenant only');
      const unchanged = await scimAs(keyA, 'GET', `/Users/${userA.id}`);
      assert.equal(unchanged.json().active, true);
      assert.equal(unchanged.json().userName, 'alice@a.example');
    });

    it('stops a revoked SCIM key at once', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        ...admin.auth(),
        payload: { name: 'to revoke', scopes: ['scim'] },
      });
      const { key, apiKey } = created.json();
      assert.equal((await scimAs(key, 'GET', '/Users')).statusCode, 200);
      await h.app.inject({ method: 'DELETE', url: `/v1/api-keys/${apiKey.id}`, ...admin.auth() });
      assert.equal((await scimAs(key, 'GET', '/Users')).statusCode, 401);
    });
  });
}
