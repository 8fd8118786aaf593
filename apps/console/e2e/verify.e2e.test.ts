/**
 * The agent's main flow in a real browser against a real server: sign in, find the caller with
 * the keyboard, verify, read the code from the screen, approve on the simulated phone with that
 * code, see "Verified"; and the other outcomes: deny, fraud, wrong code, cancel, an unreachable
 * phone, expiry, and confirming an action. Screenshots of each state go to
 * .test-artifacts/console/. Accessibility: axe-core finds no serious or critical violations.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  openCustomerBySearch,
  screenshot,
  seriousAccessibilityViolations,
  signIn,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: verify a caller', { skip }, () => {
  const suite = browserSuite();
  let page: Page;

  before(async () => {
    page = await suite.page();
  });

  const openCustomer = (name: string) => openCustomerBySearch(page, suite.world, name);

  async function codeOnScreen(): Promise<string> {
    const code = (await page.getByTestId('verify-code').textContent())?.trim() ?? '';
    assert.match(code, /^\d{2}$/);
    return code;
  }

  it('sign-in page: labelled fields, no serious accessibility violations', async () => {
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // Focus moves to the first field once the page has rendered (an effect after the heading).
    await page
      .waitForFunction(() => document.activeElement?.getAttribute('name') === 'tenant', undefined, {
        timeout: 5000,
      })
      .catch(() => undefined);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'tenant');
    // The demo hint appears only with the demo tenant, which this server does not have.
    assert.equal(await page.getByTestId('demo-hint').count(), 0);
    await screenshot(page, '01-sign-in');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
  });

  it('a wrong password is refused with a clear message', async () => {
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-mail').fill(suite.world.agentEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'organisation, e-mail or password is wrong' }).waitFor();
  });

  it('keyboard only: search focused on load, results as you type, arrows and Enter, Verify, approve', async () => {
    const alice = await createCustomer(suite.world, {
      displayName: 'Alice Martin',
      externalId: 'CUST-1001',
      phone: '+447911123456',
      email: 'alice@example.com',
    });
    await createCustomer(suite.world, { displayName: 'Alina Berg', externalId: 'CUST-1007' });
    const phone = await enrollPhone(suite.world, alice);
    phone.listen();

    await signIn(page, suite.world, suite.world.agentEmail);
    // The search box has the focus: the agent types at once.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'combobox');
    const results = page.getByRole('listbox');
    await page.keyboard.type('Ali');
    await results.getByRole('option').nth(1).waitFor();
    assert.equal(await results.getByRole('option').count(), 2);
    await screenshot(page, '02-search-results');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // Arrow down to the second result and back up to Alice, then Enter.
    await page.keyboard.press('ArrowDown');
    assert.equal(
      await results
        .getByRole('option', { selected: true })
        .textContent()
        .then((t) => t?.includes('Alina')),
      true,
    );
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Alice Martin' }).waitFor();
    await page.getByText('Pixel 9').waitFor();
    await screenshot(page, '03-customer');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // The Verify caller button has the focus: Enter starts the verification.
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Verify caller');
    await page.keyboard.press('Enter');
    const code = await codeOnScreen();
    const sentence = await page.getByTestId('verify-sentence').textContent();
    assert.equal(sentence, `Please open the Acme Bank app and enter ${code}.`);
    assert.match((await page.getByTestId('verify-countdown').textContent()) ?? '', /Expires in [12]:\d\d/);
    // Live progress from the event stream: the listening phone got it at once.
    await page.locator('li.done[data-step="delivered"]').waitFor();

    const request = await phone.waitForRequest();
    assert.equal(request.tenantName, 'Acme Bank');
    await page.locator('li.done[data-step="opened"]').waitFor();
    await screenshot(page, '04-pending-opened');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await phone.client.decide(request, { decision: 'approve', code });
    await page.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor();
    const result = page.locator('[data-result="approved"]');
    assert.match(
      (await result.textContent()) ?? '',
      /Method: push approval with code\. Assurance: substantial\./,
    );
    // The result heading has the focus, so a screen reader announces it.
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Verified');
    await screenshot(page, '05-verified');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // Recent verifications on the customer page show it.
    await page.locator('.recent .status-approved').waitFor();
    phone.stop();
  });

  it('a wrong code shows the tries left; the right code then verifies', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Wanda Wrong', externalId: 'CUST-2001' });
    const phone = await enrollPhone(suite.world, id);
    await openCustomer('Wanda Wrong');
    await page.getByRole('button', { name: 'Verify caller' }).click();
    const code = await codeOnScreen();
    const request = await phone.waitForRequest();
    const wrong = code === '00' ? '11' : '00';
    await phone.client.decide(request, { decision: 'approve', code: wrong }).catch(() => {});
    await page.getByTestId('verify-wrong-code').filter({ hasText: '2 tries left' }).waitFor();
    await screenshot(page, '06-wrong-code');
    await phone.client.decide(request, { decision: 'approve', code });
    await page.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor();
  });

  it('denied: red, with guidance', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Dora Deny', externalId: 'CUST-2002' });
    const phone = await enrollPhone(suite.world, id);
    await openCustomer('Dora Deny');
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await codeOnScreen();
    await phone.client.decide(await phone.waitForRequest(), { decision: 'deny' });
    await page.getByTestId('verify-result').filter({ hasText: 'Denied by the customer' }).waitFor();
    assert.match((await page.locator('[data-result="denied"]').textContent()) ?? '', /Do not proceed/);
    await screenshot(page, '07-denied');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
  });

  it('fraud reported: a distinct alarm with what to say and what not to do; the customer is flagged', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Frank Fraud', externalId: 'CUST-2003' });
    const phone = await enrollPhone(suite.world, id);
    await openCustomer('Frank Fraud');
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await codeOnScreen();
    await phone.client.decide(await phone.waitForRequest(), { decision: 'report_fraud' });
    await page.getByTestId('verify-result').filter({ hasText: 'Fraud reported' }).waitFor();
    const alarm = (await page.locator('[data-result="fraud_reported"]').textContent()) ?? '';
    assert.match(alarm, /Say: “For your security I cannot continue/);
    assert.match(alarm, /Do not reveal any account details/);
    // No "try again" after a fraud report: a new code must not be read out.
    assert.equal(await page.locator('[data-result="fraud_reported"] button').count(), 0);
    await screenshot(page, '08-fraud');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByTestId('risk-fraud').waitFor();
    await screenshot(page, '09-customer-fraud-flag');
  });

  it('cancel withdraws the request from the phone', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Carl Cancel', externalId: 'CUST-2004' });
    const phone = await enrollPhone(suite.world, id);
    await openCustomer('Carl Cancel');
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await codeOnScreen();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'Cancelled' }).waitFor();
    assert.deepEqual(await phone.client.pendingRequests(), []);
  });

  it('confirm an action from the same panel: the phone shows the action, the result says confirmed', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Ada Action', externalId: 'CUST-2005' });
    const phone = await enrollPhone(suite.world, id);
    await openCustomer('Ada Action');
    await page.getByRole('radio', { name: 'Confirm an action' }).check();
    await page
      .getByLabel('Action the customer confirms')
      .fill('Change postal address to 1 High Street, London');
    await page.getByRole('button', { name: 'Ask to confirm' }).click();
    const code = await codeOnScreen();
    assert.match(
      (await page.getByTestId('verify-sentence').textContent()) ?? '',
      /check the request “Change postal address to 1 High Street, London” and enter/,
    );
    const request = await phone.waitForRequest();
    assert.equal(request.actionSummary, 'Change postal address to 1 High Street, London');
    await phone.client.decide(request, { decision: 'approve', code });
    await page.getByTestId('verify-result').filter({ hasText: 'Action confirmed' }).waitFor();
    await screenshot(page, '10-action-confirmed');
  });

  it('no device: the panel offers enrollment; a QR code after an in-branch identity check', async () => {
    await createCustomer(suite.world, { displayName: 'Nora Nodevice', externalId: 'CUST-2006' });
    await openCustomer('Nora Nodevice');
    await page.getByText('This customer has no enrolled device').waitFor();
    await page.getByRole('button', { name: 'Enroll a device' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Enroll a device' });
    // No phone number or e-mail address on file: a QR code, only with an identity check in person.
    await dialog.getByRole('button', { name: 'Show QR code' }).click();
    await dialog.getByLabel('Which document did you check?').fill('Identity card');
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Show QR code' }).click();
    await dialog.getByTestId('activation').waitFor();
    assert.equal(await dialog.getByRole('img', { name: /QR code/ }).count(), 1);
    await dialog.getByText(/Show the code to type in/).click();
    const code = (await dialog.getByTestId('activation-code').textContent()) ?? '';
    await screenshot(page, '11-enroll-qr');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // The code, typed on the customer's phone, enrols it; the dialog and the page show it at once.
    const { createDeviceClient, createMemoryKeyStore } = await import(
      '../../../packages/device-sdk/src/index.ts'
    );
    const client = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: suite.world.h.baseUrl });
    await client.enroll(`${suite.world.h.baseUrl}/app/activate#code=${code.trim()}`, {
      label: 'iPhone',
      platform: 'ios',
    });
    await dialog.getByTestId('device-enrolled').waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('iPhone').waitFor();
    await page.getByRole('button', { name: 'Verify caller' }).waitFor();
  });
});
