/**
 * Enrolling a phone safely and handling a fraud report, in a real browser against a real server
 * with the development outbox standing in for SMS: the agent sends the link to the number on
 * file, the customer's phone enrolls from the message and the dialog shows it at once; a QR code
 * needs an identity check; Escape closes the dialogs. After a fraud report the agent sees the
 * fraud procedure, not a recommended fallback; an admin resolves the report with a note and
 * clears the push lock; the widget words its refusal. Screenshots in English and German at 390
 * and 1280 px; axe finds nothing serious in any of these states.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '../../../packages/device-sdk/src/index.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  openCustomerBySearch,
  screenshot,
  seriousAccessibilityViolations,
  shootBoth,
  skipTour,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: enrolling a phone and a fraud report', { skip }, () => {
  const suite = browserSuite();
  let apiKey: string;

  before(async () => {
    apiKey = await suite.world.h.createApiKey(suite.world.tenant, [
      'verifications:read',
      'verifications:write',
      'customers:read',
      'devices:read',
    ]);
  });

  async function outbox(): Promise<{ recipient: string; body: string }[]> {
    const response = await fetch(`${suite.world.h.baseUrl}/v1/dev/outbox`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return ((await response.json()) as { messages: { recipient: string; body: string }[] }).messages;
  }

  async function audited(action: string, customerId: string) {
    return suite.world.h.runtime.database.db
      .selectFrom('audit_events')
      .select(['data', 'actor_id'])
      .where('tenant_id', '=', suite.world.tenant.id)
      .where('action', '=', action)
      .where('target_id', '=', customerId)
      .execute();
  }

  it('sends the link to the number on file; the phone enrolls from the SMS and appears at once', async () => {
    const page = await suite.page({ signInAs: 'agent' });
    const customerId = await createCustomer(suite.world, {
      displayName: 'Elena Enrol',
      externalId: 'CUST-9101',
      phone: '+447911123901',
      email: 'elena@example.com',
    });
    await openCustomerBySearch(page, suite.world, 'Elena Enrol');
    const dialog = page.getByRole('dialog', { name: 'Enroll a device' });

    // Escape closes the dialog, and the button that opened it is there again.
    await page.getByRole('button', { name: 'Enroll a device' }).first().click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Enroll a device' }).first().click();
    await dialog.waitFor();
    // The safe way has the keyboard focus; the number is the one on file.
    const sms = dialog.getByRole('button', { name: 'Send link by SMS to +447911123901' });
    assert.equal(await sms.evaluate((el) => el === document.activeElement), true);
    assert.equal(await dialog.getByTestId('activation-code').count(), 0, 'no code to read out');
    await shootBoth(page, '70-enroll-dialog');
    await sms.click();
    await dialog.getByTestId('activation-sent').waitFor();
    assert.match(
      (await dialog.getByTestId('activation-sent').textContent()) ?? '',
      /Link sent by SMS to \+44 ••• •• 01.*Waiting for the customer/,
    );

    // The customer's phone receives the SMS on the number on file and enrolls from its link.
    const message = (await outbox()).find((m) => m.recipient === '+447911123901');
    const link = /(http\S+\/app\/activate#code=[0-9A-Z-]+)/.exec(message?.body ?? '')?.[1];
    assert.ok(link, message?.body);
    const phone = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: suite.world.h.baseUrl });
    await phone.enroll(link, { label: 'Galaxy S25', platform: 'android' });

    // No Close needed: the dialog and the device list show the new phone as it enrolls.
    const enrolled = dialog.getByTestId('device-enrolled');
    await enrolled.waitFor();
    assert.match((await enrolled.textContent()) ?? '', /Galaxy S25 \(android\) is set up/);
    await page.locator('.devices').getByText('Galaxy S25').waitFor();
    await shootBoth(page, '71-enroll-enrolled');

    // The customer hears of it on the channels on file.
    for (let i = 0; i < 50 && (await audited('customer.notified', customerId)).length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const notices = (await audited('customer.notified', customerId)).map(
      (r) => (JSON.parse(r.data) as { channel: string; event: string }).channel,
    );
    assert.deepEqual(notices.sort(), ['email', 'sms']);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.close();
  });

  it('shows a QR code only after an in-branch identity check, the code kept for typing in', async () => {
    const page = await suite.page({ signInAs: 'agent' });
    const customerId = await createCustomer(suite.world, {
      displayName: 'Bianca Branch',
      externalId: 'CUST-9102',
      phone: '+447911123902',
    });
    await openCustomerBySearch(page, suite.world, 'Bianca Branch');
    await page.getByRole('button', { name: 'Enroll a device' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Enroll a device' });
    await dialog.getByRole('button', { name: 'Show QR code' }).click();
    const refused = dialog.getByTestId('identity-check-required');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /needed: substantial/);
    assert.equal(await dialog.getByRole('img', { name: /QR code/ }).count(), 0);
    await shootBoth(page, '72-enroll-identity-check');

    const submit = dialog.getByRole('button', { name: 'Show QR code' });
    await dialog.getByLabel('Which document did you check?').fill('Passport, checked at the counter');
    assert.equal(await submit.isDisabled(), true, 'the statement must be ticked');
    await dialog.getByLabel('I checked the customer’s identity document in person, in a branch.').check();
    await submit.click();
    await dialog.getByRole('img', { name: /QR code for the customer to scan/ }).waitFor();
    const code = dialog.getByTestId('activation-code');
    assert.equal(await code.isVisible(), false, 'the code is folded away');
    await dialog.getByText('The customer cannot scan? Show the code to type in').click();
    assert.equal(await code.isVisible(), true);
    await shootBoth(page, '73-enroll-qr');
    const [audit] = await audited('device.activation_created', customerId);
    assert.deepEqual((JSON.parse(audit!.data) as { basis: unknown }).basis, {
      kind: 'in_branch',
      note: 'Passport, checked at the counter',
    });
    await page.close();
  });

  it('after a fraud report: the procedure, no recommended fallback; an admin resolves and clears; the widget words it', async () => {
    const customerId = await createCustomer(suite.world, {
      displayName: 'Frida Fraud',
      externalId: 'CUST-9103',
      phone: '+447911123903',
    });
    const phone = await enrollPhone(suite.world, customerId);
    const started = await fetch(`${suite.world.h.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, reason: 'Card replacement', agentName: 'Sam Support' }),
    });
    assert.equal(started.status, 201);
    await phone.client.decide(await phone.waitForRequest(), { decision: 'report_fraud' });

    // The agent: the fraud procedure, and the methods one deliberate step away, nothing focused in them.
    const agent = await suite.page({ signInAs: 'agent' });
    await openCustomerBySearch(agent, suite.world, 'Frida Fraud');
    const procedure = agent.getByRole('region', { name: /Fraud reported: follow the fraud procedure/ });
    await procedure.waitFor();
    assert.match((await procedure.textContent()) ?? '', /Hand the call to a supervisor/);
    assert.equal(await agent.getByRole('button', { name: /Send code by SMS/ }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Enroll a device' }).count(), 0);
    assert.equal(
      await agent.getByRole('button', { name: /Resolve fraud report/ }).count(),
      0,
      'agents cannot',
    );
    assert.equal(await agent.getByRole('button', { name: /Clear push lock/ }).count(), 0, 'agents cannot');
    await agent.getByRole('button', { name: 'Show verification methods anyway' }).waitFor();
    await shootBoth(agent, '74-fraud-procedure-agent');
    await agent.close();

    // The widget: no "Verify caller" that can only fail, the refusal in words.
    const tokenResponse = await fetch(`${suite.world.h.baseUrl}/v1/widget-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, agentName: 'Sam Support' }),
    });
    assert.equal(tokenResponse.status, 201, await tokenResponse.clone().text());
    const { token } = (await tokenResponse.json()) as { token: string };
    for (const [language, width] of [
      ['en', 390],
      ['de', 390],
    ] as const) {
      const context = await suite.browser.newContext({ viewport: { width, height: 700 }, bypassCSP: true });
      await context.addInitScript(skipTour);
      const widget = await context.newPage();
      await widget.goto(`${suite.world.h.baseUrl}/console/widget#token=${token}&lang=${language}`);
      const refusal = widget.getByTestId('widget-push-locked');
      await refusal.waitFor();
      assert.match(
        (await refusal.textContent()) ?? '',
        language === 'en' ? /reported fraud.*hand the call to a supervisor/ : /Betrug gemeldet.*Supervision/,
      );
      assert.equal(await widget.getByRole('button', { name: /Verify caller|Anrufer prüfen/ }).count(), 0);
      await widget.getByTestId('risk-fraud').waitFor();
      await screenshot(widget, `75-widget-fraud-${language}-${width}`);
      assert.deepEqual(await seriousAccessibilityViolations(widget), []);
      await context.close();
    }

    // The admin: resolve with a note (Escape first cancels), then clear the push lock.
    const admin = await suite.page({ signInAs: 'admin' });
    await openCustomerBySearch(admin, suite.world, 'Frida Fraud');
    await admin.getByRole('button', { name: 'Resolve fraud report…' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Resolve the fraud report?' });
    await confirm.waitFor();
    await admin.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await audited('customer.fraud_report_resolved', customerId)).length, 0, 'Escape cancels');

    await admin.getByRole('button', { name: 'Resolve fraud report…' }).click();
    await confirm.waitFor();
    const note = confirm.getByLabel('What was found and done (goes into the audit log)');
    assert.equal(await note.evaluate((el) => el === document.activeElement), true);
    assert.equal(await confirm.getByRole('button', { name: 'Resolve report' }).isDisabled(), true);
    await note.fill('Called Frida on the number on file: she was phished; card blocked.');
    await shootBoth(admin, '76-fraud-resolve-dialog');
    await confirm.getByRole('button', { name: 'Resolve report' }).click();
    await confirm.waitFor({ state: 'detached' });
    await admin.getByTestId('action-done').getByText('Fraud report resolved.').waitFor();
    await admin.getByTestId('fraud-resolved').waitFor();
    assert.equal(await admin.getByTestId('risk-fraud').count(), 0, 'the banner is cleared');
    const [resolved] = await audited('customer.fraud_report_resolved', customerId);
    assert.equal(
      (JSON.parse(resolved!.data) as { note: string }).note,
      'Called Frida on the number on file: she was phished; card blocked.',
    );

    // Push stays locked until the lock is cleared on its own, with a confirmation.
    await admin.getByRole('button', { name: 'Clear push lock…' }).click();
    const clear = admin.getByRole('dialog', { name: 'Clear the push lock?' });
    await clear.waitFor();
    assert.equal(
      await clear.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement),
      true,
      'the safe choice has the focus',
    );
    await clear.getByRole('button', { name: 'Clear push lock' }).click();
    await clear.waitFor({ state: 'detached' });
    await admin.getByTestId('action-done').getByText('Push lock cleared.').waitFor();
    assert.equal(await admin.getByTestId('risk-push-locked').count(), 0);
    assert.equal((await audited('customer.push_lock_cleared', customerId)).length, 1);
    await shootBoth(admin, '77-fraud-resolved-admin');
    phone.stop();
    await admin.close();
  });
});
