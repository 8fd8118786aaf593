/**
 * Settings, "Push to your apps", and the test push on a customer's device, in a real browser
 * against a real server: an admin sets the tenant's FCM key file and APNs key, sees only what
 * identifies them, gets the server's reason for a bad file, and an agent's device list offers a
 * test push whose outcome is shown. English and German, 1280 and 390 px wide, checked with
 * axe-core; screenshots go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  openAdminPage,
  openCustomerBySearch,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const serviceAccount = JSON.stringify({
  type: 'service_account',
  project_id: 'acme-bank-app',
  private_key_id: '8f2c1d0e',
  private_key: rsa,
  client_email: 'helpdesk-push@acme-bank-app.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
});

async function openSettings(page: Page, name: string) {
  await openAdminPage(page, name);
  await page.getByTestId('push-credentials').waitFor();
}

describe('agent console: push credentials and the test push', { skip }, () => {
  const suite = browserSuite();

  it('admin: sets the FCM key file and the APNs key, sees only what identifies them, gets a bad file refused', async () => {
    const page = await suite.page({ signInAs: 'admin', height: 1400 });
    await openSettings(page, 'Settings');
    const section = page.getByTestId('push-credentials');
    await section.getByRole('heading', { name: 'Push to your apps' }).waitFor();
    assert.equal(
      await section.getByText('Not set: devices of this kind cannot be reached by push.').count(),
      2,
    );

    // A file that is not a service account: the server's reason, which names the field only.
    await section.getByLabel('Or paste its contents').first().fill('{"type": "authorized_user"}');
    await section.getByRole('button', { name: 'Save FCM credentials' }).click();
    const refused = section.getByRole('alert');
    await refused.waitFor();
    assert.match(
      (await refused.textContent()) ?? '',
      /These credentials cannot be used: "type" must be "service_account"/,
    );

    await section.getByLabel('Or paste its contents').first().fill(serviceAccount);
    await section.getByRole('button', { name: 'Save FCM credentials' }).click();
    const fcm = section.getByTestId('fcm-summary');
    await fcm.waitFor();
    assert.match(
      (await fcm.textContent()) ?? '',
      /acme-bank-app.*helpdesk-push@acme-bank-app\.iam\.gserviceaccount\.com.*8f2c1d0e/,
    );
    assert.equal(
      await section.getByLabel('Or paste its contents').first().inputValue(),
      '',
      'the key is not kept in the form',
    );

    await section.getByLabel('Team ID').fill('A1B2C3D4E5');
    await section.getByLabel('Key ID').fill('KEY987654Z');
    await section.getByLabel('Bundle ID of the app').fill('com.acme.bank');
    await section.getByLabel('Default environment').selectOption('sandbox');
    await section.getByLabel('Or paste its contents').nth(1).fill(ec);
    await section.getByRole('button', { name: 'Save APNs key' }).click();
    const apns = section.getByTestId('apns-summary');
    await apns.waitFor();
    assert.match((await apns.textContent()) ?? '', /A1B2C3D4E5.*KEY987654Z.*com\.acme\.bank.*Sandbox/);
    assert.doesNotMatch((await page.content()) ?? '', /PRIVATE KEY/);
    await screenshot(page, '60-push-credentials');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.setViewportSize({ width: 390, height: 1800 });
    await screenshot(page, '61-push-credentials-narrow');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await section.getByRole('heading', { name: 'Push an Ihre Apps' }).waitFor();
    await screenshot(page, '62-push-credentials-de-narrow');
    await page.setViewportSize({ width: 1280, height: 1400 });
    await screenshot(page, '63-push-credentials-de');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('banner').getByLabel('Sprache').selectOption('en');
    await page.context().close();
  });

  it('agent with devices:write: a test push shows what the push service answered', async () => {
    const { h, tenant } = suite.world;
    const customerId = await createCustomer(suite.world, {
      displayName: 'Tina Test',
      externalId: 'CUST-6001',
    });
    const activation = await h.runtime.services.devices.createActivation(tenant.id, customerId, {
      type: 'system',
      id: null,
    });
    // An iPhone with an APNs token, enrolled by the raw protocol (the SDK's own tests cover its side).
    const { enrollTestDevice } = await import('../../../packages/server/src/test-support/test-device.ts');
    await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: activation.code,
      now: () => Date.now(),
      label: 'iPhone 16',
      push: { kind: 'apns', token: 'ab'.repeat(32), environment: 'production' },
    });
    await h.runtime.services.pushCredentials
      .remove(tenant.id, 'apns', { type: 'system', id: null })
      .catch(() => {});

    const page = await suite.page({ signInAs: 'admin', height: 900 });
    await openCustomerBySearch(page, suite.world, 'Tina Test');
    const button = page.getByRole('button', { name: 'Send test push to iPhone 16' });
    await button.click();
    const result = page.getByTestId('test-push-result');
    await result.waitFor();
    assert.equal(await result.textContent(), 'Test push failed: no APNs credentials for this tenant');
    assert.equal(await result.getAttribute('role'), 'alert');
    await screenshot(page, '64-test-push');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.setViewportSize({ width: 390, height: 1400 });
    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await page.getByRole('button', { name: 'Test-Push senden an iPhone 16' }).click();
    await page.getByText('Test-Push fehlgeschlagen: no APNs credentials for this tenant').waitFor();
    await screenshot(page, '65-test-push-de-narrow');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('banner').getByLabel('Sprache').selectOption('en');
    await page.context().close();
  });
});
