/**
 * The authenticator's "Code for the agent" with the network off: a phone enrolled in headless
 * Chromium goes offline (the browser context's offline mode), reloads the installed app from its
 * service worker, and shows the offline code and the seconds left; the agent's check accepts that
 * code once. Screenshots in English and German, 390 and 1280 pixels wide.
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

describe('authenticator offline code in Chromium', { skip: chromiumSkip(), timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser | undefined;
  let phone: Device;
  let page: Page;
  let customerId: string;

  before(async () => {
    server = await startServer();
    const customer = await server.api<{ id: string }>('POST', '/v1/customers', {
      displayName: 'Olga Offline',
    });
    assert.equal(customer.status, 201);
    customerId = customer.body.id;
    browser = await launchBrowser();
    phone = await openDevice(browser, server.origin);
    page = phone.page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function shownCode(on: Page): Promise<{ code: string; seconds: number }> {
    const digits = on.locator('.offline-code-digits');
    await digits.waitFor(timeout);
    const code = (await digits.getAttribute('data-code')) ?? '';
    const timer = ((await on.locator('.offline-code-timer').textContent()) ?? '').match(/(\d+)\s*s/);
    return { code, seconds: Number(timer?.[1]) };
  }

  it('enrolls, then shows the code for the agent with the network off, from the installed app', async () => {
    const activation = await server.api<{ link: string }>('POST', `/v1/customers/${customerId}/activations`);
    assert.equal(activation.status, 201);
    await page.goto(activation.body.link);
    await page.getByRole('heading', { name: 'Set up this device' }).waitFor(timeout);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Allow notifications' }).waitFor(timeout);
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('heading', { name: 'Set up the unlock' }).waitFor({ timeout: 40_000 });
    await page.getByRole('button', { name: 'Set up unlock' }).click();
    await page.getByRole('heading', { name: 'You are set up with Acme Bank' }).waitFor(timeout);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'Requests' }).waitFor(timeout);
    // The service worker has the shell cached once it controls the page.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, timeout);

    await phone.context.setOffline(true);
    await page.getByText('You are offline').waitFor(timeout);
    await page.getByRole('button', { name: 'Show the code for the agent' }).click();
    await page.getByRole('heading', { name: 'Code for the agent' }).waitFor(timeout);
    const first = await shownCode(page);
    assert.match(first.code, /^[0-9]{6}$/);
    assert.ok(first.seconds >= 1 && first.seconds <= 30, `seconds left: ${first.seconds}`);
    assert.equal(
      await page.locator('.offline-code-digits [aria-hidden="true"]').textContent(),
      `${first.code.slice(0, 3)} ${first.code.slice(3)}`,
    );

    // A reload with no network at all: the installed app opens from its cache and still shows it.
    await page.reload();
    await page.getByRole('heading', { name: 'Code for the agent' }).waitFor(timeout);
    const again = await shownCode(page);
    assert.match(again.code, /^[0-9]{6}$/);
    await checkAccessibility(page, 'the offline code');

    // The countdown moves, every second.
    await page.waitForTimeout(1_500);
    const later = await shownCode(page);
    assert.ok(later.seconds !== again.seconds || later.code !== again.code, 'the countdown moves');

    for (const [language, label] of [
      ['en', 'English'],
      ['de', 'Deutsch'],
    ] as const) {
      await page.locator('header select').selectOption({ label });
      await page
        .getByRole('heading', {
          name: language === 'en' ? 'Code for the agent' : 'Code für den Kundenservice',
        })
        .waitFor(timeout);
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
        await screenshot(page, `offline-code-${language}-${width}`);
      }
      await checkAccessibility(page, `the offline code in ${language}`);
      await page.locator('header select').selectOption({ label: 'English' });
    }
    await page.setViewportSize({ width: 360, height: 640 });

    // The agent, online, checks what the phone shows now: accepted once, then refused as a replay.
    const now = await shownCode(page);
    const check = (code: string) =>
      server.api<{ method?: string; error?: { code: string } }>(
        'POST',
        `/v1/customers/${customerId}/app-code/verify`,
        { code, action: 'verify_caller' },
      );
    const accepted = await check(now.code);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.method, 'app_code');
    const replay = await check(now.code);
    assert.equal(replay.body.error?.code, 'CODE_REPLAYED');
    await phone.context.setOffline(false);
  });

  it('a phone enrolled before offline codes sets the code up once, online', async () => {
    // As before offline codes: no secret on the server, none in the app's IndexedDB.
    await server.h.runtime.database.db
      .deleteFrom('device_offline_secrets')
      .where('customer_id', '=', customerId)
      .execute();
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('helpdesk-auth-device', 1);
          open.onsuccess = () => {
            const tx = open.result.transaction('device', 'readwrite');
            tx.objectStore('device').delete('offline-secret');
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    await page.goto(`${server.origin}/app/code`);
    await page.getByRole('heading', { name: 'Code for the agent' }).waitFor(timeout);
    await page.getByText('This device has no code for the agent yet').waitFor(timeout);
    await checkAccessibility(page, 'the code not set up yet');
    await page.getByRole('button', { name: 'Set up the code' }).click();
    const { code } = await shownCode(page);
    assert.match(code, /^[0-9]{6}$/);
    const accepted = await server.api<{ method?: string }>(
      'POST',
      `/v1/customers/${customerId}/app-code/verify`,
      {
        code,
        action: 'verify_caller',
      },
    );
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  });
});
