// Changing one's own password, and the forced change of a generated one: what a session of an
// operator who still has a generated password may do (nothing but change it), on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import { generatePassword } from '../../platform/passwords.ts';
import type { DatabaseKind } from '../../storage/database.ts';
import {
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

function passwordChangeSuite(kind: DatabaseKind) {
  let h: TestHarness;
  let tenant: TestTenant;

  before(async () => {
    h = await startTestHarness(kind, { signInLockAfterFailures: 3, signInAttemptsPerAddress: 1000 });
    tenant = await h.createTenant('acme');
  });
  after(() => h?.close());

  const signIn = (email: string, password: string) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { tenant: tenant.slug, email, password },
    });

  /** An admin invites an operator with a generated password, as the console does. */
  async function invite(email: string, role = 'admin') {
    const admin = await h.signIn(tenant, (await h.createOperator(tenant, 'admin', `inviter-${email}`)).email);
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/operators',
      ...admin.auth(),
      payload: { email, displayName: 'New One', role },
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as {
      operator: { id: string; passwordChangeRequired: boolean };
      initialPassword: string;
    };
    assert.equal(body.operator.passwordChangeRequired, true);
    return { id: body.operator.id, password: body.initialPassword };
  }

  async function sessionOf(email: string, password: string) {
    const response = await signIn(email, password);
    assert.equal(response.statusCode, 200, response.body);
    const cookie = response.cookies.find((c) => c.name === 'hda_session')!.value;
    const body = response.json() as { csrfToken: string; operator: { passwordChangeRequired: boolean } };
    return {
      body,
      auth: () => ({ cookies: { hda_session: cookie }, headers: { 'x-csrf-token': body.csrfToken } }),
    };
  }

  it('a generated password signs in, but the session may only read itself, change the password and sign out', async () => {
    const { password } = await invite('forced@acme.example');
    const session = await sessionOf('forced@acme.example', password);
    assert.equal(session.body.operator.passwordChangeRequired, true);
    const self = await h.app.inject({ method: 'GET', url: '/v1/auth/session', ...session.auth() });
    assert.equal(self.statusCode, 200);
    assert.equal(self.json().operator.passwordChangeRequired, true);

    // Even an admin's every other route, read or write, in parallel: all refused with one code.
    const attempts = await Promise.all([
      h.app.inject({ method: 'GET', url: '/v1/customers', ...session.auth() }),
      h.app.inject({ method: 'GET', url: '/v1/operators', ...session.auth() }),
      h.app.inject({ method: 'GET', url: '/v1/audit-events', ...session.auth() }),
      h.app.inject({ method: 'GET', url: '/v1/verifications', ...session.auth() }),
      h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        ...session.auth(),
        payload: { name: 'backdoor', scopes: ['customers:read'] },
      }),
      h.app.inject({
        method: 'POST',
        url: '/v1/operators',
        ...session.auth(),
        payload: {
          email: 'friend@acme.example',
          displayName: 'Friend',
          role: 'admin',
          password: 'a long friendly passphrase',
        },
      }),
      h.app.inject({
        method: 'POST',
        url: '/v1/customers',
        ...session.auth(),
        payload: { displayName: 'X', externalId: 'X-1' },
      }),
    ]);
    for (const response of attempts) {
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(response.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
    }
    const operators = await h.runtime.services.operators.list(tenant.id);
    assert.equal(
      operators.some((o) => o.email === 'friend@acme.example'),
      false,
    );
    const keys = await h.runtime.database.db
      .selectFrom('api_keys')
      .select('name')
      .where('name', '=', 'backdoor')
      .execute();
    assert.deepEqual(keys, []);

    const signOut = await h.app.inject({ method: 'POST', url: '/v1/auth/sign-out', ...session.auth() });
    assert.equal(signOut.statusCode, 204);
  });

  it('the change needs the right current password, a new one that keeps the rules and differs from the current', async () => {
    const { id, password } = await invite('changer@acme.example');
    const session = await sessionOf('changer@acme.example', password);
    const change = (currentPassword: string, newPassword: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        ...session.auth(),
        payload: { currentPassword, newPassword },
      });
    const wrong = await change('not the current one at all', 'my own long passphrase here');
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'INVALID_CREDENTIALS');
    const same = await change(password, password);
    assert.equal(same.statusCode, 400);
    assert.equal(same.json().error.code, 'VALIDATION_FAILED');
    assert.match(same.json().error.message, /differ from the current/);
    const short = await change(password, 'too short');
    assert.equal(short.statusCode, 400);
    assert.match(short.json().error.message, /at least 15 characters/);
    const common = await change(password, 'passwordpassword');
    assert.equal(common.statusCode, 400);
    assert.match(common.json().error.message, /too common/);
    const withEmail = await change(password, 'changer-is-my-name-2026');
    assert.equal(withEmail.statusCode, 400);
    assert.match(withEmail.json().error.message, /e-mail address/);
    // Still forced after the refusals.
    assert.equal((await h.runtime.services.operators.get(tenant.id, id)).passwordChangeRequired, true);

    const done = await change(password, 'my own long passphrase here');
    assert.equal(done.statusCode, 204);
    // A new password ends every session, this one included.
    const after = await h.app.inject({ method: 'GET', url: '/v1/auth/session', ...session.auth() });
    assert.equal(after.statusCode, 401);
    assert.equal(
      (await signIn('changer@acme.example', password)).statusCode,
      401,
      'the generated one is gone',
    );
    const fresh = await sessionOf('changer@acme.example', 'my own long passphrase here');
    assert.equal(fresh.body.operator.passwordChangeRequired, false);
    const customers = await h.app.inject({ method: 'GET', url: '/v1/customers', ...fresh.auth() });
    assert.equal(customers.statusCode, 200);

    const audit = await h.runtime.database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'actor_id', 'data'])
      .where('target_id', '=', id)
      .orderBy('seq')
      .execute();
    const actions = audit.map((a) => a.action);
    assert.deepEqual(
      actions.filter((a) => a.startsWith('operator.created') || a === 'operator.password_changed'),
      ['operator.created', 'operator.password_changed'],
    );
    const created = audit.find((a) => a.action === 'operator.created')!;
    assert.match(String(created.data), /"mustChangeAtSignIn":true/);
    const changed = audit.find((a) => a.action === 'operator.password_changed')!;
    assert.equal(changed.actor_id, id, 'the operator changed it themselves');
    for (const entry of audit) {
      assert.equal(String(entry.data ?? '').includes(password), false, 'no password in the audit log');
    }
  });

  it('wrong current passwords are capped per operator, parallel ones included', async () => {
    const { password } = await invite('guessed@acme.example');
    const session = await sessionOf('guessed@acme.example', password);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        h.app.inject({
          method: 'POST',
          url: '/v1/auth/password',
          ...session.auth(),
          payload: { currentPassword: `wrong guess number ${i}`, newPassword: 'my own long passphrase here' },
        }),
      ),
    );
    const codes = answers.map((a) => a.json().error.code).sort();
    assert.equal(codes.filter((c) => c === 'INVALID_CREDENTIALS').length, 3, 'the limit is 3 attempts');
    assert.equal(codes.filter((c) => c === 'RATE_LIMITED').length, 3);
    // Even the right one is refused while the limit holds.
    const right = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/password',
      ...session.auth(),
      payload: { currentPassword: password, newPassword: 'my own long passphrase here' },
    });
    assert.equal(right.statusCode, 429);
  });

  it('a chosen password and the demo admin are not forced; a reset on the command line forces the change again', async () => {
    const chosen = await h.createOperator(tenant, 'agent', 'chosen@acme.example');
    const session = await sessionOf(chosen.email, testPassword);
    assert.equal(session.body.operator.passwordChangeRequired, false);
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/customers', ...session.auth() })).statusCode,
      200,
    );

    const reset = generatePassword();
    await h.runtime.services.operators.setPassword(tenant.id, chosen.id, reset, cliActor, {
      requireChange: true,
    });
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/auth/session', ...session.auth() })).statusCode,
      401,
      'the reset ended the session',
    );
    const afterReset = await sessionOf(chosen.email, reset);
    assert.equal(afterReset.body.operator.passwordChangeRequired, true);
    const refused = await h.app.inject({ method: 'GET', url: '/v1/customers', ...afterReset.auth() });
    assert.equal(refused.json().error.code, 'PASSWORD_CHANGE_REQUIRED');

    const { operator } = await h.runtime.services.operators.create(
      tenant.id,
      { email: 'demo-like@acme.example', displayName: 'Demo', role: 'admin', requirePasswordChange: false },
      cliActor,
    );
    assert.equal(operator.passwordChangeRequired, false);
  });

  it('API keys are not affected: the rule is about the operator’s own sessions', async () => {
    const key = await h.createApiKey(tenant, ['customers:read']);
    await invite('keyholder@acme.example');
    const response = await h.app.inject({
      method: 'GET',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(response.statusCode, 200);
  });
}

describe('own password and forced change: SQLite', () => passwordChangeSuite('sqlite'));
describe('own password and forced change: PostgreSQL', { skip: await postgresSkip() }, () =>
  passwordChangeSuite('postgres'),
);
