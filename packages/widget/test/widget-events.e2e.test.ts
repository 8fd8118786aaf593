/**
 * The widget's events as the ticketing page hears them, and what happens to a verification the
 * agent started when the tool switches to another ticket before the customer answers: the
 * previous customer's request is cancelled (their phone stops asking, nothing can approve it),
 * the page is told so, and every event names the customer and the verification.
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
  startConsoleWorld,
} from '../../../apps/console/e2e/support.ts';
import { type DemoHost, startDemoHost } from '../demo/host-server.ts';

const skip = chromiumSkip();

type Heard = { type: string; detail: Record<string, unknown> };

describe('widget events when the host switches customer mid-verification', { skip }, () => {
  let world: ConsoleWorld;
  let host: DemoHost;
  let browser: Browser;
  let alicePhone: SimulatedPhone;
  let bobPhone: SimulatedPhone;
  let apiKey: string;

  before(async () => {
    world = await startConsoleWorld();
    const alice = await createCustomer(world, { displayName: 'Alice Martin', externalId: 'CUST-1001' });
    alicePhone = await enrollPhone(world, alice);
    const bob = await createCustomer(world, { displayName: 'Bob Keller', externalId: 'CUST-1002' });
    bobPhone = await enrollPhone(world, bob);
    apiKey = await world.h.createApiKey(world.tenant, [
      'customers:read',
      'devices:read',
      'verifications:read',
      'verifications:write',
    ]);
    host = await startDemoHost({ server: world.h.baseUrl, apiKey, agentName: 'Sam Support' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    await world?.close();
  });

  async function verificationStatus(id: string): Promise<string> {
    const response = await fetch(`${world.h.baseUrl}/v1/verifications/${id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { status: string }).status;
  }

  async function open(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(host.url);
    // The host page keeps every event the element emits, in order.
    await page.evaluate(() => {
      const w = window as unknown as { heard: Heard[] };
      w.heard = [];
      for (const type of [
        'helpdesk-verify-started',
        'helpdesk-verify-result',
        'helpdesk-verify-abandoned',
        'helpdesk-verify-error',
      ]) {
        document.addEventListener(type, (event) => {
          w.heard.push({ type, detail: (event as CustomEvent).detail });
        });
      }
    });
    return page;
  }

  const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: Heard[] }).heard);

  it('cancels the previous customer’s running verification, says so, and names customer and verification in every event', async () => {
    const page = await open();
    const panel = page.frameLocator('helpdesk-verify iframe:not([hidden])');
    await panel.getByText('Alice Martin').waitFor();
    await panel.getByRole('button', { name: 'Verify caller' }).click();
    await panel.getByTestId('verify-code').waitFor();
    const aliceRequest = await alicePhone.waitForRequest();
    await page.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length === 1);
    assert.deepEqual(await heard(page), [
      { type: 'helpdesk-verify-started', detail: { customer: 'CUST-1001', verificationId: aliceRequest.id } },
    ]);

    // Mid-verification, the agent opens Bob's ticket.
    await page
      .locator('helpdesk-verify')
      .evaluate((element) => element.setAttribute('customer', 'CUST-1002'));
    await panel.getByText('Bob Keller').waitFor();
    await page.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length === 2);
    assert.deepEqual((await heard(page))[1], {
      type: 'helpdesk-verify-abandoned',
      detail: { customer: 'CUST-1001', verificationId: aliceRequest.id, cancelled: true },
    });
    // Alice's request is over: cancelled on the server, gone from her phone, and unapprovable.
    assert.equal(await verificationStatus(aliceRequest.id), 'cancelled');
    assert.deepEqual(await alicePhone.client.pendingRequests(), []);
    await assert.rejects(alicePhone.client.decide(aliceRequest, { decision: 'approve', code: '00' }));
    // Only Bob's panel is left on the page.
    assert.equal(
      await page
        .locator('helpdesk-verify')
        .evaluate((element) => element.shadowRoot!.querySelectorAll('iframe').length),
      1,
    );
    await screenshot(page, '43-widget-switched-mid-verification');

    // Bob's verification runs as usual; its events name Bob and his verification.
    await panel.getByRole('button', { name: 'Verify caller' }).click();
    const code = ((await panel.getByTestId('verify-code').textContent()) ?? '').trim();
    const bobRequest = await bobPhone.waitForRequest();
    await bobPhone.client.decide(bobRequest, { decision: 'approve', code });
    await panel.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor();
    await page.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length === 4);
    const events = await heard(page);
    assert.deepEqual(events.slice(2), [
      { type: 'helpdesk-verify-started', detail: { customer: 'CUST-1002', verificationId: bobRequest.id } },
      {
        type: 'helpdesk-verify-result',
        detail: {
          customer: 'CUST-1002',
          verificationId: bobRequest.id,
          status: 'approved',
          assurance: 'substantial',
        },
      },
    ]);
    // Every event names both.
    for (const event of events) {
      assert.equal(typeof event.detail.customer, 'string', `${event.type} names the customer`);
      assert.equal(typeof event.detail.verificationId, 'string', `${event.type} names the verification`);
    }
    await page.context().close();
  });

  it('switching with no verification running abandons nothing and tells the host nothing', async () => {
    const page = await open();
    const panel = page.frameLocator('helpdesk-verify iframe:not([hidden])');
    await panel.getByText('Alice Martin').waitFor();
    await page
      .locator('helpdesk-verify')
      .evaluate((element) => element.setAttribute('customer', 'CUST-1002'));
    await panel.getByText('Bob Keller').waitFor();
    // The old panel answers at once that it had nothing running and is removed.
    await page.waitForFunction(() => {
      const element = document.querySelector('helpdesk-verify')!;
      return element.shadowRoot!.querySelectorAll('iframe').length === 1;
    });
    assert.deepEqual(await heard(page), []);
    await page.context().close();
  });

  it('an error event names the customer too', async () => {
    const page = await open();
    const panel = page.frameLocator('helpdesk-verify iframe:not([hidden])');
    await panel.getByText('Alice Martin').waitFor();
    // The host's token endpoint refuses an unknown customer.
    await page.locator('helpdesk-verify').evaluate((element) => element.setAttribute('customer', 'CUST-404'));
    await page.waitForFunction(() => (window as unknown as { heard: Heard[] }).heard.length === 1);
    const [error] = await heard(page);
    assert.equal(error!.type, 'helpdesk-verify-error');
    assert.equal(error!.detail.customer, 'CUST-404');
    assert.equal(error!.detail.verificationId, null);
    assert.equal(typeof error!.detail.reason, 'string');
    await page.context().close();
  });
});
