/**
 * Announcing a call from the widget inside a third-party ticketing page: the agent announces it
 * in the side panel, the customer's phone (the real device SDK) verifies the notice and confirms
 * the code the agent read out, the panel shows it live, and the host page hears
 * helpdesk-call-started, -confirmed and -ended with the customer and the notice, never the code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  type ConsoleWorld,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  launchBrowser,
  type SimulatedPhone,
  screenshot,
  seriousAccessibilityViolations,
  startConsoleWorld,
} from '../../../apps/console/e2e/support.ts';
import { type DemoHost, startDemoHost } from '../demo/host-server.ts';

const skip = chromiumSkip();
const timeout = { timeout: 15_000 };

type Heard = { type: string; detail: Record<string, unknown> };

describe('announced calls in the widget', { skip, timeout: 120_000 }, () => {
  let world: ConsoleWorld;
  let host: DemoHost;
  let browser: Browser;
  let phone: SimulatedPhone;

  before(async () => {
    world = await startConsoleWorld();
    const alice = await createCustomer(world, { displayName: 'Alice Martin', externalId: 'CUST-1001' });
    phone = await enrollPhone(world, alice);
    phone.listen();
    const key = await world.h.createApiKey(world.tenant, [
      'customers:read',
      'devices:read',
      'verifications:read',
      'verifications:write',
      'calls:read',
      'calls:write',
    ]);
    host = await startDemoHost({ server: world.h.baseUrl, apiKey: key, agentName: 'Sam Support' });
    browser = await launchBrowser();
  });
  after(async () => {
    phone?.stop();
    await browser?.close();
    await host?.close();
    await world?.close();
  });

  async function open(width: number, height: number, locale = 'en-GB'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, locale, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(host.url);
    await page.evaluate(() => {
      const w = window as unknown as { heard: Heard[] };
      w.heard = [];
      for (const type of [
        'helpdesk-call-started',
        'helpdesk-call-confirmed',
        'helpdesk-call-mismatch',
        'helpdesk-call-ended',
      ]) {
        document.addEventListener(type, (event) => {
          w.heard.push({ type, detail: (event as CustomEvent).detail });
        });
      }
    });
    return page;
  }

  const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: Heard[] }).heard);

  it('announces a call, shows the confirmation live and tells the host page each step', async () => {
    const page = await open(1280, 900);
    const panel = page.frameLocator('helpdesk-verify iframe');
    await panel.getByText('Alice Martin').waitFor(timeout);
    await panel.getByRole('button', { name: 'Announce a call' }).click();
    await panel.getByLabel('What the call is about').fill('your card');
    await panel.getByLabel('I read a code, the customer compares it').check();
    await panel.getByRole('button', { name: 'Announce the call' }).click();
    await panel.getByRole('heading', { name: 'Call announced' }).waitFor(timeout);
    const code = ((await panel.getByTestId('call-code').textContent()) ?? '').replace(/\s/g, '');
    await screenshot(page, 'calls-widget-active-wide');

    // The phone fetches the notice, verifies it against its pinned keys, and compares the code.
    const { notice } = await phone.client.currentCall();
    assert.ok(notice, 'the phone sees the announced call');
    assert.equal(notice.code, code);
    assert.equal(notice.agentName, 'Sam Support');
    await phone.client.confirmCall(notice, 'confirmed');
    await panel.getByRole('heading', { name: 'Customer confirmed the call' }).waitFor(timeout);
    await screenshot(page, 'calls-widget-confirmed-wide');
    await panel.getByRole('button', { name: 'End call' }).click();
    await panel.getByRole('heading', { name: 'Call ended' }).waitFor(timeout);

    await page.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length >= 3);
    const events = await heard(page);
    assert.deepEqual(
      events.map((e) => e.type),
      ['helpdesk-call-started', 'helpdesk-call-confirmed', 'helpdesk-call-ended'],
    );
    for (const event of events) {
      assert.equal(event.detail.customer, 'CUST-1001');
      assert.equal(event.detail.noticeId, notice.id);
      // Never the code.
      assert.ok(!JSON.stringify(event.detail).includes(code));
    }
    assert.equal(events[0]!.detail.mutualCode, 'agent_reads');
    assert.equal(events[2]!.detail.status, 'ended');
    await page.context().close();
  });

  it('fits a 360 px side panel and passes axe, in English and German', async () => {
    for (const locale of ['en-GB', 'de-DE']) {
      const page = await open(360, 900, locale);
      const panel = page.frameLocator('helpdesk-verify iframe');
      await panel.getByText('Alice Martin').waitFor(timeout);
      const announce = locale === 'de-DE' ? 'Anruf ankündigen' : 'Announce a call';
      await panel.getByRole('button', { name: announce }).click();
      const inner = page.frames().find((f) => f.url().includes('/console/widget'))!;
      const overflow = await inner.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(overflow, 0);
      assert.deepEqual(await seriousAccessibilityViolations(inner as unknown as Page), []);
      await screenshot(page, `calls-widget-form-${locale.slice(0, 2)}-narrow`);
      await page.context().close();
    }
  });
});
