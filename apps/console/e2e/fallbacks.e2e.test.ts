/**
 * Fallback methods in the agent console, in a real browser against a real server: an SMS code
 * sent through the development outbox and read back as the caller would read it out (a wrong
 * code first), security questions passing and failing, why a method is unavailable (SMS after a
 * phone-number change), and the push panel offering the next method when the phone cannot be
 * reached. Screenshots go to .test-artifacts/console/ (some are used in docs/agent-guide.md).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  seedFromBase32,
  totpCodeForStep,
  totpStep,
} from '../../../packages/server/src/features/methods/totp-codes.ts';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: fallback methods', { skip }, () => {
  const suite = browserSuite();
  let page: Page;
  let outboxKey: string;

  /** The caller's phone: the newest message in the development outbox, and the code in it. */
  async function codeFromOutbox(): Promise<string> {
    const response = await fetch(`${suite.world.h.baseUrl}/v1/dev/outbox?limit=1`, {
      headers: { authorization: `Bearer ${outboxKey}` },
    });
    assert.equal(response.status, 200);
    const { messages } = (await response.json()) as { messages: { body: string }[] };
    const match = /\b(\d{6})\b/.exec(messages[0]?.body ?? '');
    assert.ok(match, 'the SMS carries a six-digit code');
    return match[1]!;
  }

  async function outboxBody(): Promise<string> {
    const response = await fetch(`${suite.world.h.baseUrl}/v1/dev/outbox?limit=1`, {
      headers: { authorization: `Bearer ${outboxKey}` },
    });
    const { messages } = (await response.json()) as { messages: { body: string }[] };
    return messages[0]?.body ?? '';
  }

  async function openCustomer(id: string) {
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${id}`);
    await page.getByTestId('method-list').waitFor();
  }

  async function setQuestions(customerId: string) {
    await suite.world.h.runtime.services.fallbacks.securityQuestions.set(
      suite.world.tenant.id,
      customerId,
      [
        { question: 'Name of your first pet?', answer: 'Fluffy' },
        { question: 'City where you were born?', answer: 'St. Mary’s' },
        { question: 'Favourite teacher’s surname?', answer: 'Okafor' },
      ],
      cliActor,
    );
  }

  before(async () => {
    outboxKey = await suite.world.h.createApiKey(suite.world.tenant, ['verifications:read']);
    page = await suite.page({ height: 900, signInAs: 'agent' });
  });

  it('SMS code: sent, read out by the caller, a wrong code shows the tries left, the right one verifies with its assurance', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Sofia Sms',
      externalId: 'CUST-5001',
      phone: '+4915112345678',
    });
    await openCustomer(id);
    // No device: the policy recommends the SMS code, and the list says why push is out.
    const push = page.getByTestId('method-push');
    assert.match((await push.textContent()) ?? '', /Not available.*No enrolled device\./);
    assert.match((await page.getByTestId('method-sms_otp').textContent()) ?? '', /Recommended/);
    await page.getByRole('button', { name: 'Send code by SMS' }).click();
    const sentence = (await page.getByTestId('fallback-sentence').textContent()) ?? '';
    assert.match(sentence, /We have sent a code by text message to .*78\. Please read it to me\./);
    assert.doesNotMatch(sentence, /5112345/, 'the number is masked');
    assert.match((await page.getByTestId('fallback-tries').textContent()) ?? '', /5 of 5 tries left/);
    // Resend limits: not before the cooldown, and only so many times.
    assert.match(
      (await page.getByTestId('fallback-resends').textContent()) ?? '',
      /A new code can be sent in \d+ s\. 2 new codes left\./,
    );
    assert.equal(await page.getByRole('button', { name: 'Send a new code' }).isDisabled(), true);

    const code = await codeFromOutbox();
    const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
    const field = page.getByLabel('Code the caller reads out');
    // The code field has the focus once the code is sent: the agent just types.
    await page.waitForFunction(() => document.activeElement?.getAttribute('inputmode') === 'numeric');
    await field.fill(wrong);
    await page.keyboard.press('Enter');
    await page.getByTestId('fallback-wrong').filter({ hasText: 'Wrong code. 4 tries left.' }).waitFor();
    assert.match((await page.getByTestId('fallback-tries').textContent()) ?? '', /4 of 5 tries left/);
    await screenshot(page, '40-sms-wrong-code');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await field.fill(code);
    await page.getByRole('button', { name: 'Check code' }).click();
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Verified' }).waitFor();
    assert.match((await result.textContent()) ?? '', /Method: SMS code\. Assurance: moderate\./);
    await screenshot(page, '41-sms-verified');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
  });

  it('security questions: the agent sees questions only; right answers pass with low assurance, wrong ones fail with checks left', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Quentin Questions',
      externalId: 'CUST-5002',
    });
    await setQuestions(id);
    await openCustomer(id);
    // "Verify identity" needs moderate assurance: questions are too weak for it.
    assert.match(
      (await page.getByTestId('method-security_questions').textContent()) ?? '',
      /Not strong enough for this action\./,
    );
    await page.getByLabel('Action').selectOption('account_enquiry');
    // The questions load after the panel opens.
    await page.getByLabel('Answer to: Name of your first pet?').waitFor();
    const panel = page.getByTestId('fallback-security_questions');
    const text = (await panel.textContent()) ?? '';
    assert.match(text, /Name of your first pet\?/);
    assert.doesNotMatch(text, /Fluffy|Okafor/i, 'never the stored answers');
    await page.getByLabel('Answer to: Name of your first pet?').fill('fluffy');
    await page.getByLabel('Answer to: City where you were born?').fill('st marys');
    await page.getByLabel('Answer to: Favourite teacher’s surname?').fill('someone else');
    await screenshot(page, '42-security-questions');
    await page.getByRole('button', { name: 'Check answers' }).click();
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Verified' }).waitFor();
    assert.match((await result.textContent()) ?? '', /Assurance: low\..*Weak method/);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.getByRole('button', { name: 'New verification' }).click();
    await page.getByLabel('Answer to: Name of your first pet?').fill('rex');
    await page.getByLabel('Answer to: City where you were born?').fill('london');
    await page.getByLabel('Answer to: Favourite teacher’s surname?').fill('smith');
    await page.getByRole('button', { name: 'Check answers' }).click();
    await page
      .getByTestId('fallback-error')
      .filter({ hasText: 'Not verified: not enough answers were right. 2 checks left.' })
      .waitFor();
    // What the caller said is not left on screen.
    assert.equal(await page.getByLabel('Answer to: Name of your first pet?').inputValue(), '');
    await screenshot(page, '43-security-questions-failed');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
  });

  it('why a method is unavailable: SMS is blocked after a phone-number change, with when it is allowed again', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Pia Phonechange',
      externalId: 'CUST-5003',
      phone: '+4915112345678',
    });
    await suite.world.h.runtime.services.customers.update(
      suite.world.tenant.id,
      id,
      { phone: '+4915199999999' },
      cliActor,
    );
    await setQuestions(id);
    await openCustomer(id);
    const sms = page.getByTestId('method-sms_otp');
    await sms.filter({ hasText: 'Not available' }).waitFor();
    assert.match(
      (await sms.textContent()) ?? '',
      /The phone number changed recently: a code could reach someone who took over the number \(SIM swap\)\. Possible again from /,
    );
    assert.equal(await sms.getByRole('button').count(), 0, 'no way to use it');
    assert.equal(await page.locator('[data-reason="SIM_SWAP_WINDOW"]').count(), 1);
    await page.getByTestId('methods-none').waitFor();
    await screenshot(page, '44-sms-unavailable');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // In German, the same reasons in German.
    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await page.getByText('Die Telefonnummer wurde kürzlich geändert', { exact: false }).waitFor();
    await page.getByRole('banner').getByLabel('Sprache').selectOption('en');
  });

  it('authenticator app: the code the caller reads verifies with substantial assurance; the same code again is refused', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Tara Totp', externalId: 'CUST-5005' });
    const { totp } = suite.world.h.runtime.services.fallbacks;
    const started = await totp.beginEnrollment(suite.world.tenant.id, id, cliActor);
    const seed = seedFromBase32(started.secret);
    const step = totpStep(Date.now());
    await totp.confirmEnrollment(
      suite.world.tenant.id,
      id,
      { enrollmentId: started.enrollmentId, code: totpCodeForStep(seed, step - 1) },
      cliActor,
    );
    await openCustomer(id);
    await page.getByTestId('fallback-totp').waitFor();
    assert.match(
      (await page.getByTestId('fallback-sentence').textContent()) ?? '',
      /read me the six-digit code for Acme Bank/,
    );
    const code = totpCodeForStep(seed, step);
    await page.getByLabel('Code from the app').fill(code);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Verified' }).waitFor();
    assert.match(
      (await result.textContent()) ?? '',
      /Method: Authenticator-app code\. Assurance: substantial\./,
    );

    await page.getByRole('button', { name: 'New verification' }).click();
    await page.getByLabel('Code from the app').fill(code);
    await page.keyboard.press('Enter');
    await page.getByTestId('fallback-error').filter({ hasText: 'This code was already used' }).waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
  });

  it("code from the customer's app: offered beside push, the offline code verifies once; English and German, narrow and wide", async () => {
    const id = await createCustomer(suite.world, { displayName: 'Olaf Offline', externalId: 'CUST-5071' });
    const phone = await enrollPhone(suite.world, id); // its app holds the offline-code secret
    await openCustomer(id);
    await page.getByTestId('method-app_code').waitFor();
    await page.getByRole('button', { name: "Use: Code from the customer's app" }).click();
    await page.getByTestId('fallback-app_code').waitFor();
    assert.match(
      (await page.getByTestId('fallback-sentence').textContent()) ?? '',
      /open the Acme Bank app, tap “Code” and read me the six-digit code/,
    );
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `app-code-en-${width}`);
    }
    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await page.getByText('Code aus der App des Kunden', { exact: false }).first().waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `app-code-de-${width}`);
    }
    await page.getByRole('banner').getByLabel('Sprache').selectOption('en');
    await page.setViewportSize({ width: 1280, height: 900 });

    // A wrong code first: it counts, and the agent is told to ask for the current one.
    const { code } = await phone.client.offlineCode();
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByLabel('Code the app shows').fill(wrong);
    await page.keyboard.press('Enter');
    await page.getByTestId('fallback-error').filter({ hasText: 'Wrong code' }).waitFor();

    const current = (await phone.client.offlineCode()).code;
    await page.getByLabel('Code the app shows').fill(current);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Verified' }).waitFor();
    assert.match(
      (await result.textContent()) ?? '',
      /Method: Code from the customer's app\. Assurance: substantial\./,
    );

    await page.getByRole('button', { name: 'New verification' }).click();
    await page.getByRole('button', { name: "Use: Code from the customer's app" }).click();
    await page.getByLabel('Code the app shows').fill(current);
    await page.keyboard.press('Enter');
    await page.getByTestId('fallback-error').filter({ hasText: 'This code was already used' }).waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
  });

  it("code from the customer's app: not offered without an enrolled device, and says why", async () => {
    const id = await createCustomer(suite.world, { displayName: 'Nina Nodevice', externalId: 'CUST-5072' });
    await openCustomer(id);
    const row = page.getByTestId('method-app_code');
    await row.waitFor();
    await row.getByText('No enrolled device that shows offline codes.').waitFor();
    assert.equal(await page.getByRole('button', { name: "Use: Code from the customer's app" }).count(), 0);
  });

  it('push: when the phone cannot be reached, the panel offers the next method the policy allows', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Udo Unreachable',
      externalId: 'CUST-5004',
      phone: '+4915187654321',
    });
    await enrollPhone(suite.world, id); // enrolled, but the app is closed and has no push subscription
    await openCustomer(id);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    const offer = page.getByTestId('verify-unreachable').getByTestId('fallback-offer');
    await offer.waitFor();
    await screenshot(page, '45-push-unreachable-next-method');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // The phone is enrolled, so its app shows an offline code: the method that fits an unreachable phone.
    await offer.getByRole('button', { name: "Next method: Code from the customer's app" }).click();
    await page.getByLabel('Code the app shows').waitFor();
    assert.equal(await page.getByTestId('verify-unreachable').count(), 0);
    // Moving on withdraws the push request, so it does not wait on the phone any longer.
    let status = '';
    for (let i = 0; i < 50 && status !== 'cancelled'; i++) {
      const response = await fetch(`${suite.world.h.baseUrl}/v1/verifications?customerId=${id}&limit=1`, {
        headers: { authorization: `Bearer ${outboxKey}` },
      });
      status = ((await response.json()) as { items: { status: string }[] }).items[0]?.status ?? '';
      if (status !== 'cancelled') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 'cancelled');
  });

  it('when the SMS code fails (every try used), the panel offers the next method the policy allows', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Nico Next',
      externalId: 'CUST-5006',
      phone: '+4915111111111',
    });
    await setQuestions(id);
    await openCustomer(id);
    await page.getByLabel('Action').selectOption('account_enquiry');
    await page.getByRole('button', { name: 'Send code by SMS' }).click();
    const code = await codeFromOutbox();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      await page.getByLabel('Code the caller reads out').fill(wrong);
      await page.keyboard.press('Enter');
      await page
        .getByTestId('fallback-wrong')
        .filter({ hasText: `${left} tries left` })
        .waitFor();
    }
    await page.getByLabel('Code the caller reads out').fill(wrong);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Not verified: wrong code too many times' }).waitFor();
    await screenshot(page, '46-sms-failed-next-method');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await result.getByRole('button', { name: 'Next method: Security questions' }).click();
    await page.getByLabel('Answer to: Name of your first pet?').waitFor();
  });

  it('with the code sent as a link, the customer types it on the page behind the link and the agent sees it verified', async () => {
    const { policies } = suite.world.h.runtime.services.fallbacks;
    const current = await policies.current(suite.world.tenant.id);
    const policy = structuredClone(current.policy);
    policy.sms.delivery = 'customer_link';
    await policies.replace(suite.world.tenant.id, { policy, expectedVersion: current.version }, cliActor);
    const id = await createCustomer(suite.world, {
      displayName: 'Lina Link',
      externalId: 'CUST-5007',
      phone: '+4915122222222',
    });
    await openCustomer(id);
    await page.getByRole('button', { name: 'Send code by SMS' }).click();
    await page.getByText('Waiting for the customer to enter the code').waitFor();
    assert.match(
      (await page.getByTestId('fallback-sentence').textContent()) ?? '',
      /a text message with a link to .*22\. Please open it and type the code/,
    );
    // The customer's phone: the link's fragment is the token; the code is in the message.
    const body = await outboxBody();
    const token = /#([A-Za-z0-9_-]{43})/.exec(body)?.[1];
    assert.ok(token, 'the message carries a link');
    const verified = await fetch(`${suite.world.h.baseUrl}/v1/otp-link/verify`, {
      method: 'POST',
      headers: { 'code-link-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ code: /\b(\d{6})\b/.exec(body.replace(token, ''))?.[1] }),
    });
    assert.equal(verified.status, 200);
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Verified' }).waitFor({ timeout: 10_000 });
    assert.match((await result.textContent()) ?? '', /Method: SMS code\. Assurance: moderate\./);
  });

  it('e-mail code: offered only once the policy turns it on, then sent and checked like the SMS code', async () => {
    const id = await createCustomer(suite.world, {
      displayName: 'Emil Email',
      externalId: 'CUST-5008',
      email: 'emil@example.com',
    });
    await openCustomer(id);
    await page.getByLabel('Action').selectOption('account_enquiry');
    const email = page.getByTestId('method-email_otp');
    await email.filter({ hasText: 'Turned off in the verification policy.' }).waitFor();

    const { policies } = suite.world.h.runtime.services.fallbacks;
    const current = await policies.current(suite.world.tenant.id);
    const policy = structuredClone(current.policy);
    policy.methods = policy.methods.map((m) => (m.method === 'email_otp' ? { ...m, enabled: true } : m));
    await policies.replace(suite.world.tenant.id, { policy, expectedVersion: current.version }, cliActor);
    await page.reload();
    await page.getByTestId('method-list').waitFor();
    await page.getByLabel('Action').selectOption('account_enquiry');
    await email.filter({ hasText: 'Recommended' }).waitFor();
    await page.getByRole('button', { name: 'Send code by e-mail' }).click();
    assert.match(
      (await page.getByTestId('fallback-sentence').textContent()) ?? '',
      /We have sent a code by e-mail to .+\. Please read it to me\./,
    );
    await page.getByLabel('Code the caller reads out').fill(await codeFromOutbox());
    await page.keyboard.press('Enter');
    const result = page.getByTestId('fallback-result');
    await result.filter({ hasText: 'Verified' }).waitFor();
    assert.match((await result.textContent()) ?? '', /Method: E-mail code\. Assurance: low\..*Weak method/);
  });
});
