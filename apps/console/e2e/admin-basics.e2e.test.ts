/**
 * Admin basics in a real browser: confirmations before revoking an API key or disabling an
 * operator (Escape cancels), copy buttons for secrets shown once with a confirmation screen
 * readers hear, and the own password (changed by choice, and forced after a generated one).
 * Screenshots in English and German at 390 and 1280 px go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import { startTestOidcProvider } from '../../../packages/server/src/test-support/stand-ins/test-oidc-provider.ts';
import {
  browserSuite,
  chromiumSkip,
  openAdminPage,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

async function allowClipboard(page: Page, baseUrl: string): Promise<void> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
}

const clipboardText = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

describe('admin basics: confirmations and secrets shown once', { skip }, () => {
  const suite = browserSuite();

  it('revoking an API key asks first; Escape and Cancel keep the key; the secret copies with an announced confirmation', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await allowClipboard(page, suite.world.h.baseUrl);
    await openAdminPage(page, 'API keys');
    await page.getByLabel('Name', { exact: true }).fill('Salesforce');
    await page.getByRole('checkbox', { name: 'customers:read' }).check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent()) ?? '';
    assert.match(secret, /^hda_key_/);

    await page.getByRole('button', { name: 'Copy API key' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' });
    await status.waitFor();
    assert.equal(await clipboardText(page), secret, 'the clipboard holds exactly the key');
    await screenshot(page, '60-api-key-copied');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Close' }).click();

    const keyWorks = async () =>
      (
        await fetch(`${suite.world.h.baseUrl}/v1/customers?limit=1`, {
          headers: { authorization: `Bearer ${secret}` },
        })
      ).status;
    assert.equal(await keyWorks(), 200);

    const revoke = page.getByRole('button', { name: 'Revoke: Salesforce' });
    await revoke.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the API key “Salesforce”?' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /stops working at once/);
    // The focus starts on Cancel, so a habitual Enter does not revoke.
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
    await screenshot(page, '61-revoke-confirm');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'Revoke: Salesforce',
      'the focus is back on the button that opened the dialog',
    );
    assert.equal(await keyWorks(), 200, 'Escape revoked nothing');

    await revoke.click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await keyWorks(), 200, 'Cancel revoked nothing');

    await revoke.click();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('cell', { name: 'Revoked' }).waitFor();
    assert.equal(await keyWorks(), 401);
    await page.context().close();
  });

  it('disabling an operator asks first (Escape cancels); enabling does not; the generated password copies', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await allowClipboard(page, suite.world.h.baseUrl);
    await openAdminPage(page, 'Operators');
    await page.getByLabel('Name', { exact: true }).fill('Dora Disabled');
    await page.getByLabel('E-mail', { exact: true }).fill('dora@acme.example');
    await page.getByRole('button', { name: 'Invite operator' }).click();
    const password = (await page.getByTestId('operator-created').textContent()) ?? '';
    assert.match(password, /^[A-Za-z0-9]{6}(-[A-Za-z0-9]{6}){3}$/);
    await page.getByRole('button', { name: 'Copy initial password' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).waitFor();
    assert.equal(await clipboardText(page), password);

    const status = async () =>
      (await suite.world.h.runtime.services.operators.list(suite.world.tenant.id)).find(
        (o) => o.email === 'dora@acme.example',
      )?.status;
    await page.getByRole('button', { name: 'Disable: Dora Disabled' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disable Dora Disabled?' });
    await dialog.waitFor();
    await screenshot(page, '62-disable-confirm');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await status(), 'active');

    await page.getByRole('button', { name: 'Disable: Dora Disabled' }).click();
    await dialog.getByRole('button', { name: 'Disable operator' }).click();
    await page.getByRole('button', { name: 'Enable: Dora Disabled' }).waitFor();
    assert.equal(await status(), 'disabled');
    // Enabling gives access back and takes nothing away: no question.
    await page.getByRole('button', { name: 'Enable: Dora Disabled' }).click();
    await page.getByRole('button', { name: 'Disable: Dora Disabled' }).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0);
    assert.equal(await status(), 'active');
    await page.context().close();
  });

  it('German at 390 and 1280 px: the dialog and the copied confirmation', async () => {
    const page = await suite.page({ locale: 'de-DE' });
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-Mail').fill(suite.world.adminEmail);
    await page.getByLabel('Passwort').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Anrufer finden' }).waitFor();
    await allowClipboard(page, suite.world.h.baseUrl);
    await openAdminPage(page, 'API-Schlüssel');
    await page.getByLabel('Name', { exact: true }).fill('Zendesk DE');
    await page.getByRole('checkbox', { name: 'customers:read' }).check();
    await page.getByRole('button', { name: 'API-Schlüssel erstellen' }).click();
    await page.getByRole('button', { name: 'API-Schlüssel kopieren' }).click();
    await page.getByRole('status').filter({ hasText: 'In die Zwischenablage kopiert.' }).waitFor();
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await screenshot(page, `63-api-key-copied-de-${width}`);
    }
    await page.getByRole('button', { name: 'Widerrufen: Zendesk DE' }).click();
    await page.getByRole('dialog', { name: 'API-Schlüssel „Zendesk DE“ widerrufen?' }).waitFor();
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await screenshot(page, `64-revoke-confirm-de-${width}`);
    }
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.context().close();
  });

  it('a generated password: the first sign-in shows only "Choose your own password", with its rules told on the fields', async () => {
    const { operators } = suite.world.h.runtime.services;
    const { generatedPassword } = await operators.create(
      suite.world.tenant.id,
      { email: 'fresh@acme.example', displayName: 'Fred Fresh', role: 'agent' },
      cliActor,
    );
    const page = await suite.page();
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-mail').fill('fresh@acme.example');
    await page.getByLabel('Password').fill(generatedPassword!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose your own password' }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').count(), 0);
    // Another screen's address still shows the change: nothing else is offered.
    await page.goto(`${suite.world.h.baseUrl}/console/#/history`);
    await page.getByRole('heading', { level: 1, name: 'Choose your own password' }).waitFor();
    await screenshot(page, '65-forced-password');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    const current = page.getByLabel('Current password');
    const next = page.getByLabel('New password', { exact: true });
    const repeat = page.getByLabel('New password again');
    const submit = page.getByRole('button', { name: 'Change password' });
    const focusedName = () => page.evaluate(() => document.activeElement?.getAttribute('name'));

    await current.fill(generatedPassword!);
    await next.fill('too short');
    await submit.click();
    await page.getByText('The new password needs at least 15 characters.').first().waitFor();
    assert.equal(await next.getAttribute('aria-invalid'), 'true');
    assert.equal(await focusedName(), 'newPassword');
    await screenshot(page, '66-forced-password-problem');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await next.fill('a calm river under old bridges');
    await repeat.fill('a calm river under old bridge');
    await submit.click();
    await page.getByText('The two new passwords are not the same.').first().waitFor();
    assert.equal(await focusedName(), 'repeat');

    await current.fill('not the password at all');
    await repeat.fill('a calm river under old bridges');
    await submit.click();
    await page.getByText('The current password is not right.').first().waitFor();
    assert.equal(await focusedName(), 'currentPassword');

    // A rule only the server knows: its sentence on the new password's field.
    await current.fill(generatedPassword!);
    await next.fill('passwordpassword');
    await repeat.fill('passwordpassword');
    await submit.click();
    await page
      .getByText(/The server refused the new password: That password is too common/)
      .first()
      .waitFor();

    await next.fill('a calm river under old bridges');
    await repeat.fill('a calm river under old bridges');
    await submit.click();
    await page.getByTestId('password-changed').waitFor();
    const fred = (await operators.list(suite.world.tenant.id)).find((o) => o.email === 'fresh@acme.example');
    assert.equal(fred?.passwordChangeRequired, false);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-mail').fill('fresh@acme.example');
    await page.getByLabel('Password').fill('a calm river under old bridges');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in with their own password: the screen asked for earlier, and the whole menu.
    await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    assert.deepEqual(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(),
      ['Find caller', 'History', 'Practice'],
    );
    await page.context().close();
  });

  it('any operator changes their own password from the name in the header; German at 390 and 1280 px', async () => {
    await suite.world.h.runtime.services.operators.create(
      suite.world.tenant.id,
      {
        email: 'petra@acme.example',
        displayName: 'Petra Passwort',
        role: 'supervisor',
        password: 'the first chosen passphrase',
      },
      cliActor,
    );
    const page = await suite.page({ locale: 'de-DE' });
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-Mail').fill('petra@acme.example');
    await page.getByLabel('Passwort').fill('the first chosen passphrase');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Anrufer finden' }).waitFor();
    await page.getByRole('link', { name: /Petra Passwort/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Passwort ändern' }).waitFor();
    await page.getByLabel('Aktuelles Passwort').fill('the first chosen passphrase');
    await page.getByLabel('Neues Passwort', { exact: true }).fill('kurz');
    await page.getByRole('button', { name: 'Passwort ändern' }).click();
    await page.getByText('Das neue Passwort braucht mindestens 15 Zeichen.').first().waitFor();
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await screenshot(page, `67-change-password-de-${width}`);
    }
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByLabel('Neues Passwort', { exact: true }).fill('the second chosen passphrase');
    await page.getByLabel('Neues Passwort wiederholen').fill('the second chosen passphrase');
    await page.getByRole('button', { name: 'Passwort ändern' }).click();
    await page.getByTestId('password-changed').waitFor();
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await screenshot(page, `68-password-changed-de-${width}`);
    }
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.context().close();
  });

  it('SCIM token: created for the identity provider, shown once with a copy button, works only for SCIM, revoked after a confirmation', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await allowClipboard(page, suite.world.h.baseUrl);
    await openAdminPage(page, 'API keys');
    await page.getByLabel('Name of the identity provider').fill('Entra ID');
    await page.getByRole('button', { name: 'Create SCIM token' }).click();
    const token = (await page.getByTestId('scim-token').textContent()) ?? '';
    assert.match(token, /^hda_key_/);
    await page.getByRole('button', { name: 'Copy SCIM token' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).first().waitFor();
    assert.equal(await clipboardText(page), token);
    await page.getByRole('button', { name: 'Copy SCIM base URL' }).click();
    assert.equal(await clipboardText(page), `${suite.world.h.baseUrl}/scim/v2`);
    await page.getByRole('cell', { name: 'scim', exact: true }).waitFor();
    await screenshot(page, '69-scim-token');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    const call = (path: string) =>
      fetch(`${suite.world.h.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call('/scim/v2/Users')).status, 200);
    assert.equal((await call('/v1/customers')).status, 403, 'the token provisions and does nothing else');

    await page.getByRole('button', { name: 'Revoke: Entra ID' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke the API key “Entra ID”?' })
      .getByRole('button', { name: 'Revoke key' })
      .click();
    await page.waitForFunction(
      () =>
        ![...document.querySelectorAll('button')].some(
          (b) => b.getAttribute('aria-label') === 'Revoke: Entra ID',
        ),
    );
    assert.equal((await call('/scim/v2/Users')).status, 401);
    await page.context().close();
  });

  it('OpenID clients: registered with a secret shown once, refused with the server’s sentence, new secret and revocation after a confirmation', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await allowClipboard(page, suite.world.h.baseUrl);
    await openAdminPage(page, 'API keys');
    const section = page.getByRole('region', { name: 'OpenID clients (CIBA)' });
    await section.getByLabel('Name shown to the customer').fill('Online Banking');
    await section.getByLabel('Result delivery').selectOption('ping');
    await section.getByLabel('Notification endpoint (https)').fill('http://bank.example/ciba');
    await section.getByRole('button', { name: 'Register OpenID client' }).click();
    await section.getByRole('alert').filter({ hasText: 'The client was not registered: ' }).waitFor();
    await screenshot(page, '69b-oidc-client-refused');
    await section.getByLabel('Result delivery').selectOption('poll');
    await section.getByRole('button', { name: 'Register OpenID client' }).click();
    const first = (await page.getByTestId('oidc-secret').textContent()) ?? '';
    assert.ok(first.length >= 32, 'a long random secret');
    await section.getByRole('button', { name: 'Copy client secret' }).click();
    assert.equal(await clipboardText(page), first);
    const [client] = (await suite.world.h.runtime.services.oidcClients.list(suite.world.tenant.id)).filter(
      (c) => c.name === 'Online Banking',
    );
    assert.ok(client);
    await section.getByRole('cell', { name: client.id }).waitFor();
    await screenshot(page, '69c-oidc-client');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await section.getByRole('button', { name: 'New secret: Online Banking' }).click();
    const rotate = page.getByRole('dialog', { name: 'Issue a new secret for “Online Banking”?' });
    await page.keyboard.press('Escape');
    await rotate.waitFor({ state: 'hidden' });
    await section.getByRole('button', { name: 'New secret: Online Banking' }).click();
    await rotate.getByRole('button', { name: 'New secret' }).click();
    await page.waitForFunction((previous) => {
      const text = document.querySelector('[data-testid="oidc-secret"]')?.textContent ?? '';
      return text !== '' && text !== previous;
    }, first);
    await section.getByRole('button', { name: 'Revoke: Online Banking' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke the OpenID client “Online Banking”?' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await section.getByRole('cell', { name: 'Revoked' }).waitFor();
    assert.equal(
      (await suite.world.h.runtime.services.oidcClients.get(suite.world.tenant.id, client.id)).status,
      'revoked',
    );
    await page.context().close();
  });

  it('single sign-on: configured in Settings with the server’s refusals shown, the redirect URI copied, then offered at sign-in', async () => {
    const redirectUri = `${suite.world.h.baseUrl}/v1/auth/oidc/${suite.world.tenant.slug}/callback`;
    const idp = await startTestOidcProvider({ redirectUris: [redirectUri] });
    try {
      const page = await suite.page({ signInAs: 'admin' });
      await allowClipboard(page, suite.world.h.baseUrl);
      await openAdminPage(page, 'Settings');
      const section = page.getByRole('region', { name: 'Single sign-on for operators' });
      await section.getByLabel('Issuer URL (https)').fill('http://127.0.0.1:9/');
      await section.getByLabel('Client ID').fill(idp.clientId);
      await section.getByLabel('Client secret').fill(idp.clientSecret);
      await section.getByLabel(/Group to role/).fill('hd-agents agent');
      await section.getByRole('button', { name: 'Save single sign-on' }).click();
      await section.getByRole('alert').filter({ hasText: 'Each line of the group mapping is' }).waitFor();
      await section.getByLabel(/Group to role/).fill('hd-agents = agent');
      await section.getByRole('button', { name: 'Save single sign-on' }).click();
      await section.getByRole('alert').filter({ hasText: 'Not saved: ' }).waitFor();
      await screenshot(page, '69d-sso-refused');
      await section.getByLabel('Issuer URL (https)').fill(idp.issuer);
      await section.getByRole('button', { name: 'Save single sign-on' }).click();
      await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await section.getByText(redirectUri).waitFor();
      await section.getByRole('button', { name: 'Copy redirect URI' }).click();
      assert.equal(await clipboardText(page), redirectUri);
      assert.match(
        await section.getByLabel(/New client secret/).inputValue(),
        /^$/,
        'the secret is never shown back',
      );
      await screenshot(page, '69e-sso-saved');
      assert.deepEqual(await seriousAccessibilityViolations(page), []);
      const options = await page.evaluate(
        async (slug) => (await fetch(`/v1/auth/sign-in-options?tenant=${slug}`)).json(),
        suite.world.tenant.slug,
      );
      assert.ok((options as { sso: unknown }).sso, 'the sign-in page offers single sign-on now');
      await page.context().close();
    } finally {
      await idp.close();
    }
  });

  it('Keycloak channel: configured with its channel URL to copy, removed after a confirmation', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await allowClipboard(page, suite.world.h.baseUrl);
    await openAdminPage(page, 'API keys');
    const section = page.getByRole('region', { name: 'Keycloak authentication channel' });
    await section.getByLabel('Keycloak base URL').fill('https://login.acme.example');
    await section.getByLabel('Realm', { exact: true }).fill('customers');
    await section.getByLabel('Name shown on the customer’s phone').fill('Acme Online Banking');
    await section.getByRole('button', { name: 'Save Keycloak channel' }).click();
    await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await section.getByRole('button', { name: 'Copy channel URL' }).click();
    const channelUrl = await clipboardText(page);
    assert.ok(channelUrl.startsWith(suite.world.h.baseUrl), channelUrl);
    await section.getByText(channelUrl).waitFor();
    await screenshot(page, '69f-keycloak-channel');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await section.getByRole('button', { name: 'Remove channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the Keycloak channel?' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const stillThere = await page.evaluate(async () => (await fetch('/v1/keycloak-channel')).status);
    assert.equal(stillThere, 200, 'Escape removed nothing');
    await section.getByRole('button', { name: 'Remove channel' }).click();
    await dialog.getByRole('button', { name: 'Remove channel' }).click();
    await section.getByRole('status').filter({ hasText: 'The Keycloak channel was removed.' }).waitFor();
    assert.equal(await page.evaluate(async () => (await fetch('/v1/keycloak-channel')).status), 404);
    await page.context().close();
  });
});
