// Operator sign-in through Chromium against oidc-provider with its default claims settings, which
// keep the e-mail address and groups at the UserInfo endpoint (OpenID Connect Core 5.4).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import {
  startTestOidcProvider,
  type TestOidcProvider,
} from '../../../test-support/stand-ins/test-oidc-provider.ts';

const executablePath = '/usr/bin/chromium';

function chromiumSkip(): string | false {
  if (existsSync(executablePath)) return false;
  const why = `Chromium is not installed at ${executablePath}`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires the browser tests to run.`);
  return why;
}

const noBrowser = chromiumSkip();

for (const kind of databaseKinds) {
  describe(`operator single sign-on in Chromium, claims at UserInfo, on ${kind}`, {
    skip: noBrowser || (kind === 'postgres' ? await postgresSkip() : false),
  }, () => {
    let h: TestHarness;
    let idp: TestOidcProvider;
    let browser: Browser;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true, realClock: true });
      idp = await startTestOidcProvider({
        redirectUris: [`${h.baseUrl}/v1/auth/oidc/acme/callback`],
        conformIdTokenClaims: true,
      });
      browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    });
    after(async () => {
      await browser?.close();
      await idp?.close();
      await h?.close();
    });

    it('signs an operator in: the login and consent pages, the callback, and a session with the mapped role', async () => {
      const tenant = await h.tenantWithOperators('acme');
      const configured = await h.app.inject({
        method: 'PATCH',
        url: '/v1/tenant/sso',
        ...tenant.clients.admin!.auth(),
        payload: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          scopes: ['openid', 'email', 'profile', 'groups'],
          roleClaim: 'groups',
          roleMappings: [{ value: 'hd-agents', role: 'agent' }],
          jitProvisioning: true,
        },
      });
      assert.equal(configured.statusCode, 200, configured.body);
      idp.accounts.set('u-wes', { email: 'wes@corp.example', name: 'Wes Chromium', groups: ['hd-agents'] });

      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${h.baseUrl}/v1/auth/oidc/acme/start`);
        // oidc-provider's development login page, then its consent page.
        await page.locator('input[name="login"]').fill('u-wes');
        await page.locator('input[name="password"]').fill('any');
        await page.locator('button[type="submit"]').click();
        await page.locator('button[type="submit"]').click();
        await page.waitForURL((url) => url.pathname.startsWith('/console'));
        assert.equal(new URL(page.url()).hash, '', 'no #ssoError');
        const session = await context.request.get(`${h.baseUrl}/v1/auth/session`);
        assert.equal(session.status(), 200, await session.text());
        const body = (await session.json()) as {
          operator: { email: string; role: string; displayName: string };
        };
        assert.deepEqual(
          [body.operator.email, body.operator.role, body.operator.displayName],
          ['wes@corp.example', 'agent', 'Wes Chromium'],
        );
        assert.ok(idp.userInfoRequests() >= 1, 'the claims came from UserInfo');
      } finally {
        await context.close();
      }
    });
  });
}
