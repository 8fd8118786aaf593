// Tests of API keys and operators through the API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OperatorClient, startTestHarness, type TestHarness } from '../../test-support/harness.ts';

describe('API keys and operators', () => {
  let h: TestHarness;
  let admin: OperatorClient;

  before(async () => {
    h = await startTestHarness('sqlite');
    admin = (await h.tenantWithOperators('acme')).clients.admin;
  });
  after(() => h?.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    h.app.inject({ method, url, ...admin.auth(), ...(payload ? { payload } : {}) });

  it('shows a new key once, stores only its hash, and tracks when it was last used', async () => {
    const created = await call('POST', '/v1/api-keys', { name: 'CRM', scopes: ['customers:read'] });
    assert.equal(created.statusCode, 201);
    const { key, apiKey } = created.json();
    assert.match(key, /^hda_key_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    assert.equal(apiKey.lastUsedAt, null);

    const listed = (await call('GET', '/v1/api-keys')).body;
    assert.equal(listed.includes(key.slice(-43)), false, 'the secret is never listed');
    const row = await h.runtime.database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', apiKey.id)
      .executeTakeFirstOrThrow();
    assert.equal(JSON.stringify(row).includes(key.slice(-43)), false, 'the secret is not stored in clear');

    const used = await h.app.inject({
      method: 'GET',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(used.statusCode, 200);
    const after = (await call('GET', `/v1/api-keys/${apiKey.id}`)).json();
    assert.equal(after.lastUsedAt, new Date(h.clock.now()).toISOString());
  });

  it('limits a key to its scopes and stops it at once when revoked', async () => {
    const { key, apiKey } = (
      await call('POST', '/v1/api-keys', { name: 'read only', scopes: ['customers:read'] })
    ).json();
    const bearer = { authorization: `Bearer ${key}` };
    const write = await h.app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: bearer,
      payload: { displayName: 'Nope' },
    });
    assert.equal(write.statusCode, 403);
    const revoked = await call('DELETE', `/v1/api-keys/${apiKey.id}`);
    assert.equal(revoked.json().revokedAt, new Date(h.clock.now()).toISOString());
    const afterRevoke = await h.app.inject({ method: 'GET', url: '/v1/customers', headers: bearer });
    assert.equal(afterRevoke.statusCode, 401);
    assert.equal(afterRevoke.json().error.code, 'UNAUTHENTICATED');
  });

  it('refuses keys that are malformed or carry a wrong secret for a real id', async () => {
    const { key } = (
      await call('POST', '/v1/api-keys', { name: 'probe', scopes: ['customers:read'] })
    ).json();
    const wrongSecret = `${key.slice(0, -43)}${'x'.repeat(43)}`;
    for (const presented of [wrongSecret, 'hda_nonsense', `${key}extra`, key.replace('hda_', 'hdx_')]) {
      const response = await h.app.inject({
        method: 'GET',
        url: '/v1/customers',
        headers: { authorization: `Bearer ${presented}` },
      });
      assert.equal(response.statusCode, 401, presented);
    }
  });

  it('keeps API keys away from operator-only endpoints', async () => {
    const { key } = (
      await call('POST', '/v1/api-keys', { name: 'all', scopes: ['customers:read', 'tenant:read'] })
    ).json();
    const response = await h.app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(response.statusCode, 403);
  });

  it('creates an operator with a generated password returned once, who can then sign in', async () => {
    const created = await call('POST', '/v1/operators', {
      email: 'New.Agent@Acme.example',
      displayName: 'New Agent',
      role: 'agent',
    });
    assert.equal(created.statusCode, 201);
    const { operator, initialPassword } = created.json();
    assert.equal(operator.email, 'new.agent@acme.example');
    assert.match(initialPassword, /^([A-Za-z0-9]{6}-){3}[A-Za-z0-9]{6}$/);
    const signIn = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { tenant: 'acme', email: 'new.agent@acme.example', password: initialPassword },
    });
    assert.equal(signIn.statusCode, 200);
    const fetched = (await call('GET', `/v1/operators/${operator.id}`)).json();
    assert.equal('initialPassword' in fetched, false);
    const duplicate = await call('POST', '/v1/operators', {
      email: 'new.agent@acme.example',
      displayName: 'Again',
      role: 'agent',
    });
    assert.equal(duplicate.json().error.code, 'EMAIL_TAKEN');
  });

  it('does not let a key with operators:write create or promote an admin (privilege escalation)', async () => {
    const { key } = (
      await call('POST', '/v1/api-keys', { name: 'hr sync', scopes: ['operators:read', 'operators:write'] })
    ).json();
    const bearer = { authorization: `Bearer ${key}` };
    const createAdmin = await h.app.inject({
      method: 'POST',
      url: '/v1/operators',
      headers: bearer,
      payload: {
        email: 'evil@acme.example',
        displayName: 'Evil',
        role: 'admin',
        password: 'a chosen long password',
      },
    });
    assert.equal(createAdmin.statusCode, 403);
    assert.equal(createAdmin.json().error.code, 'FORBIDDEN');
    const signIn = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { tenant: 'acme', email: 'evil@acme.example', password: 'a chosen long password' },
    });
    assert.equal(signIn.statusCode, 401, 'no admin was created');

    const { operator } = (
      await call('POST', '/v1/operators', {
        email: 'plain@acme.example',
        displayName: 'Plain',
        role: 'agent',
      })
    ).json();
    const promote = await h.app.inject({
      method: 'PATCH',
      url: `/v1/operators/${operator.id}`,
      headers: bearer,
      payload: { role: 'admin' },
    });
    assert.equal(promote.statusCode, 403);
    assert.equal((await call('GET', `/v1/operators/${operator.id}`)).json().role, 'agent');
  });

  it('refuses weak passwords for new operators', async () => {
    for (const password of ['short', 'passwordpassword', 'aaaaaaaaaaaaaaaaaaaa', 'weakling-password-99']) {
      const response = await call('POST', '/v1/operators', {
        email: 'weakling@acme.example',
        displayName: 'Weak',
        role: 'agent',
        password,
      });
      assert.equal(response.statusCode, 400, password);
    }
  });

  it('changes an operator role and records who did it', async () => {
    const { operator } = (
      await call('POST', '/v1/operators', { email: 'promote@acme.example', displayName: 'P', role: 'agent' })
    ).json();
    const updated = await call('PATCH', `/v1/operators/${operator.id}`, { role: 'supervisor' });
    assert.equal(updated.json().role, 'supervisor');
    const audit = await h.runtime.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', operator.id)
      .where('action', '=', 'operator.updated')
      .executeTakeFirstOrThrow();
    assert.equal(audit.actor_id, admin.operatorId);
    assert.deepEqual(JSON.parse(audit.data), { role: { from: 'agent', to: 'supervisor' } });
  });
});
