/**
 * Enrolling a caller's phone by sending the activation link by SMS from the console, in a real
 * browser against a real server with the development outbox provider: the agent sees where it
 * went (masked), the customer's message enrols a phone, and a customer without a phone number
 * cannot be sent one.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createDeviceClient, createMemoryKeyStore } from '../../../packages/device-sdk/src/index.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  openCustomerBySearch,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: sending the activation link', { skip }, () => {
  const suite = browserSuite();
  let page: Page;

  before(async () => {
    page = await suite.page({ signInAs: 'agent' });
  });

  async function openEnroll(name: string) {
    await openCustomerBySearch(page, suite.world, name);
    await page.getByRole('button', { name: 'Enroll a device' }).first().click();
    await page.getByRole('heading', { name: 'Enroll a device' }).waitFor();
  }

  it('sends the link by SMS; the message enrols the phone; the agent sees a masked number', async () => {
    const customerId = await createCustomer(suite.world, {
      displayName: 'Sofia Sms',
      externalId: 'CUST-7001',
      phone: '+447911123400',
    });
    await openEnroll('Sofia Sms');
    await page.getByRole('button', { name: 'Send link by SMS' }).click();
    const sent = page.getByTestId('activation-sent');
    await sent.waitFor();
    const text = (await sent.textContent()) ?? '';
    assert.match(text, /Link sent by SMS to \+44 ••• •• 00/);
    assert.ok(!text.includes('7911123'), 'the full number is not shown');
    await screenshot(page, '60-enroll-sent-sms');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // The customer's phone receives the link (the development outbox stands in for the SMS).
    const key = await suite.world.h.createApiKey(suite.world.tenant, ['verifications:read']);
    const outbox = (await (
      await fetch(`${suite.world.h.baseUrl}/v1/dev/outbox`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { messages: { recipient: string; body: string }[] };
    const message = outbox.messages.find((m) => m.recipient === '+447911123400');
    const link = /(http\S+\/app\/activate#code=[0-9A-Z-]+)/.exec(message?.body ?? '')?.[1];
    assert.ok(link, message?.body);
    const client = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: suite.world.h.baseUrl });
    await client.enroll(link, { label: 'Galaxy', platform: 'android' });
    const devices = await suite.world.h.runtime.services.devices.list(suite.world.tenant.id, customerId);
    assert.deepEqual(
      devices.map((d) => d.label),
      ['Galaxy'],
    );
    // The dialog saw the phone enroll, live; Escape closes it.
    await page.getByTestId('device-enrolled').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('offers no SMS for a customer without a phone number', async () => {
    await createCustomer(suite.world, { displayName: 'Nils Nophone', externalId: 'CUST-7002' });
    await openEnroll('Nils Nophone');
    assert.equal(await page.getByRole('button', { name: /Send link by SMS/ }).count(), 0);
    await page.getByText('The customer has no phone number or e-mail address on file.').waitFor();
    await page.keyboard.press('Escape');
  });
});
