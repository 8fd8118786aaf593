/**
 * Operator sign-in with OpenID Connect against a real OpenID Provider (node-oidc-provider)
 * started by the test: the whole browser flow without a browser, role mapping, just-in-time
 * operators, and every way an answer can fail to belong to the sign-in that asked for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import {
  type IssuerDiscovery,
  startIssuerDiscovery,
} from '../../../test-support/stand-ins/issuer-discovery.ts';
import {
  type Browser,
  createBrowser,
  startTestOidcProvider,
  type TestOidcProvider,
} from '../../../test-support/stand-ins/test-oidc-provider.ts';
import { openSignInState, sealSignInState, ssoStateCookieName } from './operator-sso.ts';

interface SessionBody {
  operator: { id: string; email: string; displayName: string; role: string };
  tenant: { slug: string };
  permissions: string[];
  csrfToken: string;
}

for (const kind of databaseKinds) {
  describe(`operator single sign-on on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let idp: TestOidcProvider;
    let acme: TestTenant & { clients: Record<string, OperatorClient> };
    let globex: TestTenant & { clients: Record<string, OperatorClient> };

    const configure = (admin: OperatorClient, body: object) =>
      h.app.inject({ method: 'PATCH', url: '/v1/tenant/sso', ...admin.auth(), payload: body });

    before(async () => {
      // Real time: the provider signs ID tokens with the real clock, and the browser keeps cookies by it.
      h = await startTestHarness(kind, {}, { listen: true, realClock: true });
      acme = await h.tenantWithOperators('acme');
      globex = await h.tenantWithOperators('globex');
      idp = await startTestOidcProvider({
        redirectUris: ['acme', 'globex'].map((t) => `${h.baseUrl}/v1/auth/oidc/${t}/callback`),
      });
      for (const tenant of [acme, globex]) {
        const configured = await configure(tenant.clients.admin!, {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          scopes: ['openid', 'email', 'profile', 'groups'],
          roleClaim: 'groups',
          roleMappings: [
            { value: 'hd-admins', role: 'admin' },
            { value: 'hd-supervisors', role: 'supervisor' },
            { value: 'hd-agents', role: 'agent' },
          ],
          allowedDomains: ['corp.example', 'acme.example'],
          jitProvisioning: true,
          defaultRole: null,
        });
        assert.equal(configured.statusCode, 200, configured.body);
      }
    });
    after(async () => {
      await h?.close();
      await idp?.close();
    });

    async function ssoSignIn(browser: Browser, tenant: string, login: string) {
      const callbackPrefix = `${h.baseUrl}/v1/auth/oidc/${tenant}/callback`;
      const callbackUrl = await browser.signInUntil(
        `${h.baseUrl}/v1/auth/oidc/${tenant}/start`,
        login,
        callbackPrefix,
      );
      const stateCookie = (await browser.jar.getCookies(callbackUrl)).find(
        (c) => c.key === ssoStateCookieName,
      )?.value;
      const response = await browser.request(callbackUrl);
      return {
        callbackUrl,
        stateCookie,
        status: response.status,
        location: response.headers.get('location'),
      };
    }

    async function sessionOf(browser: Browser) {
      const response = await browser.request(`${h.baseUrl}/v1/auth/session`);
      return { status: response.status, body: (await response.json()) as SessionBody };
    }

    const operatorsOf = (tenantId: string, email: string) =>
      h.runtime.database.db
        .selectFrom('operators')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('email', '=', email)
        .execute();

    const auditActions = async (tenantId: string) =>
      (
        await h.runtime.database.db
          .selectFrom('audit_events')
          .select(['action', 'data'])
          .where('tenant_id', '=', tenantId)
          .orderBy('seq')
          .execute()
      ).map((r) => ({ action: r.action, data: JSON.parse(r.data) }));

    it('signs a new operator in, creating them just in time with the mapped role, and opens a real session', async () => {
      idp.accounts.set('u-ann', {
        email: 'Ann@corp.example',
        name: 'Ann Example',
        groups: ['staff', 'hd-agents'],
      });
      const browser = createBrowser();
      const outcome = await ssoSignIn(browser, 'acme', 'u-ann');
      assert.equal(outcome.status, 302);
      assert.equal(outcome.location, '/console/');

      const session = await sessionOf(browser);
      assert.equal(session.status, 200);
      assert.equal(session.body.operator.email, 'ann@corp.example');
      assert.equal(session.body.operator.displayName, 'Ann Example');
      assert.equal(session.body.operator.role, 'agent');
      assert.equal(session.body.tenant.slug, 'acme');
      assert.equal(typeof session.body.csrfToken, 'string');
      // The session cookie is the same kind as after a password sign-in: HttpOnly, SameSite=Strict.
      const cookies = await browser.jar.getCookies(`${h.baseUrl}/`);
      const sessionCookie = cookies.find((c) => c.key === 'hda_session')!;
      assert.equal(sessionCookie.httpOnly, true);
      assert.equal(sessionCookie.sameSite, 'strict');
      // A state-changing request needs the CSRF token, as for every session.
      const write = await browser.request(`${h.baseUrl}/v1/auth/sign-out`, { method: 'POST' });
      assert.equal(write.status, 403);

      const rows = await operatorsOf(acme.id, 'ann@corp.example');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.password_hash, null, 'an operator made by SSO has no password');
      const actions = await auditActions(acme.id);
      const created = actions.find((a) => a.action === 'operator.created' && a.data.via === 'oidc');
      assert.ok(created, 'the just-in-time creation is audited');
      assert.equal(created.data.role, 'agent');
      assert.ok(actions.some((a) => a.action === 'operator.signed_in' && a.data.method === 'oidc'));
      // The identity provider's user is nobody in the other tenant.
      assert.deepEqual(await operatorsOf(globex.id, 'ann@corp.example'), []);
      // The ID token said everything: UserInfo was not asked.
      assert.equal(idp.userInfoRequests(), 0);
    });

    it("changes the operator's role when their groups change, on the next sign-in", async () => {
      idp.accounts.set('u-bob', { email: 'bob@corp.example', groups: ['hd-agents'] });
      await ssoSignIn(createBrowser(), 'acme', 'u-bob');
      idp.accounts.set('u-bob', { email: 'bob@corp.example', groups: ['hd-agents', 'hd-supervisors'] });
      const browser = createBrowser();
      const outcome = await ssoSignIn(browser, 'acme', 'u-bob');
      assert.equal(outcome.location, '/console/');
      const session = await sessionOf(browser);
      // The first mapping the operator matches wins: supervisors come before agents.
      assert.equal(session.body.operator.role, 'supervisor');
      assert.ok(session.body.permissions.includes('customers:write'));
      assert.equal((await operatorsOf(acme.id, 'bob@corp.example')).length, 1, 'still the same operator');
      const changed = (await auditActions(acme.id)).find(
        (a) => a.action === 'operator.updated' && a.data.via === 'oidc' && a.data.role === 'supervisor',
      );
      assert.equal(changed?.data.previousRole, 'agent');
    });

    it('refuses a disabled operator and opens no session', async () => {
      idp.accounts.set('u-carl', { email: 'carl@corp.example', groups: ['hd-agents'] });
      await ssoSignIn(createBrowser(), 'acme', 'u-carl');
      const [carl] = await operatorsOf(acme.id, 'carl@corp.example');
      await h.runtime.services.operators.update(
        acme.id,
        carl!.id,
        { status: 'disabled' },
        { type: 'cli', id: null },
      );
      const browser = createBrowser();
      const outcome = await ssoSignIn(browser, 'acme', 'u-carl');
      assert.equal(outcome.location, '/console/#ssoError=SSO_ACCESS_DENIED');
      assert.equal((await sessionOf(browser)).status, 401);
      assert.ok(
        (await auditActions(acme.id)).some(
          (a) => a.action === 'operator.sso_refused' && a.data.reason === 'disabled',
        ),
      );
    });

    it('links an existing local operator by e-mail; their password keeps working', async () => {
      const local = await h.createOperator(acme, 'supervisor', 'dora@acme.example');
      idp.accounts.set('u-dora', { email: 'dora@acme.example', groups: ['hd-supervisors'] });
      const browser = createBrowser();
      await ssoSignIn(browser, 'acme', 'u-dora');
      const session = await sessionOf(browser);
      assert.equal(session.body.operator.id, local.id);
      const byPassword = await h.signIn(acme, 'dora@acme.example', testPassword);
      assert.equal(byPassword.operatorId, local.id);
    });

    it('refuses foreign domains, unverified addresses, and operators no mapping gives a role', async () => {
      idp.accounts.set('u-eve', { email: 'eve@elsewhere.example', groups: ['hd-admins'] });
      idp.accounts.set('u-fay', { email: 'fay@corp.example', emailVerified: false, groups: ['hd-admins'] });
      idp.accounts.set('u-gus', { email: 'gus@corp.example', groups: ['staff'] });
      for (const login of ['u-eve', 'u-fay', 'u-gus']) {
        const outcome = await ssoSignIn(createBrowser(), 'acme', login);
        assert.equal(outcome.location, '/console/#ssoError=SSO_ACCESS_DENIED', login);
      }
      for (const email of ['eve@elsewhere.example', 'fay@corp.example', 'gus@corp.example'])
        assert.deepEqual(await operatorsOf(acme.id, email), [], email);
      const reasons = (await auditActions(acme.id))
        .filter((a) => a.action === 'operator.sso_refused')
        .map((a) => a.data.reason);
      for (const reason of ['domain', 'email_unverified', 'no_role'])
        assert.ok(reasons.includes(reason), reason);

      // With a default role, the same operator gets in with that role.
      assert.equal((await configure(acme.clients.admin!, { defaultRole: 'auditor' })).statusCode, 200);
      const browser = createBrowser();
      await ssoSignIn(browser, 'acme', 'u-gus');
      assert.equal((await sessionOf(browser)).body.operator.role, 'auditor');
      // With mappings, the provider decides: a role set here is undone when the groups match no mapping.
      const [gus] = await operatorsOf(acme.id, 'gus@corp.example');
      const cli = { type: 'cli', id: null } as const;
      await h.runtime.services.operators.update(acme.id, gus!.id, { role: 'supervisor' }, cli);
      const again = createBrowser();
      await ssoSignIn(again, 'acme', 'u-gus');
      assert.equal((await sessionOf(again)).body.operator.role, 'auditor');
      // Without mappings (a provider with no groups), roles are managed here: the default is for creation only.
      const mappings = [
        { value: 'hd-admins', role: 'admin' },
        { value: 'hd-supervisors', role: 'supervisor' },
        { value: 'hd-agents', role: 'agent' },
      ];
      assert.equal((await configure(acme.clients.admin!, { roleMappings: [] })).statusCode, 200);
      await h.runtime.services.operators.update(acme.id, gus!.id, { role: 'supervisor' }, cli);
      const third = createBrowser();
      await ssoSignIn(third, 'acme', 'u-gus');
      assert.equal((await sessionOf(third)).body.operator.role, 'supervisor');
      assert.equal((await configure(acme.clients.admin!, { roleMappings: mappings })).statusCode, 200);
      assert.equal((await configure(acme.clients.admin!, { defaultRole: null })).statusCode, 200);
    });

    it('creates nobody when just-in-time creation is off', async () => {
      assert.equal((await configure(globex.clients.admin!, { jitProvisioning: false })).statusCode, 200);
      idp.accounts.set('u-hal', { email: 'hal@corp.example', groups: ['hd-admins'] });
      const outcome = await ssoSignIn(createBrowser(), 'globex', 'u-hal');
      assert.equal(outcome.location, '/console/#ssoError=SSO_ACCESS_DENIED');
      assert.deepEqual(await operatorsOf(globex.id, 'hal@corp.example'), []);
      assert.equal((await configure(globex.clients.admin!, { jitProvisioning: true })).statusCode, 200);
    });

    it('refuses an answer with a changed state, without the cookie, or used twice', async () => {
      idp.accounts.set('u-ida', { email: 'ida@corp.example', groups: ['hd-agents'] });
      const prefix = `${h.baseUrl}/v1/auth/oidc/acme/callback`;

      const tampered = createBrowser();
      const url = new URL(
        await tampered.signInUntil(`${h.baseUrl}/v1/auth/oidc/acme/start`, 'u-ida', prefix),
      );
      url.searchParams.set('state', 'forged-state');
      const forged = await tampered.request(url.href);
      assert.equal(forged.headers.get('location'), '/console/#ssoError=SSO_STATE_INVALID');

      const noCookie = createBrowser();
      const answer = await noCookie.signInUntil(`${h.baseUrl}/v1/auth/oidc/acme/start`, 'u-ida', prefix);
      const stranger = createBrowser();
      const withoutCookie = await stranger.request(answer);
      assert.equal(withoutCookie.headers.get('location'), '/console/#ssoError=SSO_STATE_INVALID');

      const browser = createBrowser();
      const first = await ssoSignIn(browser, 'acme', 'u-ida');
      assert.equal(first.location, '/console/');
      // Replay: the same answer with the same cookie, as an attacker who captured both would send it.
      const replayer = createBrowser();
      await replayer.jar.setCookie(
        `${ssoStateCookieName}=${first.stateCookie}; Path=/v1/auth/oidc/`,
        h.baseUrl,
      );
      const replayed = await replayer.request(first.callbackUrl);
      assert.equal(replayed.headers.get('location'), '/console/#ssoError=SSO_STATE_INVALID');
      assert.equal((await sessionOf(replayer)).status, 401);
    });

    it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
      idp.accounts.set('u-jan', { email: 'jan@corp.example', groups: ['hd-agents'] });
      const browser = createBrowser();
      const prefix = `${h.baseUrl}/v1/auth/oidc/acme/callback`;
      const answer = await browser.signInUntil(`${h.baseUrl}/v1/auth/oidc/acme/start`, 'u-jan', prefix);
      // Swap the nonce in the sealed cookie for another, keeping the state and PKCE verifier.
      const cookie = (await browser.jar.getCookies(answer)).find((c) => c.key === ssoStateCookieName)!;
      const state = openSignInState(h.runtime.encryptionKey, cookie.value)!;
      const resealed = sealSignInState(h.runtime.encryptionKey, { ...state, nonce: 'not-the-nonce-sent' });
      await browser.jar.setCookie(`${ssoStateCookieName}=${resealed}; Path=/v1/auth/oidc/`, h.baseUrl);
      const response = await browser.request(answer);
      assert.equal(response.headers.get('location'), '/console/#ssoError=SSO_FAILED');
      assert.equal((await sessionOf(browser)).status, 401);
      assert.deepEqual(await operatorsOf(acme.id, 'jan@corp.example'), []);
    });

    it('refuses an answer that claims another issuer, and a provider that describes another issuer', async () => {
      idp.accounts.set('u-kim', { email: 'kim@corp.example', groups: ['hd-agents'] });
      const browser = createBrowser();
      const prefix = `${h.baseUrl}/v1/auth/oidc/acme/callback`;
      const answer = new URL(
        await browser.signInUntil(`${h.baseUrl}/v1/auth/oidc/acme/start`, 'u-kim', prefix),
      );
      assert.equal(answer.searchParams.get('iss'), idp.issuer, 'the provider names itself (RFC 9207)');
      answer.searchParams.set('iss', 'https://attacker.example');
      const response = await browser.request(answer.href);
      assert.equal(response.headers.get('location'), '/console/#ssoError=SSO_FAILED');

      // A provider whose discovery document names an issuer other than the one configured.
      const impostor = await startTestOidcProvider({
        redirectUris: [`${h.baseUrl}/v1/auth/oidc/globex/callback`],
        announcedHost: 'localhost',
      });
      try {
        const reachedAs = impostor.issuer.replace('localhost', '127.0.0.1');
        // Saving it is refused: the discovery document is checked then.
        const configured = await configure(globex.clients.admin!, {
          issuer: reachedAs,
          clientId: impostor.clientId,
          clientSecret: impostor.clientSecret,
        });
        assert.equal(configured.statusCode, 422, configured.body);
        assert.equal(configured.json().error.code, 'SSO_PROVIDER_INVALID');
        assert.match(configured.json().error.message, /names another issuer/);
        const unreachable = await configure(globex.clients.admin!, { issuer: 'http://127.0.0.1:1/nobody' });
        assert.deepEqual(
          [unreachable.statusCode, unreachable.json().error.code],
          [422, 'SSO_PROVIDER_INVALID'],
        );
        const kept = await h.runtime.database.db
          .selectFrom('operator_sso_configs')
          .select(['issuer', 'updated_at'])
          .where('tenant_id', '=', globex.id)
          .executeTakeFirstOrThrow();
        assert.equal(kept.issuer, idp.issuer, 'nothing was saved');
        // A provider that changes what it says after the configuration was saved is refused at sign-in.
        await h.runtime.database.db
          .updateTable('operator_sso_configs')
          .set({ issuer: reachedAs, updated_at: kept.updated_at + 1 })
          .where('tenant_id', '=', globex.id)
          .execute();
        const start = await createBrowser().request(`${h.baseUrl}/v1/auth/oidc/globex/start`);
        assert.equal(start.status, 302);
        assert.equal(start.headers.get('location'), '/console/#ssoError=SSO_FAILED');
      } finally {
        await impostor.close();
        const restored = await configure(globex.clients.admin!, {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
        });
        assert.equal(restored.statusCode, 200);
      }
    });

    it("refuses an ID token whose signature does not verify with the provider's published keys", async () => {
      idp.accounts.set('u-max', { email: 'max@corp.example', groups: ['hd-agents'] });
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      // The same key id, another key: what a forged token would meet.
      idp.publishKeys([{ ...(await exportJWK(publicKey)), kid: 'test-key', use: 'sig', alg: 'RS256' }]);
      try {
        // A configuration change makes the server read the provider's metadata and keys afresh.
        assert.equal(
          (await configure(acme.clients.admin!, { scopes: ['openid', 'email', 'profile', 'groups'] }))
            .statusCode,
          200,
        );
        const browser = createBrowser();
        const outcome = await ssoSignIn(browser, 'acme', 'u-max');
        assert.equal(outcome.location, '/console/#ssoError=SSO_FAILED');
        assert.deepEqual(await operatorsOf(acme.id, 'max@corp.example'), []);
      } finally {
        idp.publishKeys(undefined);
      }
      assert.equal((await configure(acme.clients.admin!, { enabled: true })).statusCode, 200);
      const browser = createBrowser();
      assert.equal(
        (await ssoSignIn(browser, 'acme', 'u-max')).location,
        '/console/',
        'with the real keys it works',
      );
    });

    it("cannot be confused across tenants: one tenant's answer is refused at another's callback", async () => {
      idp.accounts.set('u-lea', { email: 'lea@corp.example', groups: ['hd-admins'] });
      const browser = createBrowser();
      const answer = await browser.signInUntil(
        `${h.baseUrl}/v1/auth/oidc/acme/start`,
        'u-lea',
        `${h.baseUrl}/v1/auth/oidc/acme/callback`,
      );
      // Same answer, same browser (its state cookie covers every tenant's callback path), other tenant.
      const redirected = answer.replace('/oidc/acme/', '/oidc/globex/');
      const response = await browser.request(redirected);
      assert.equal(response.headers.get('location'), '/console/#ssoError=SSO_STATE_INVALID');
      assert.equal((await sessionOf(browser)).status, 401);
      assert.deepEqual(await operatorsOf(globex.id, 'lea@corp.example'), []);
      assert.deepEqual(await operatorsOf(acme.id, 'lea@corp.example'), []);

      // Signed in properly to each, the same person is two operators, one per tenant.
      const inAcme = createBrowser();
      await ssoSignIn(inAcme, 'acme', 'u-lea');
      const inGlobex = createBrowser();
      await ssoSignIn(inGlobex, 'globex', 'u-lea');
      const a = (await sessionOf(inAcme)).body;
      const g = (await sessionOf(inGlobex)).body;
      assert.equal(a.tenant.slug, 'acme');
      assert.equal(g.tenant.slug, 'globex');
      assert.notEqual(a.operator.id, g.operator.id);
      // And the acme session reads only acme's data.
      const operators = await inAcme.request(`${h.baseUrl}/v1/operators`);
      const emails = ((await operators.json()) as { items: Array<{ email: string }> }).items.map(
        (o) => o.email,
      );
      assert.ok(emails.includes('admin@acme.example'));
      assert.ok(!emails.includes('admin@globex.example'));
    });
  });
}

for (const kind of databaseKinds) {
  describe(`operator single sign-on with the claims at UserInfo (oidc-provider's default) on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let idp: TestOidcProvider;
    let acme: TestTenant & { clients: Record<string, OperatorClient> };

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true, realClock: true });
      acme = await h.tenantWithOperators('acme');
      idp = await startTestOidcProvider({
        redirectUris: [`${h.baseUrl}/v1/auth/oidc/acme/callback`],
        conformIdTokenClaims: true,
      });
      const configured = await h.app.inject({
        method: 'PATCH',
        url: '/v1/tenant/sso',
        ...acme.clients.admin!.auth(),
        payload: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          scopes: ['openid', 'email', 'profile', 'groups'],
          roleClaim: 'groups',
          roleMappings: [{ value: 'hd-supervisors', role: 'supervisor' }],
          allowedDomains: ['corp.example'],
          jitProvisioning: true,
        },
      });
      assert.equal(configured.statusCode, 200, configured.body);
    });
    after(async () => {
      await h?.close();
      await idp?.close();
    });

    async function signIn(login: string) {
      const browser = createBrowser();
      const callback = await browser.signInUntil(
        `${h.baseUrl}/v1/auth/oidc/acme/start`,
        login,
        `${h.baseUrl}/v1/auth/oidc/acme/callback`,
      );
      const landed = await browser.request(callback);
      const session = await browser.request(`${h.baseUrl}/v1/auth/session`);
      return {
        location: landed.headers.get('location'),
        status: session.status,
        body: (await session.json()) as SessionBody,
      };
    }

    it('reads the e-mail address and the groups from UserInfo, and signs the operator in', async () => {
      idp.accounts.set('u-uma', { email: 'Uma@corp.example', name: 'Uma', groups: ['hd-supervisors'] });
      const before = idp.userInfoRequests();
      const outcome = await signIn('u-uma');
      assert.equal(outcome.location, '/console/');
      assert.equal(outcome.status, 200);
      assert.deepEqual(
        [outcome.body.operator.email, outcome.body.operator.role, outcome.body.operator.displayName],
        ['uma@corp.example', 'supervisor', 'Uma'],
      );
      assert.equal(idp.userInfoRequests(), before + 1);
      // UserInfo's unverified address is refused as the ID token's would be.
      idp.accounts.set('u-una', {
        email: 'una@corp.example',
        emailVerified: false,
        groups: ['hd-supervisors'],
      });
      const unverified = await signIn('u-una');
      assert.equal(unverified.location, '/console/#ssoError=SSO_ACCESS_DENIED');
    });

    it('refuses a UserInfo answer about another subject (OpenID Connect Core 5.3.2), and audits it', async () => {
      idp.accounts.set('u-vic', { email: 'vic@corp.example', groups: ['hd-supervisors'] });
      idp.forgeUserInfo({ sub: 'u-someone-else', email: 'boss@corp.example', groups: ['hd-supervisors'] });
      try {
        const outcome = await signIn('u-vic');
        assert.equal(outcome.location, '/console/#ssoError=SSO_FAILED');
        assert.equal(outcome.status, 401);
      } finally {
        idp.forgeUserInfo(undefined);
      }
      const rows = await h.runtime.database.db
        .selectFrom('operators')
        .select('email')
        .where('tenant_id', '=', acme.id)
        .where('email', 'in', ['vic@corp.example', 'boss@corp.example'])
        .execute();
      assert.deepEqual(rows, []);
      const failed = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('data')
        .where('tenant_id', '=', acme.id)
        .where('action', '=', 'operator.sso_failed')
        .execute();
      assert.ok(failed.some((r) => JSON.parse(r.data).reason === 'userinfo'));
    });
  });
}

describe('operator single sign-on configuration', () => {
  let h: TestHarness;
  let acme: TestTenant & { clients: Record<string, OperatorClient> };
  let discovery: IssuerDiscovery;

  before(async () => {
    h = await startTestHarness('sqlite');
    acme = await h.tenantWithOperators('acme');
    discovery = await startIssuerDiscovery();
  });
  after(async () => {
    await discovery?.close();
    await h?.close();
  });

  it('stores the client secret sealed, never shows it, and tells the console whether SSO is on', async () => {
    const before = await h.app.inject({ method: 'GET', url: '/v1/auth/sign-in-options?tenant=acme' });
    assert.deepEqual(before.json(), { password: true, sso: null });
    const secret = 'super-secret-client-credential-value';
    const first = await h.app.inject({
      method: 'PATCH',
      url: '/v1/tenant/sso',
      ...acme.clients.admin!.auth(),
      payload: { enabled: true },
    });
    assert.equal(first.statusCode, 409, 'the first configuration needs issuer, client id and secret');
    const saved = await h.app.inject({
      method: 'PATCH',
      url: '/v1/tenant/sso',
      ...acme.clients.admin!.auth(),
      payload: { issuer: discovery.issuer('login'), clientId: 'hd', clientSecret: secret },
    });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.equal(saved.body.includes(secret), false);
    assert.equal(saved.json().redirectUri, `${h.config.publicUrl}/v1/auth/oidc/acme/callback`);
    assert.deepEqual(saved.json().scopes, ['openid', 'email', 'profile']);
    assert.equal(saved.json().jitProvisioning, false, 'off unless the admin turns it on');
    const row = await h.runtime.database.db
      .selectFrom('operator_sso_configs')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(JSON.stringify(row).includes(secret), false, 'sealed at rest');
    const audit = await h.runtime.database.db.selectFrom('audit_events').select('data').execute();
    assert.equal(JSON.stringify(audit).includes(secret), false, 'not in the audit log');

    const options = await h.app.inject({ method: 'GET', url: '/v1/auth/sign-in-options?tenant=acme' });
    assert.deepEqual(options.json(), {
      password: true,
      sso: { startUrl: `${h.config.publicUrl}/v1/auth/oidc/acme/start` },
    });
    const unknown = await h.app.inject({ method: 'GET', url: '/v1/auth/sign-in-options?tenant=nobody' });
    assert.equal(unknown.statusCode, 404);
    const none = await h.app.inject({ method: 'GET', url: '/v1/auth/sign-in-options' });
    assert.equal(none.statusCode, 404);
  });

  it('lets only those with tenant:write change it, and refuses unsafe settings', async () => {
    const asAgent = await h.app.inject({
      method: 'PATCH',
      url: '/v1/tenant/sso',
      ...acme.clients.agent!.auth(),
      payload: { jitProvisioning: true },
    });
    assert.equal(asAgent.statusCode, 403);
    const asSupervisor = await h.app.inject({
      method: 'DELETE',
      url: '/v1/tenant/sso',
      ...acme.clients.supervisor!.auth(),
    });
    assert.equal(asSupervisor.statusCode, 403);
    for (const payload of [
      { issuer: 'http://login.example.com' },
      { issuer: 'not a url' },
      { scopes: ['email'] },
      { allowedDomains: ['not a domain'] },
    ]) {
      const response = await h.app.inject({
        method: 'PATCH',
        url: '/v1/tenant/sso',
        ...acme.clients.admin!.auth(),
        payload,
      });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().error.code, 'VALIDATION_FAILED');
    }
    const removed = await h.app.inject({
      method: 'DELETE',
      url: '/v1/tenant/sso',
      ...acme.clients.admin!.auth(),
    });
    assert.equal(removed.statusCode, 204);
    const start = await h.app.inject({ method: 'GET', url: '/v1/auth/oidc/acme/start' });
    assert.equal(start.statusCode, 404);
  });
});
