/**
 * The widget as a third-party ticketing tool installs it: the tool's page (another origin)
 * embeds <helpdesk-verify>; the tool's backend exchanges its API key for a short-lived widget
 * token; the agent verifies the caller inside a 360 px side panel, the simulated phone approves
 * with the code read from the panel, and the ticketing page hears the result.
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

describe('widget inside a third-party ticketing page', { skip }, () => {
  let world: ConsoleWorld;
  let host: DemoHost;
  let browser: Browser;
  let phone: SimulatedPhone;
  let bobPhone: SimulatedPhone;

  before(async () => {
    world = await startConsoleWorld();
    const alice = await createCustomer(world, { displayName: 'Alice Martin', externalId: 'CUST-1001' });
    phone = await enrollPhone(world, alice);
    const bob = await createCustomer(world, { displayName: 'Bob Keller', externalId: 'CUST-1002' });
    bobPhone = await enrollPhone(world, bob);
    const key = await world.h.createApiKey(world.tenant, [
      'customers:read',
      'devices:read',
      'verifications:read',
      'verifications:write',
    ]);
    host = await startDemoHost({ server: world.h.baseUrl, apiKey: key, agentName: 'Sam Support' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    await world?.close();
  });

  async function open(width: number, height: number): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width, height },
      locale: 'en-GB',
      bypassCSP: true,
    });
    const page = await context.newPage();
    await page.goto(host.url);
    return page;
  }

  it('verifies the caller in the side panel; the host page gets the result', async () => {
    const page = await open(1280, 720);
    const panel = page.frameLocator('helpdesk-verify iframe');
    await panel.getByText('Alice Martin').waitFor();
    assert.deepEqual(host.tokenRequests, [{ customer: 'CUST-1001', status: 201 }]);
    await panel.getByRole('button', { name: 'Verify caller' }).click();
    const code = ((await panel.getByTestId('verify-code').textContent()) ?? '').trim();
    assert.match(code, /^\d{2}$/);
    assert.equal(
      await panel.getByTestId('verify-sentence').textContent(),
      `Please open the Acme Bank app and enter ${code}.`,
    );
    const request = await phone.waitForRequest();
    // The customer is told the agent's name that the tool's backend gave.
    assert.equal(request.agentName, 'Sam Support');
    await screenshot(page, '40-widget-pending');
    await phone.client.decide(request, { decision: 'approve', code });
    await panel.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor();
    await page.getByText('Ticket note: verification approved.').waitFor();
    await screenshot(page, '41-widget-verified');
    await page.context().close();
  });

  it('follows the host when it switches to another customer mid-call: the push and the result are for the new one', async () => {
    const page = await open(1280, 720);
    // The panel being replaced stays a moment, hidden, while it cancels what it had running.
    const panel = page.frameLocator('helpdesk-verify iframe:not([hidden])');
    await panel.getByText('Alice Martin').waitFor();
    // The host page keeps every result the element reports.
    await page.evaluate(() => {
      const w = window as unknown as { results: unknown[] };
      w.results = [];
      document.addEventListener('helpdesk-verify-result', (event) => {
        w.results.push((event as CustomEvent).detail);
      });
    });
    // The agent opens another ticket: the tool changes the element's customer.
    await page
      .locator('helpdesk-verify')
      .evaluate((element) => element.setAttribute('customer', 'CUST-1002'));
    await panel.getByText('Bob Keller').waitFor();
    assert.equal(await panel.getByText('Alice Martin').count(), 0);
    await panel.getByRole('button', { name: 'Verify caller' }).click();
    const code = ((await panel.getByTestId('verify-code').textContent()) ?? '').trim();
    const request = await bobPhone.waitForRequest();
    assert.deepEqual(await phone.client.pendingRequests(), [], "Alice's phone must not be asked");
    await bobPhone.client.decide(request, { decision: 'approve', code });
    await panel.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor();
    await page.waitForFunction(() => (window as unknown as { results: unknown[] }).results.length === 1);
    const [result] = await page.evaluate(() => (window as unknown as { results: unknown[] }).results);
    // The result names the customer it is for, in the host's own id.
    assert.deepEqual(result, {
      verificationId: request.id,
      status: 'approved',
      assurance: 'substantial',
      customer: 'CUST-1002',
    });
    await page.context().close();
  });

  it('works in a 360 px wide panel on a narrow screen, without horizontal scrolling', async () => {
    const page = await open(360, 740);
    const frame = page.frameLocator('helpdesk-verify iframe');
    await frame.getByRole('button', { name: 'Verify caller' }).click();
    await frame.getByTestId('verify-code').waitFor();
    const widths = await page.locator('helpdesk-verify').evaluate((element) => {
      const iframe = element.shadowRoot!.querySelector('iframe')!;
      const doc = iframe.contentDocument;
      return { frame: iframe.clientWidth, content: doc ? doc.documentElement.scrollWidth : -1 };
    });
    assert.ok(widths.frame <= 360);
    // Cross-origin: the content width is not readable from the host; check it inside the frame.
    const inner = page.frames().find((f) => f.url().includes('/console/widget'))!;
    const overflow = await inner.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.equal(overflow, 0);
    await screenshot(page, '42-widget-360px');
    const axeTarget = inner as unknown as Page;
    assert.deepEqual(await seriousAccessibilityViolations(axeTarget), []);
    await frame.getByRole('button', { name: 'Cancel' }).click();
    await frame.getByTestId('verify-result').filter({ hasText: 'Cancelled' }).waitFor();
    await page.context().close();
  });

  it('without a valid token the panel says so and does nothing', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${world.h.baseUrl}/console/widget#token=not-a-token`);
    await page.getByRole('alert').filter({ hasText: 'access has expired' }).waitFor();
    // The token is taken out of the address bar at once.
    assert.equal(new URL(page.url()).hash, '');
    await context.close();
  });
});
