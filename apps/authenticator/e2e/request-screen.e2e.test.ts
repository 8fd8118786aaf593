/**
 * The request screen on a common phone size (390x844, an iPhone 12 to 15) as a customer meets
 * it: the code field has the focus, so the customer types at once, and "Report fraud" is on
 * screen without scrolling, in English and German. And an iPhone in Safari, not opened from the
 * Home Screen, is told how push reaches it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  checkAccessibility,
  chromiumSkip,
  type Device,
  launchBrowser,
  openDevice,
  type Server,
  screenshot,
  startServer,
} from './support.ts';

const timeout = { timeout: 15_000 };
const iPhoneSafari =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('request screen on a 390x844 phone', { skip: chromiumSkip(), timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;
  let phone: Device;
  let page: Page;
  let customerId: string;

  before(async () => {
    server = await startServer();
    const customer = await server.api<{ id: string }>('POST', '/v1/customers', {
      displayName: 'Alice Example',
    });
    assert.equal(customer.status, 201);
    customerId = customer.body.id;
    browser = await launchBrowser();
    phone = await openDevice(browser, server.origin);
    page = phone.page;
    await page.setViewportSize({ width: 390, height: 844 });
    const activation = await server.api<{ link: string }>('POST', `/v1/customers/${customerId}/activations`);
    await page.goto(activation.body.link);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('button', { name: 'Later' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'Requests' }).waitFor(timeout);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function startVerification(reason: string) {
    const started = await server.api<{ id: string; code: string }>('POST', '/v1/verifications', {
      customerId,
      reason,
      agentName: 'Sam Carter',
      // The tallest request the screen shows: one confirming an action, with its summary.
      purpose: 'confirm_action',
      actionSummary: 'Change the phone number on file to +49 170 1234567',
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    return started.body;
  }

  for (const [language, texts] of [
    ['en', { title: 'Request from Acme Bank', fraud: 'Report fraud', code: 'Code the agent reads out' }],
    ['de', { title: 'Anfrage von Acme Bank', fraud: 'Betrug melden', code: 'Code, den' }],
  ] as const) {
    it(`${language}: the code field has the focus and "${texts.fraud}" is above the fold`, async () => {
      if (language === 'de') await page.getByLabel('Language').selectOption('de');
      const started = await startVerification(language === 'de' ? 'Kartensperre' : 'Card replacement');
      await page.getByRole('heading', { name: texts.title }).waitFor(timeout);
      const code = page.getByLabel(texts.code, { exact: false });
      await page.waitForFunction(() => document.activeElement?.id === 'code', undefined, timeout);
      // The focus is in the field: typing goes straight into it.
      await page.keyboard.type('1');
      assert.equal(await code.inputValue(), '1');
      await code.fill('');
      await page.screenshot({
        path: new URL(`../.test-artifacts/screenshots/30-request-390-${language}.png`, import.meta.url)
          .pathname,
      });
      const fraud = page.getByRole('button', { name: texts.fraud });
      const box = await fraud.boundingBox();
      assert.ok(box, 'the fraud button is shown');
      assert.ok(
        box.y + box.height <= 844,
        `"${texts.fraud}" ends at ${box.y + box.height} px, below the 844 px screen`,
      );
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'nothing scrolled to show it');
      await checkAccessibility(page, `the request screen (${language})`);
      await server.api('POST', `/v1/verifications/${started.id}/cancel`);
      await page.getByRole('link', { name: language === 'de' ? 'Anfragen' : 'Requests' }).click();
    });
  }

  it('tells an iPhone in Safari to add the app to the Home Screen for notifications, in English and German', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      userAgent: iPhoneSafari,
      locale: 'en-GB',
      bypassCSP: true,
    });
    const iphone = await context.newPage();
    const activation = await server.api<{ link: string }>('POST', `/v1/customers/${customerId}/activations`);
    await iphone.goto(activation.body.link);
    await iphone.getByRole('button', { name: 'Continue' }).click();
    await iphone.getByRole('heading', { name: 'Allow notifications' }).waitFor(timeout);
    const hint = iphone.getByTestId('home-screen-hint');
    await hint
      .getByRole('heading', { name: 'On iPhone and iPad: add this app to your Home Screen' })
      .waitFor();
    assert.match((await hint.textContent()) ?? '', /Add to Home Screen/);
    await checkAccessibility(iphone, 'the notification explanation on an iPhone');
    await screenshot(iphone, '31-home-screen-hint-en');
    await iphone.getByLabel('Language').selectOption('de');
    await hint
      .getByRole('heading', { name: 'Auf iPhone und iPad: diese App zum Home-Bildschirm hinzufügen' })
      .waitFor();
    await screenshot(iphone, '32-home-screen-hint-de');
    await context.close();
    // A phone that is no iPhone is not told.
    const android = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const other = await android.newPage();
    const second = await server.api<{ link: string }>('POST', `/v1/customers/${customerId}/activations`);
    await other.goto(second.body.link);
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.getByRole('heading', { name: 'Allow notifications' }).waitFor(timeout);
    assert.equal(await other.getByTestId('home-screen-hint').count(), 0);
    await android.close();
  });
});
