// Operators' second factor (passkeys and an authenticator app) on both databases: what a session
// that has shown only the password may do, enrolment, the factor after the password, the tenant's
// rule, wrong-code caps and replays (parallel too), and an admin's audited reset.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import type { DatabaseKind } from '../../storage/database.ts';
import {
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { createSoftAuthenticator } from '../../test-support/soft-authenticator.ts';
import { seedFromBase32, totpCodeForStep, totpStep } from '../methods/index.ts';

function secondFactorSuite(kind: DatabaseKind) {
  let h: TestHarness;
  let tenant: TestTenant;

  before(async () => {
    h = await startTestHarness(kind, { signInLockAfterFailures: 3, signInAttemptsPerAddress: 1000 });
    tenant = await h.createTenant('acme');
  });
  after(() => h?.close());

  type Session = Awaited<ReturnType<typeof signIn>>;
  async function signIn(email: string) {
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { tenant: tenant.slug, email, password: testPassword },
    });
    assert.equal(response.statusCode, 200, response.body);
    const cookie = response.cookies.find((c) => c.name === 'hda_session')!.value;
    const body = response.json() as { csrfToken: string; pendingStep: string | null };
    const auth = () => ({ cookies: { hda_session: cookie }, headers: { 'x-csrf-token': body.csrfToken } });
    return {
      pendingStep: body.pendingStep,
      auth,
      call: (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
        h.app.inject({ method, url, ...auth(), ...(payload === undefined ? {} : { payload }) }),
    };
  }

  const codeAt = (secret: string, offsetSteps = 0) =>
    totpCodeForStep(seedFromBase32(secret), totpStep(h.clock.now()) + offsetSteps);

  /** Signs in and sets up an authenticator app; returns its secret and the working session. */
  async function enrol(email: string): Promise<{ secret: string; session: Session }> {
    const session = await signIn(email);
    const started = await session.call('POST', '/v1/auth/second-factor/totp');
    assert.equal(started.statusCode, 201, started.body);
    const { secret, otpauthUri } = started.json() as { secret: string; otpauthUri: string };
    assert.match(otpauthUri, /^otpauth:\/\/totp\/.*secret=/);
    const confirmed = await session.call('POST', '/v1/auth/second-factor/totp/confirm', {
      code: codeAt(secret),
    });
    assert.equal(confirmed.statusCode, 204, confirmed.body);
    // The next step: a code used at enrolment is not accepted again.
    h.clock.advance(30_000);
    return { secret, session };
  }

  it('with an app set up, the password alone opens a session that may only show the code', async () => {
    const op = await h.createOperator(tenant, 'admin', 'two@acme.example');
    const { secret } = await enrol(op.email);

    const session = await signIn(op.email);
    assert.equal(session.pendingStep, 'second_factor');
    const status = await session.call('GET', '/v1/auth/session');
    assert.equal(status.json().pendingStep, 'second_factor');
    const refused = await Promise.all([
      session.call('GET', '/v1/customers'),
      session.call('GET', '/v1/operators'),
      session.call('POST', '/v1/api-keys', { name: 'x', scopes: ['customers:read'] }),
      // Not even the password: a password alone must not take the account over.
      session.call('POST', '/v1/auth/password', {
        currentPassword: testPassword,
        newPassword: 'an attacker chose this one',
      }),
      // Nor a second app in place of the first.
      session.call('POST', '/v1/auth/second-factor/totp'),
      session.call('DELETE', `/v1/operators/${op.id}/second-factor`),
    ]);
    assert.deepEqual(
      refused.map((r) => r.json().error.code),
      [
        'SECOND_FACTOR_REQUIRED',
        'SECOND_FACTOR_REQUIRED',
        'SECOND_FACTOR_REQUIRED',
        'SECOND_FACTOR_REQUIRED',
        'SECOND_FACTOR_REQUIRED',
        'SECOND_FACTOR_REQUIRED',
      ],
    );
    assert.equal((await h.runtime.services.operators.get(tenant.id, op.id)).passwordChangeRequired, false);

    const wrong = await session.call('POST', '/v1/auth/second-factor/verify', { code: '000000' });
    assert.equal(
      wrong.json().error.code,
      wrong.json().error.code === 'WRONG_CODE' ? 'WRONG_CODE' : 'WRONG_CODE',
    );
    const right = await session.call('POST', '/v1/auth/second-factor/verify', { code: codeAt(secret) });
    assert.equal(right.statusCode, 204, right.body);
    assert.equal((await session.call('GET', '/v1/customers')).statusCode, 200);
    assert.equal((await session.call('GET', '/v1/auth/session')).json().pendingStep, null);
  });

  it('a code is accepted once: again later, or twice at once, it is CODE_REPLAYED', async () => {
    const op = await h.createOperator(tenant, 'agent', 'replay@acme.example');
    const { secret } = await enrol(op.email);
    const first = await signIn(op.email);
    const code = codeAt(secret);
    assert.equal((await first.call('POST', '/v1/auth/second-factor/verify', { code })).statusCode, 204);
    // Someone who saw the code over a shoulder, signing in with the password within the step.
    const second = await signIn(op.email);
    const replay = await second.call('POST', '/v1/auth/second-factor/verify', { code });
    assert.equal(replay.statusCode, 422);
    assert.equal(replay.json().error.code, 'CODE_REPLAYED');
    // An older step's code is refused too, though within the drift window.
    const older = await second.call('POST', '/v1/auth/second-factor/verify', { code: codeAt(secret, -1) });
    assert.equal(older.json().error.code, 'CODE_REPLAYED');

    // Two sessions sending the next code at the same moment: one gets in.
    h.clock.advance(30_000);
    const [a, b] = [await signIn(op.email), await signIn(op.email)];
    const next = codeAt(secret);
    const answers = await Promise.all([
      a.call('POST', '/v1/auth/second-factor/verify', { code: next }),
      b.call('POST', '/v1/auth/second-factor/verify', { code: next }),
    ]);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [204, 422]);
    const stillWaiting = answers[0]!.statusCode === 204 ? b : a;
    assert.equal(
      (await stillWaiting.call('GET', '/v1/customers')).json().error.code,
      'SECOND_FACTOR_REQUIRED',
    );
  });

  it('wrong codes are capped per operator, in parallel too; then even the right code waits', async () => {
    const op = await h.createOperator(tenant, 'agent', 'guess@acme.example');
    const { secret } = await enrol(op.email);
    const session = await signIn(op.email);
    const right = codeAt(secret);
    const guesses = Array.from({ length: 8 }, (_, i) =>
      String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    const answers = await Promise.all(
      guesses.map((code) => session.call('POST', '/v1/auth/second-factor/verify', { code })),
    );
    const codes = answers.map((r) => r.json().error.code);
    assert.equal(codes.filter((c) => c === 'WRONG_CODE').length, 3, codes.join());
    assert.equal(codes.filter((c) => c === 'RATE_LIMITED').length, 5, codes.join());
    const blocked = await session.call('POST', '/v1/auth/second-factor/verify', { code: right });
    assert.equal(blocked.statusCode, 429);
    // Not a code at all is refused by the schema or counted as wrong, never a 500.
    const junk = await session.call('POST', '/v1/auth/second-factor/verify', { code: 'x'.repeat(40) });
    assert.equal(junk.statusCode, 400);
    const failures = await h.runtime.database.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', op.id)
      .where('action', '=', 'operator.second_factor_failed')
      .execute();
    assert.equal(failures.length, 3);
  });

  it('the tenant requires a second factor: an operator without one sets it up before anything else', async () => {
    const other = await h.createTenant('other');
    const op = await h.createOperator(other, 'agent', 'must@other.example');
    await h.runtime.services.tenants.update(other.id, { operatorSecondFactor: 'required' }, cliActor);
    const signed = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: { tenant: other.slug, email: op.email, password: testPassword },
    });
    const cookie = signed.cookies.find((c) => c.name === 'hda_session')!.value;
    const csrf = signed.json().csrfToken as string;
    assert.equal(signed.json().pendingStep, 'second_factor_enrolment');
    const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      h.app.inject({
        method,
        url,
        cookies: { hda_session: cookie },
        headers: { 'x-csrf-token': csrf },
        ...(payload === undefined ? {} : { payload }),
      });
    assert.equal((await call('GET', '/v1/customers')).json().error.code, 'SECOND_FACTOR_REQUIRED');
    assert.deepEqual((await call('GET', '/v1/auth/second-factor')).json(), {
      required: true,
      totp: false,
      passkeys: 0,
    });
    // Verifying without an app is no way round it.
    assert.equal((await call('POST', '/v1/auth/second-factor/verify', { code: '123456' })).statusCode, 409);
    const started = (await call('POST', '/v1/auth/second-factor/totp')).json() as { secret: string };
    // Started again (a lost QR code): the first secret no longer counts.
    const restarted = (await call('POST', '/v1/auth/second-factor/totp')).json() as { secret: string };
    assert.notEqual(restarted.secret, started.secret);
    const stale = await call('POST', '/v1/auth/second-factor/totp/confirm', {
      code: totpCodeForStep(seedFromBase32(started.secret), totpStep(h.clock.now())),
    });
    assert.equal(stale.json().error.code, 'WRONG_CODE');
    const confirmed = await call('POST', '/v1/auth/second-factor/totp/confirm', {
      code: totpCodeForStep(seedFromBase32(restarted.secret), totpStep(h.clock.now())),
    });
    assert.equal(confirmed.statusCode, 204);
    assert.equal((await call('GET', '/v1/customers')).statusCode, 200);
    const tenantView = (await h.runtime.services.tenants.get(other.id)).operatorSecondFactor;
    assert.equal(tenantView, 'required');
  });

  it('an admin resets a lost factor (audited, sessions ended); nobody else may, and not across tenants', async () => {
    const op = await h.createOperator(tenant, 'agent', 'lost@acme.example');
    const { session: lostSession } = await enrol(op.email);
    const admin = await h.signIn(
      tenant,
      (await h.createOperator(tenant, 'admin', 'resetter@acme.example')).email,
    );
    const agent = await h.signIn(
      tenant,
      (await h.createOperator(tenant, 'agent', 'peer@acme.example')).email,
    );
    const stranger = await h.createTenant('stranger');
    const strangerAdmin = await h.signIn(stranger, (await h.createOperator(stranger, 'admin')).email);
    const reset = (who: { auth: () => object }) =>
      h.app.inject({ method: 'DELETE', url: `/v1/operators/${op.id}/second-factor`, ...who.auth() });
    assert.equal((await reset(agent)).statusCode, 403);
    assert.equal((await reset(strangerAdmin)).statusCode, 404);
    assert.equal((await reset(admin)).statusCode, 204);
    assert.equal((await lostSession.call('GET', '/v1/customers')).statusCode, 401, 'their sessions ended');
    const again = await signIn(op.email);
    assert.equal(again.pendingStep, null, 'the tenant does not require one: the password suffices again');
    const audit = await h.runtime.database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'data'])
      .where('target_id', '=', op.id)
      .where('action', 'in', ['operator.second_factor_enrolled', 'operator.second_factor_reset'])
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['operator.second_factor_enrolled', 'operator.second_factor_reset'],
    );
    assert.equal(audit[1]!.actor_id, admin.operatorId);
  });

  it('a passkey: created, then asked for after the password; an assertion counts once; a foreign origin or key is refused', async () => {
    const op = await h.createOperator(tenant, 'supervisor', 'key@acme.example');
    const { origin, hostname: rpId } = new URL(h.config.publicUrl);
    const authenticator = createSoftAuthenticator({ origin, rpId, userVerification: true });
    const working = await signIn(op.email);
    const options = (await working.call('POST', '/v1/auth/second-factor/passkey/registration-options')).json()
      .options as { challenge: string; rp: { id: string } };
    assert.equal(options.rp.id, rpId);
    const registered = await working.call('POST', '/v1/auth/second-factor/passkey', {
      response: authenticator.register(options),
      label: 'YubiKey',
    });
    assert.equal(registered.statusCode, 204, registered.body);
    assert.deepEqual((await working.call('GET', '/v1/auth/second-factor')).json(), {
      required: false,
      totp: false,
      passkeys: 1,
    });

    const session = await signIn(op.email);
    assert.equal(session.pendingStep, 'second_factor');
    // A password-only session cannot add a passkey (or an app) of its own to get in.
    const intruder = createSoftAuthenticator({ origin, rpId, userVerification: true });
    const sneak = await session.call('POST', '/v1/auth/second-factor/passkey/registration-options');
    assert.equal(sneak.json().error.code, 'SECOND_FACTOR_REQUIRED');
    assert.equal(
      (await session.call('POST', '/v1/auth/second-factor/totp')).json().error.code,
      'SECOND_FACTOR_REQUIRED',
    );

    const challenge = async () =>
      (await session.call('POST', '/v1/auth/second-factor/passkey/assertion-options')).json().options as {
        challenge: string;
        allowCredentials: { id: string }[];
      };
    const first = await challenge();
    assert.deepEqual(
      first.allowCredentials.map((c) => c.id),
      [authenticator.credentialId],
    );
    // Another authenticator's answer, and one made for another origin, are refused.
    const foreign = await session.call('POST', '/v1/auth/second-factor/passkey/verify', {
      response: intruder.assert(first.challenge),
    });
    assert.equal(foreign.json().error.code, 'WEBAUTHN_ASSERTION_FAILED');
    const second = await challenge();
    const phished = await session.call('POST', '/v1/auth/second-factor/passkey/verify', {
      response: authenticator.assert(second.challenge, { origin: 'https://acme-bank.example.net' }),
    });
    assert.equal(phished.json().error.code, 'WEBAUTHN_ASSERTION_FAILED');
    assert.equal((await session.call('GET', '/v1/customers')).json().error.code, 'SECOND_FACTOR_REQUIRED');

    const third = await challenge();
    const assertion = authenticator.assert(third.challenge);
    const ok = await session.call('POST', '/v1/auth/second-factor/passkey/verify', { response: assertion });
    assert.equal(ok.statusCode, 204, ok.body);
    assert.equal((await session.call('GET', '/v1/customers')).statusCode, 200);
    // The same assertion, captured and sent from another password session: its challenge is spent.
    const other = await signIn(op.email);
    const replayed = await other.call('POST', '/v1/auth/second-factor/passkey/verify', {
      response: assertion,
    });
    assert.equal(replayed.json().error.code, 'WEBAUTHN_ASSERTION_FAILED');
    assert.equal((await other.call('GET', '/v1/customers')).json().error.code, 'SECOND_FACTOR_REQUIRED');
  });

  it('a passkey answer is refused for a challenge issued to another operator', async () => {
    const { origin, hostname: rpId } = new URL(h.config.publicUrl);
    const alice = await h.createOperator(tenant, 'agent', 'alice-key@acme.example');
    const bob = await h.createOperator(tenant, 'agent', 'bob-key@acme.example');
    const aliceKey = createSoftAuthenticator({ origin, rpId, userVerification: true });
    const aliceSession = await signIn(alice.email);
    const reg = (
      await aliceSession.call('POST', '/v1/auth/second-factor/passkey/registration-options')
    ).json().options as { challenge: string };
    assert.equal(
      (
        await aliceSession.call('POST', '/v1/auth/second-factor/passkey', {
          response: aliceKey.register(reg),
        })
      ).statusCode,
      204,
    );
    // Bob asks for a registration challenge; Alice's session may not answer it.
    const bobSession = await signIn(bob.email);
    const bobOptions = (
      await bobSession.call('POST', '/v1/auth/second-factor/passkey/registration-options')
    ).json().options as { challenge: string };
    const stolen = await aliceSession.call('POST', '/v1/auth/second-factor/passkey', {
      response: createSoftAuthenticator({ origin, rpId, userVerification: true }).register(bobOptions),
    });
    assert.equal(stolen.json().error.code, 'WEBAUTHN_REGISTRATION_FAILED');
  });

  it('no secret reaches the audit log or the database in clear', async () => {
    const op = await h.createOperator(tenant, 'agent', 'sealed@acme.example');
    const { secret } = await enrol(op.email);
    const stored = await h.runtime.database.db
      .selectFrom('operator_factors')
      .select('secret_sealed')
      .where('operator_id', '=', op.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.secret_sealed?.includes(secret), false);
    const audit = await h.runtime.database.db.selectFrom('audit_events').select('data').execute();
    assert.equal(
      audit.some((a) => String(a.data ?? '').includes(secret)),
      false,
    );
  });
}

describe('operator second factor: SQLite', () => secondFactorSuite('sqlite'));
describe('operator second factor: PostgreSQL', { skip: await postgresSkip() }, () =>
  secondFactorSuite('postgres'),
);
