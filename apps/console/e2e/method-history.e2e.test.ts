/**
 * Every method in history, in a real browser against a real server: an agent verifies a caller
 * by SMS code on the customer page; the customer's recent verifications
 * show it as an SMS code at once, history lists it with its method and filters by method, its
 * page names the method, and a webhook receiver on 127.0.0.1 gets it as a signed
 * `verification.approved` event with the method and assurance. A German customer's phone shows
 * the default reason in German when an English-speaking agent starts a push. Screenshots in English and German
 * at 390, 760, 1280 and 1440 px go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../packages/server/src/test-support/stand-ins/webhook-receiver.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: every method in history', { skip }, () => {
  const suite = browserSuite({ webhookAllowLoopback: true });
  let page: Page;
  let outboxKey: string;
  let receiver: WebhookReceiver;

  async function codeFromOutbox(): Promise<string> {
    const response = await fetch(`${suite.world.h.baseUrl}/v1/dev/outbox?limit=1`, {
      headers: { authorization: `Bearer ${outboxKey}` },
    });
    const { messages } = (await response.json()) as { messages: { body: string }[] };
    const match = /\b(\d{6})\b/.exec(messages[0]?.body ?? '');
    assert.ok(match, 'the SMS carries a six-digit code');
    return match[1]!;
  }

  async function shots(name: string, widths: number[]) {
    for (const width of widths) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `${name}-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  before(async () => {
    outboxKey = await suite.world.h.createApiKey(suite.world.tenant, ['verifications:read']);
    receiver = await startWebhookReceiver();
    const { secret } = await suite.world.h.runtime.services.webhooks.create(
      suite.world.tenant.id,
      { url: receiver.url, events: ['verification.approved', 'verification.failed'] },
      cliActor,
    );
    receiver.secrets = [secret];
    page = await suite.page({ height: 900, signInAs: 'agent' });
  });
  after(async () => receiver?.close());

  it('an SMS verification done on the customer page appears in recent verifications, history and a signed webhook', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Hanna History',
      externalId: 'CUST-7001',
      phone: '+4915112345678',
    });
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${id}`);
    await page.getByTestId('method-list').waitFor();
    await page.getByRole('button', { name: 'Send code by SMS' }).click();
    const field = page.getByLabel('Code the caller reads out');
    await field.waitFor();
    const code = await codeFromOutbox();
    await field.fill(code);
    await page.getByRole('button', { name: 'Check code' }).click();
    await page.getByTestId('fallback-result').filter({ hasText: 'Verified' }).waitFor();

    // The customer page's list has it at once, named by its method.
    const recent = page.getByTestId('recent-verifications').locator('li[data-method="sms_otp"]');
    await recent.waitFor();
    assert.match((await recent.textContent()) ?? '', /Approved.*SMS code.*Verify identity/);
    await shots('60-recent-sms', [1280, 390]);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // History: the row names the method; the method filter keeps SMS and drops push.
    await page.goto(`${suite.world.h.baseUrl}/console/#/history`);
    const row = page.getByTestId('history-table').locator('tr[data-method="sms_otp"]').first();
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Hanna History.*SMS code.*Verify identity.*Approved/);
    await page.getByLabel('Method').selectOption('push');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No verifications match.').waitFor();
    await page.getByLabel('Method').selectOption('sms_otp');
    await page.getByRole('button', { name: 'Filter' }).click();
    await row.waitFor();
    await shots('61-history-sms', [1440, 1280, 760, 390]);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // Its own page names the method and what it was for.
    await row.getByRole('link').first().click();
    const method = page.getByTestId('verification-method');
    await method.waitFor();
    assert.equal(await method.textContent(), 'SMS code');
    assert.match((await page.locator('.detail-grid').textContent()) ?? '', /Checked forVerify identity/);
    await shots('62-verification-sms', [1280, 390]);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // In German.
    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await page.getByTestId('verification-method').filter({ hasText: 'SMS-Code' }).waitFor();
    await shots('62-verification-sms-de', [1280, 390]);
    await page.goto(`${suite.world.h.baseUrl}/console/#/history`);
    await page.getByTestId('history-table').locator('tr[data-method="sms_otp"]').first().waitFor();
    assert.match((await page.getByTestId('history-table').textContent()) ?? '', /Methode.*SMS-Code/);
    await shots('61-history-sms-de', [1440, 1280, 760, 390]);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${id}`);
    await page.getByTestId('recent-verifications').locator('li[data-method="sms_otp"]').waitFor();
    await shots('60-recent-sms-de', [1280, 390]);
    await page.getByRole('banner').getByLabel('Sprache').selectOption('en');

    // The CRM hears of it: a signed verification.approved with the method and assurance.
    await suite.world.h.runtime.services.webhooks.runOnce();
    const events = receiver.received.filter((r) => r.event.data.customerId === id);
    assert.deepEqual(
      events.map((r) => [r.event.type, r.event.data.method, r.event.data.assurance, r.validSignatures]),
      [['verification.approved', 'sms_otp', 'moderate', 1]],
    );
  });

  it("a German customer's phone shows the default reason in German, whatever the agent's language", async () => {
    const customer = await suite.world.h.runtime.services.customers.create(
      suite.world.tenant.id,
      { displayName: 'Greta Gerät', externalId: 'CUST-7002', locale: 'de-DE' },
      cliActor,
    );
    const phone = await enrollPhone(suite.world, customer.id);
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${customer.id}`);
    const reason = page.getByLabel('Reason shown to the customer');
    await reason.waitFor();
    // The agent's field is in the agent's language; the hint says what the customer sees.
    assert.equal(await reason.inputValue(), 'Identity check for your call');
    assert.match(
      (await page.locator(`#${await reason.getAttribute('aria-describedby')}`).textContent()) ?? '',
      /in the customer's language unless you change it/,
    );
    await screenshot(page, '63-verify-reason-hint');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    const request = await phone.waitForRequest();
    assert.equal(request.reason, 'Identitätsprüfung für Ihren Anruf');
    phone.stop();
  });
});
