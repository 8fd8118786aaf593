/**
 * Operators' second factor in a real browser: the admin requires it in Settings, an operator sets
 * up an authenticator app at the next sign-in (QR code, copyable key, a first code), the code is
 * asked for after the password from then on, and an admin resets it after a lost phone; a passkey
 * created and used with Chromium's virtual authenticator (CDP WebAuthn domain).
 * Screenshots in English and German at 390 and 1280 px go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  seedFromBase32,
  totpCodeForStep,
  totpStep,
} from '../../../packages/server/src/features/methods/index.ts';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  startTestHarness,
  type TestHarness,
  testPassword,
} from '../../../packages/server/src/test-support/harness.ts';
import { ensureConsoleBuilt } from '../scripts/ensure-built.ts';
import {
  browserSuite,
  chromiumSkip,
  executablePath,
  openAdminPage,
  screenshot,
  seriousAccessibilityViolations,
  skipTour,
} from './support.ts';

const skip = chromiumSkip();

/** The code the operator's app shows, `ahead` steps from now (the server accepts one either side). */
const codeFor = (secret: string, ahead = 0) =>
  totpCodeForStep(seedFromBase32(secret), totpStep(Date.now()) + ahead);

describe('operator second factor', { skip }, () => {
  const suite = browserSuite();
  let secret = '';

  async function signInWithPassword(page: Page, email: string, german = false) {
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel(german ? 'E-Mail' : 'E-mail').fill(email);
    await page.getByLabel(german ? 'Passwort' : 'Password').fill(testPassword);
    await page.getByRole('button', { name: german ? 'Anmelden' : 'Sign in' }).click();
  }

  it('the admin requires a second factor; an operator sets up an app before anything else', async () => {
    await suite.world.h.runtime.services.operators.create(
      suite.world.tenant.id,
      { email: 'mia@acme.example', displayName: 'Mia Factor', role: 'agent', password: testPassword },
      cliActor,
    );
    const admin = await suite.page({ signInAs: 'admin' });
    await openAdminPage(admin, 'Settings');
    await admin
      .getByLabel('Second factor for operators who sign in with a password')
      .selectOption('required');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(
      (await suite.world.h.runtime.services.tenants.get(suite.world.tenant.id)).operatorSecondFactor,
      'required',
    );
    await admin.context().close();

    const page = await suite.page();
    await signInWithPassword(page, 'mia@acme.example');
    await page.getByRole('heading', { level: 1, name: 'Set up a second factor' }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').count(), 0);
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code to add this account to an authenticator app' }).waitFor();
    secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await screenshot(page, '70-second-factor-setup');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    const field = page.getByLabel('Six-digit code');
    await field.fill('12345');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('A code is six digits.').waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    const wrong = String((Number(codeFor(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    await field.fill(wrong);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('That code is not right. Type the code your app shows now.').waitFor();
    await screenshot(page, '71-second-factor-wrong');
    await field.fill(codeFor(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { level: 1, name: 'Find the caller' }).waitFor();
    await page.context().close();
  });

  it('the code is asked for after the password; a used code is refused; German at 390 and 1280 px', async () => {
    const page = await suite.page({ locale: 'de-DE' });
    await signInWithPassword(page, 'mia@acme.example', true);
    await page
      .getByRole('heading', { level: 1, name: 'Code aus Ihrer Authenticator-App eingeben' })
      .waitFor();
    // The field has the focus: the operator types the digits and presses Enter.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'code');
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await screenshot(page, `72-second-factor-code-de-${width}`);
    }
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // Nothing else answers meanwhile, whatever the address says.
    const refused = await page.evaluate(async () => (await fetch('/v1/customers')).status);
    assert.equal(refused, 403);
    // One step ahead: the enrolment used the current step's code, and a code counts once.
    const code = codeFor(secret, 1);
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Anrufer finden' }).waitFor();

    const again = await suite.page();
    await signInWithPassword(again, 'mia@acme.example');
    await again.getByLabel('Six-digit code').fill(code);
    await again.getByRole('button', { name: 'Continue' }).click();
    await again.getByText('That code was used already. Wait for the next one.').waitFor();
    await screenshot(again, '73-second-factor-replayed');
    await again.context().close();
    await page.context().close();
  });

  it('a lost phone: the admin resets the factor after a confirmation; the operator sets up a new app', async () => {
    // The rule holds for admins too: Ada sets up her own app at this sign-in.
    const admin = await suite.page();
    await signInWithPassword(admin, suite.world.adminEmail);
    await admin.getByRole('button', { name: 'Set up authenticator app' }).click();
    const adminSecret = (await admin.getByTestId('totp-secret').textContent()) ?? '';
    await admin.getByLabel('Six-digit code').fill(codeFor(adminSecret));
    await admin.getByRole('button', { name: 'Confirm' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Find the caller' }).waitFor();
    await openAdminPage(admin, 'Operators');
    await admin.getByRole('button', { name: 'Reset second factor: Mia Factor' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Reset the second factor of Mia Factor?' });
    await dialog.waitFor();
    await screenshot(admin, '74-second-factor-reset-confirm');
    assert.deepEqual(await seriousAccessibilityViolations(admin), []);
    await dialog.getByRole('button', { name: 'Reset second factor' }).click();
    await admin
      .getByRole('status')
      .filter({ hasText: 'The second factor of Mia Factor was reset.' })
      .waitFor();
    await admin.context().close();

    const page = await suite.page();
    await signInWithPassword(page, 'mia@acme.example');
    await page.getByRole('heading', { level: 1, name: 'Set up a second factor' }).waitFor();
    await page.context().close();
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('operator passkey with a virtual authenticator', { skip }, () => {
  // WebAuthn needs a host name as its RP id (an IP address is refused): the server is addressed as
  // http://localhost:<port>, a secure context, which Chromium maps to the harness on 127.0.0.1.
  let h: TestHarness;
  let browser: Browser;
  let origin = '';
  let tenantSlug = '';

  before(async () => {
    ensureConsoleBuilt();
    const port = await freePort();
    origin = `http://localhost:${port}`;
    h = await startTestHarness('sqlite', { publicUrl: origin }, { realClock: true });
    await h.app.listen({ port, host: '127.0.0.1' });
    const tenant = await h.createTenant('acme');
    tenantSlug = tenant.slug;
    await h.runtime.services.operators.create(
      tenant.id,
      { email: 'pia@acme.example', displayName: 'Pia Passkey', role: 'agent', password: testPassword },
      cliActor,
    );
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('creates a passkey on the account page, then signs in with it after the password', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      bypassCSP: true,
    });
    await context.addInitScript(skipTour);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const signIn = async () => {
      await page.goto(`${origin}/console/`);
      await page.getByLabel('Organisation').fill(tenantSlug);
      await page.getByLabel('E-mail').fill('pia@acme.example');
      await page.getByLabel('Password').fill(testPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };
    await signIn();
    await page.getByRole('heading', { name: 'Find the caller' }).waitFor();
    await page.getByRole('link', { name: /Pia Passkey/ }).click();
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'The passkey is set up.' }).waitFor();
    await page.getByText('Passkeys set up: 1.').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator holds the new passkey');
    await screenshot(page, '75-passkey-added');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn();
    await page.getByRole('heading', { level: 1, name: 'Confirm with your passkey' }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Use passkey',
      'the passkey button has the focus: Enter confirms',
    );
    await screenshot(page, '76-passkey-sign-in');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // The password alone leads nowhere meanwhile.
    assert.equal(await page.evaluate(async () => (await fetch('/v1/customers')).status), 403);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Find the caller' }).waitFor();
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok((after[0]?.signCount ?? 0) >= 1, 'the authenticator signed');

    await context.close();
  });
});
