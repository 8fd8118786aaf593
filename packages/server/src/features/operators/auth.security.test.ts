// Attacks on authentication: guessing, replaying, expiring, forging and hijacking, on both
// databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseKind } from '../../storage/database.ts';
import {
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

/** Each rule is attacked directly: guessing, replaying, expiring, forging, hijacking. */
function authSecuritySuite(kind: DatabaseKind) {
  let h: TestHarness;
  let tenant: TestTenant;

  before(async () => {
    h = await startTestHarness(kind, {
      signInLockAfterFailures: 3,
      signInAttemptsPerAddress: 1000,
    });
    tenant = await h.createTenant('acme');
  });
  after(() => h?.close());

  const signIn = (email: string, password: string, slug = tenant.slug) =>
    h.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: { tenant: slug, email, password } });
  const session = (cookie: string) =>
    h.app.inject({ method: 'GET', url: '/v1/auth/session', cookies: { hda_session: cookie } });

  it('signs in with a hardened session cookie and a CSRF token', async () => {
    const op = await h.createOperator(tenant, 'agent', 'cookie@acme.example');
    const response = await signIn(op.email, testPassword);
    assert.equal(response.statusCode, 200);
    const cookie = response.cookies.find((c) => c.name === 'hda_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    const body = response.json();
    assert.equal(body.operator.email, op.email);
    assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await session(cookie.value)).statusCode, 200);
  });

  it('gives one answer for unknown tenant, unknown e-mail, wrong password and disabled account', async () => {
    const op = await h.createOperator(tenant, 'agent', 'same@acme.example');
    const disabled = await h.createOperator(tenant, 'agent', 'gone@acme.example');
    await h.runtime.services.operators.update(
      tenant.id,
      disabled.id,
      { status: 'disabled' },
      { type: 'cli', id: null },
    );
    const answers = await Promise.all([
      signIn(op.email, testPassword, 'no-such-tenant'),
      signIn('nobody@acme.example', testPassword),
      signIn(op.email, 'wrong password entirely'),
      signIn(disabled.email, testPassword),
    ]);
    for (const response of answers) {
      assert.equal(response.statusCode, 401);
      assert.deepEqual(response.json(), {
        error: {
          code: 'INVALID_CREDENTIALS',
          message: 'The tenant, e-mail address or password is not right.',
        },
      });
    }
  });

  it("a stranger's wrong passwords lock the account at the stranger's address only", async () => {
    const op = await h.createOperator(tenant, 'agent', 'targeted@acme.example');
    const from = (remoteAddress: string, password: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { tenant: tenant.slug, email: op.email, password },
        remoteAddress,
      });
    const statuses = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await from('198.51.100.1', `stranger guess ${i}`)).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, ...Array(9).fill(429)]);
    // The operator, from their own address, is not locked out by someone else's guessing.
    assert.equal((await from('198.51.100.2', testPassword)).statusCode, 200);
    // At the guesser's address the lock holds, the right password included.
    const stillLocked = await from('198.51.100.1', testPassword);
    assert.equal(stillLocked.statusCode, 429);
    assert.equal(stillLocked.json().error.code, 'RATE_LIMITED');
  });

  it('caps failed sign-ins per account, even for the right password, until the window ends', async () => {
    const op = await h.createOperator(tenant, 'agent', 'capped@acme.example');
    for (let i = 0; i < 3; i++) assert.equal((await signIn(op.email, `wrong guess ${i}`)).statusCode, 401);
    const blocked = await signIn(op.email, testPassword);
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    h.clock.advance(h.config.signInWindowMinutes * 60_000);
    assert.equal((await signIn(op.email, testPassword)).statusCode, 200);
  });

  it('evaluates no more guesses than the cap when they arrive in parallel', async () => {
    const op = await h.createOperator(tenant, 'agent', 'parallel@acme.example');
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signIn(op.email, `parallel guess ${i}`)),
    );
    const statuses = responses.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 401).length, 3);
    assert.equal(statuses.filter((s) => s === 429).length, 9);
    const failures = await h.runtime.database.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'operator.sign_in_failed')
      .where('target_id', '=', op.id)
      .execute();
    assert.equal(failures.length, 3);
  });

  it('resets the failure count after a successful sign-in', async () => {
    const op = await h.createOperator(tenant, 'agent', 'reset@acme.example');
    await signIn(op.email, 'wrong one');
    await signIn(op.email, 'wrong two');
    assert.equal((await signIn(op.email, testPassword)).statusCode, 200);
    await signIn(op.email, 'wrong three');
    await signIn(op.email, 'wrong four');
    assert.equal((await signIn(op.email, testPassword)).statusCode, 200);
  });

  it('caps attempts per client address across accounts', async () => {
    const strict = await startTestHarness('sqlite', { signInAttemptsPerAddress: 4 });
    try {
      const t = await strict.createTenant('addr');
      const responses = [];
      for (let i = 0; i < 6; i++) {
        responses.push(
          await strict.app.inject({
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: { tenant: 'addr', email: `user${i}@addr.example`, password: 'x' },
          }),
        );
      }
      assert.deepEqual(
        responses.map((r) => r.statusCode),
        [401, 401, 401, 401, 429, 429],
      );
      assert.ok(t.id);
    } finally {
      await strict.close();
    }
  });

  it('caps failures per account across addresses, in parallel, but not at addresses the operator used', async () => {
    const capped = await startTestHarness(kind, { signInFailuresPerAccount: 5 });
    try {
      const t = await capped.createTenant('spread');
      const op = await capped.createOperator(t, 'agent', 'spread@spread.example');
      const from = (remoteAddress: string, password: string) =>
        capped.app.inject({
          method: 'POST',
          url: '/v1/auth/sign-in',
          payload: { tenant: t.slug, email: op.email, password },
          remoteAddress,
        });
      // The operator's usual address.
      assert.equal((await from('192.0.2.10', testPassword)).statusCode, 200);
      // A guess spread over 20 addresses at once: each address is far below its own limits.
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => from(`203.0.113.${i + 1}`, `distributed guess ${i}`)),
      );
      const statuses = responses.map((r) => r.statusCode);
      assert.equal(statuses.filter((s) => s === 401).length, 5, 'no more guesses checked than the cap');
      assert.equal(statuses.filter((s) => s === 429).length, 15);
      // A new address is refused now, even with the right password ...
      assert.equal((await from('203.0.113.200', testPassword)).statusCode, 429);
      // ... but the operator at an address where they signed in before is not locked out.
      assert.equal((await from('192.0.2.10', testPassword)).statusCode, 200);
    } finally {
      await capped.close();
    }
  });

  it('ends a session after the idle timeout and after the absolute lifetime', async () => {
    const op = await h.createOperator(tenant, 'agent', 'idle@acme.example');
    const idle = await h.signIn(tenant, op.email);
    h.clock.advance(h.config.sessionIdleMinutes * 60_000 - 1000);
    assert.equal(
      (await session(idle.cookie)).statusCode,
      200,
      'activity inside the idle window keeps it alive',
    );
    h.clock.advance(h.config.sessionIdleMinutes * 60_000);
    assert.equal((await session(idle.cookie)).statusCode, 401);

    const busy = await h.signIn(tenant, op.email);
    const steps = Math.ceil((h.config.sessionAbsoluteHours * 60) / 30);
    for (let i = 0; i < steps - 1; i++) {
      h.clock.advance(30 * 60_000);
      assert.equal((await session(busy.cookie)).statusCode, 200);
    }
    h.clock.advance(30 * 60_000);
    assert.equal(
      (await session(busy.cookie)).statusCode,
      401,
      'even an active session ends at its absolute lifetime',
    );
  });

  it('refuses a replayed cookie after sign-out and a forged secret for a real session id', async () => {
    const op = await h.createOperator(tenant, 'agent', 'replay@acme.example');
    const client = await h.signIn(tenant, op.email);
    const [id] = client.cookie.split('.');
    const forged = `${id}.${'A'.repeat(43)}`;
    assert.equal((await session(forged)).statusCode, 401);
    const out = await h.app.inject({ method: 'POST', url: '/v1/auth/sign-out', ...client.auth() });
    assert.equal(out.statusCode, 204);
    assert.equal((await session(client.cookie)).statusCode, 401);
  });

  it('requires the CSRF token on state-changing requests made with the cookie', async () => {
    const op = await h.createOperator(tenant, 'agent', 'csrf@acme.example');
    const client = await h.signIn(tenant, op.email);
    const missing = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-out',
      cookies: { hda_session: client.cookie },
    });
    assert.equal(missing.statusCode, 403);
    assert.equal(missing.json().error.code, 'CSRF_FAILED');
    const other = await h.signIn(tenant, op.email);
    const foreignToken = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-out',
      cookies: { hda_session: client.cookie },
      headers: { 'x-csrf-token': other.csrfToken },
    });
    assert.equal(foreignToken.statusCode, 403, "another session's token does not fit");
    assert.equal((await session(client.cookie)).statusCode, 200, 'the session survived both attempts');
  });

  it('signs a disabled operator out everywhere at once', async () => {
    const op = await h.createOperator(tenant, 'agent', 'disable-me@acme.example');
    const client = await h.signIn(tenant, op.email);
    await h.runtime.services.operators.update(
      tenant.id,
      op.id,
      { status: 'disabled' },
      { type: 'cli', id: null },
    );
    assert.equal((await session(client.cookie)).statusCode, 401);
  });

  it('changes a password only with the current one, then ends old sessions', async () => {
    const op = await h.createOperator(tenant, 'agent', 'rotate@acme.example');
    const client = await h.signIn(tenant, op.email);
    const change = (currentPassword: string, newPassword: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        ...client.auth(),
        payload: { currentPassword, newPassword },
      });
    const wrong = await change('not my password at all', 'a brand new long passphrase');
    assert.equal(wrong.json().error.code, 'INVALID_CREDENTIALS');
    const weak = await change(testPassword, 'short');
    assert.equal(weak.statusCode, 400);
    assert.match(weak.json().error.message, /at least 15/);
    assert.equal((await change(testPassword, 'a brand new long passphrase')).statusCode, 204);
    assert.equal((await session(client.cookie)).statusCode, 401);
    assert.equal((await signIn(op.email, testPassword)).statusCode, 401);
    assert.equal((await signIn(op.email, 'a brand new long passphrase')).statusCode, 200);
  });

  it('never lets a tenant lose its last active admin', async () => {
    const lone = await h.createTenant('lone');
    const admin = await h.createOperator(lone, 'admin');
    const client = await h.signIn(lone, admin.email);
    const demote = await h.app.inject({
      method: 'PATCH',
      url: `/v1/operators/${admin.id}`,
      ...client.auth(),
      payload: { role: 'agent' },
    });
    assert.equal(demote.statusCode, 409);
    assert.equal(demote.json().error.code, 'LAST_ADMIN');
    const disable = await h.app.inject({
      method: 'PATCH',
      url: `/v1/operators/${admin.id}`,
      ...client.auth(),
      payload: { status: 'disabled' },
    });
    assert.equal(disable.json().error.code, 'LAST_ADMIN');
  });

  it('writes no password, cookie, CSRF token or API key to the logs', async () => {
    const op = await h.createOperator(tenant, 'admin', 'logs@acme.example');
    const client = await h.signIn(tenant, op.email);
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      ...client.auth(),
      payload: { name: 'log probe', scopes: ['customers:read'] },
    });
    const key = created.json().key as string;
    await h.app.inject({ method: 'GET', url: '/v1/customers', headers: { authorization: `Bearer ${key}` } });
    await h.app.inject({
      method: 'GET',
      url: '/v1/customers?q=%2B4915199887766',
      headers: { authorization: `Bearer ${key}` },
    });
    await signIn(op.email, 'a wrong password to log');
    assert.equal(
      h.logLines.join('\n').includes('4915199887766'),
      false,
      'search terms (personal data) are not logged',
    );
    const logs = h.logLines.join('\n');
    assert.ok(logs.length > 0, 'the server logged requests');
    for (const secret of [testPassword, 'a wrong password to log', client.cookie, client.csrfToken, key]) {
      assert.equal(logs.includes(secret), false, 'a secret reached the log');
    }
  });
}

describe('authentication security: SQLite', () => authSecuritySuite('sqlite'));
describe('authentication security: PostgreSQL', { skip: await postgresSkip() }, () =>
  authSecuritySuite('postgres'),
);
