/**
 * An announced call reaching a closed app by Web Push: the notification names nothing personal
 * and opens the call screen, which shows the notice only once the device SDK verified it; when
 * the agent ends the call, the open screen says so at once (live channel).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  checkAccessibility,
  checkFitsScreen,
  chromiumSkip,
  type Device,
  launchBrowser,
  openDevice,
  type Server,
  screenshot,
  startServer,
} from './support.ts';

const timeout = { timeout: 15_000 };

/** What the test uses of the service worker's global scope (this file is typed for pages). */
interface WorkerScope {
  registration: { getNotifications(): Promise<Notification[]> };
  dispatchEvent(event: Event): boolean;
  NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
}

describe('a call notice by Web Push', { skip: chromiumSkip(), timeout: 180_000 }, () => {
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

  it('shows a notification without personal data that opens the verified notice; ending it shows at once', async () => {
    // The app is closed: the tab shows another page of the same site.
    await page.goto(`${server.origin}/app/manifest.webmanifest`);
    const started = await server.api<{ id: string }>('POST', `/v1/customers/${customerId}/call-notices`, {
      reason: 'your card',
      team: 'Card Services',
      fromNumber: '+442079460000',
      mutualCode: 'none',
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const noticeId = started.body.id;

    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    phone.cdp.on('ServiceWorker.workerRegistrationUpdated', (event) =>
      registrations.push(...event.registrations),
    );
    await phone.cdp.send('ServiceWorker.enable');
    for (let i = 0; i < 50 && !registrations.some((r) => r.scopeURL === `${server.origin}/app/`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const registration = registrations.find((r) => r.scopeURL === `${server.origin}/app/` && !r.isDeleted);
    assert.ok(registration, 'the service worker is registered with scope /app/');
    await phone.cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.origin,
      registrationId: registration.registrationId,
      data: JSON.stringify({ type: 'call_notice', id: noticeId }),
    });

    const [worker] = phone.context.serviceWorkers();
    assert.ok(worker, 'the service worker runs');
    const notifications = await worker.evaluate(async (tag) => {
      const sw = self as unknown as WorkerScope;
      for (let i = 0; i < 150; i++) {
        const shown = (await sw.registration.getNotifications()).filter((n) => n.tag === tag);
        if (shown.length > 0)
          return shown.map((n) => ({ title: n.title, body: n.body, data: n.data as unknown }));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return [];
    }, noticeId);
    assert.equal(notifications.length, 1);
    const [shown] = notifications;
    assert.equal(shown?.title, 'Call notice');
    assert.deepEqual(shown?.data, { url: `${server.origin}/app/#call=${noticeId}` });
    // Who calls and why is shown only by the app, once it verified the signed notice.
    for (const personal of ['your card', 'Card Services', '+44', 'Alice', 'Acme']) {
      assert.ok(!`${shown?.title} ${shown?.body}`.includes(personal), `the notification shows ${personal}`);
    }

    await worker.evaluate(async (tag) => {
      const sw = self as unknown as WorkerScope;
      const [notification] = (await sw.registration.getNotifications()).filter((n) => n.tag === tag);
      sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: notification! }));
    }, noticeId);
    await page.waitForURL(`${server.origin}/app/#call=${noticeId}`, timeout);
    await page.getByRole('heading', { name: 'Acme Bank is calling you now' }).waitFor(timeout);
    assert.equal(
      await page.getByTestId('call-who').textContent(),
      `${await agentName(noticeId)} from Card Services, about your card`,
    );
    await page.getByTestId('call-verified').waitFor();
    // No mutual code: nothing to compare, only who is calling.
    assert.equal(await page.getByTestId('call-code').count(), 0);
    await checkAccessibility(page, 'the call notice opened from a notification');
    await checkFitsScreen(page, 'the call notice');
    await screenshot(page, '40-call-notice-from-push');

    // The agent hangs up and ends the call: the open screen stops vouching for the caller.
    const ended = await server.api('POST', `/v1/call-notices/${noticeId}/end`);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    await page.getByRole('heading', { name: 'The call has ended' }).waitFor(timeout);
    await checkAccessibility(page, 'the ended call');
    await screenshot(page, '41-call-ended');
    // Asked again now, the app says nobody is calling.
    await page.getByRole('button', { name: 'Check again' }).click();
    await page
      .getByRole('heading', { name: 'Nobody from Acme Bank is calling you right now' })
      .waitFor(timeout);
  });

  async function agentName(id: string): Promise<string> {
    const notice = await server.api<{ agent: { displayName: string } }>('GET', `/v1/call-notices/${id}`);
    return notice.body.agent.displayName;
  }
});
