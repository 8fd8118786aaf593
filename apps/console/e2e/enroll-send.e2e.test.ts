/**
 * Enrolling a caller's phone by sending the activation link by SMS from the console, in a real
 * browser against a real server with the development outbox provider: the agent sees where it
 * went (masked), the customer's message enrols a phone, and a customer without a phone number
 * cannot be sent one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createDeviceClient, createMemoryKeyStore } from '../../../packages/device-sdk/src/index.ts';
import {
  agentPage,
  type ConsoleWorld,
  chromiumSkip,
  createCustomer,
  launchBrowser,
  screenshot,
  seriousAccessibilityViolations,
  startConsoleWorld,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: sending the activation link', { skip }, () => {
  let world: ConsoleWorld;
  let browser: Browser;
  let page: Page;

  before(async () => {
    world = await startConsoleWorld();
    browser = await launchBrowser();
    page = await agentPage(browser, world);
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });

  async function openEnroll(name: string) {
    await page.goto(`${world.h.baseUrl}/console/#/`);
    const search = page.getByRole('combobox', { name: /Name, customer ID/ });
    await search.fill(name);
    await page
      .getByRole('listbox')
      .getByRole('option', { name: new RegExp(name) })
      .first()
      .waitFor();
    await search.press('Enter');
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await page.getByRole('button', { name: 'Enroll a device' }).first().click();
    await page.getByRole('heading', { name: 'Enroll a device' }).waitFor();
  }

  it('sends the link by SMS; the message enrols the phone; the agent sees a masked number', async () => {
    const customerId = await createCustomer(world, {
      displayName: 'Sofia Sms',
      externalId: 'CUST-7001',
      phone: '+447911123400',
    });
    await openEnroll('Sofia Sms');
    await page.getByRole('button', { name: 'Send link by SMS' }).click();
    const sent = page.getByTestId('activation-sent');
    await sent.waitFor();
    const text = (await sent.textContent()) ?? '';
    assert.match(text, /Link sent by SMS to \+44•+400/);
    assert.ok(!text.includes('7911123'), 'the full number is not shown');
    await screenshot(page, '60-enroll-sent-sms');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // The customer's phone receives the link (the development outbox stands in for the SMS).
    const key = await world.h.createApiKey(world.tenant, ['verifications:read']);
    const outbox = (await (
      await fetch(`${world.h.baseUrl}/v1/dev/outbox`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { messages: { recipient: string; body: string }[] };
    const message = outbox.messages.find((m) => m.recipient === '+447911123400');
    const link = /(http\S+\/app\/activate#code=[0-9A-Z-]+)/.exec(message?.body ?? '')?.[1];
    assert.ok(link, message?.body);
    const client = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: world.h.baseUrl });
    await client.enroll(link, { label: 'Galaxy', platform: 'android' });
    const devices = await world.h.runtime.services.devices.list(world.tenant.id, customerId);
    assert.deepEqual(
      devices.map((d) => d.label),
      ['Galaxy'],
    );
  });

  it('offers no SMS for a customer without a phone number', async () => {
    await createCustomer(world, { displayName: 'Nils Nophone', externalId: 'CUST-7002' });
    await openEnroll('Nils Nophone');
    const button = page.getByRole('button', { name: 'Send link by SMS' });
    assert.equal(await button.isDisabled(), true);
    assert.equal(await button.getAttribute('title'), 'No phone number on file');
  });
});
