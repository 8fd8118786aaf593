/**
 * The console read by people: the audit log in sentences with names (the stored entry one click
 * away, an action list to filter by, an export of exactly what is shown, a table keyboard users
 * can scroll at 760 px), History found by a customer's name or number, the policy as a form with
 * the JSON one tab away, the sign-in form that never splits what the agent types, and a header
 * that stays one row at 1280 px and keeps the signed-in name at 760 px. Screenshots in English
 * and German at 390, 760, 1280 and 1440 px.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import { testPassword } from '../../../packages/server/src/test-support/harness.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  screenshot,
  screenshotDir,
  seriousAccessibilityViolations,
  signIn,
  skipTour,
} from './support.ts';

const skip = chromiumSkip();
const widths = [390, 760, 1280, 1440] as const;

describe('console for people: audit log, history filter, policy form, sign-in, header', { skip }, () => {
  const suite = browserSuite();
  let aliceId: string;
  let aliceVerification: string;
  let apiKey: string;

  before(async () => {
    const { world } = suite;
    aliceId = await createCustomer(world, { displayName: 'Alice Martin', externalId: 'CUST-1001' });
    const bobId = await createCustomer(world, { displayName: 'Bob Keller', externalId: 'CUST-1002' });
    await createCustomer(world, { displayName: 'Alice Martinez', externalId: 'CUST-1003' });
    await enrollPhone(world, aliceId);
    await enrollPhone(world, bobId);
    apiKey = await world.h.createApiKey(world.tenant, ['verifications:read', 'verifications:write']);
    const start = async (customerId: string) => {
      const response = await fetch(`${world.h.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId, reason: 'Card replacement', agentName: 'Sam Support' }),
      });
      assert.equal(response.status, 201);
      return ((await response.json()) as { id: string }).id;
    };
    aliceVerification = await start(aliceId);
    await start(bobId);
    // An operator's change, so the log holds entries by a person too.
    await world.h.runtime.services.customers.update(
      world.tenant.id,
      bobId,
      { email: 'bob@example.com' },
      cliActor,
    );
  });

  async function pageAs(role: 'auditor' | 'admin' | 'agent', width: number, locale: 'en' | 'de' = 'en') {
    const context = await suite.browser.newContext({
      viewport: { width, height: 900 },
      // Signed in in English (signIn reads the English page), then switched like an agent would.
      locale: 'en-GB',
      bypassCSP: true,
    });
    await context.addInitScript(skipTour);
    const page = await context.newPage();
    await signIn(page, suite.world, suite.world[`${role}Email`]);
    if (locale === 'de') await page.getByRole('banner').getByLabel('Language').selectOption('de');
    return page;
  }

  async function openAudit(page: Page) {
    await page.goto(`${suite.world.h.baseUrl}/console/#/audit`);
    await page.getByTestId('audit-table').waitFor();
  }

  it('audit log: sentences with names, the stored entry one click away, an action list, and an export of what is shown', async () => {
    const page = await pageAs('auditor', 1280);
    await openAudit(page);
    const sentences = page.getByTestId('audit-sentence');
    // Names and sentences, not ids: the API key's start of Alice's verification, with her name a link.
    const started = sentences.filter({ hasText: 'sent a push verification to Alice Martin’s phone.' });
    await started.first().waitFor();
    assert.match((await started.first().textContent()) ?? '', /^API key “.+” sent a push verification/);
    await started.first().getByRole('link', { name: 'Alice Martin' }).waitFor();
    await sentences.filter({ hasText: 'Otto Auditor signed in.' }).first().waitFor();
    await sentences.filter({ hasText: 'The command line created the customer Bob Keller.' }).waitFor();
    assert.equal(
      await page
        .getByTestId('audit-table')
        .getByText(/cus_[0-9a-z]{10}/)
        .count(),
      0,
      'no raw ids on show',
    );

    // The stored entry, one click away.
    const row = page.locator('tr', { has: started.first() });
    const details = row.locator('details');
    assert.equal(await details.getAttribute('open'), null);
    await row.locator('summary').click();
    const json = JSON.parse((await details.locator('pre').textContent()) ?? '{}') as {
      action: string;
      target: { id: string };
      data: { customerId: string };
    };
    assert.equal(json.action, 'verification.started');
    assert.equal(json.target.id, aliceVerification);
    assert.equal(json.data.customerId, aliceId);
    await screenshot(page, '60-audit-sentences-en-1280');

    // The action filter is a list; the export follows it.
    await page.getByLabel('Action').selectOption({ label: 'Customer created' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="audit-table"] tbody tr')].every(
        (tr) => tr.getAttribute('data-action') === 'customer.created',
      ),
    );
    assert.equal(await page.locator('[data-testid="audit-table"] tbody tr').count(), 3);
    const exportLink = page.getByRole('link', { name: 'Export these entries (JSON Lines)' });
    assert.equal(await exportLink.getAttribute('href'), '/v1/audit-events/export?action=customer.created');
    // What the browser downloads (with the auditor's session) holds exactly those entries.
    const lines = await page.evaluate(
      async (href) => (await (await fetch(href)).text()).trim().split('\n'),
      (await exportLink.getAttribute('href'))!,
    );
    assert.equal(lines.length, 3);
    assert.ok(lines.every((line) => (JSON.parse(line) as { action: string }).action === 'customer.created'));
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // By customer, as the agent knows them: everything about Alice, her verification and her phone included.
    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Customer (name or customer number)').fill('CUST-1001');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    // The export link follows the filter once the list shows it.
    await page.waitForFunction(
      (id) =>
        document
          .querySelector('a[href^="/v1/audit-events/export"]')
          ?.getAttribute('href')
          ?.endsWith(`customerId=${id}`) &&
        !document.querySelector('[data-testid="audit-table"] tbody tr[data-action="operator.signed_in"]'),
      aliceId,
    );
    assert.deepEqual(
      await page
        .locator('[data-testid="audit-table"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))),
      // The new device's notice to the customer's other channels is about her too (it could not be
      // sent here: this customer has neither a phone number nor an e-mail address).
      [
        'verification.started',
        'customer.notification_failed',
        'device.enrolled',
        'device.activation_created',
        'customer.created',
      ],
    );
    assert.equal(await exportLink.getAttribute('href'), `/v1/audit-events/export?customerId=${aliceId}`);
    // By who acted, chosen by name.
    await page.getByLabel('Customer (name or customer number)').fill('');
    await page.getByRole('combobox', { name: /^By/ }).selectOption({ label: 'Otto Auditor' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="audit-table"] tbody tr')].every(
        (tr) => tr.getAttribute('data-action') === 'operator.signed_in',
      ),
    );
    await page.context().close();
  });

  it('audit log at 760 px: the table scrolls sideways and keyboard users reach it; axe finds nothing serious', async () => {
    const page = await pageAs('auditor', 760);
    await openAudit(page);
    const region = page.getByRole('region', { name: 'Audit entries, scrollable' });
    await region.waitFor();
    assert.equal(await region.getAttribute('tabindex'), '0');
    await region.focus();
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'Audit entries, scrollable',
    );
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.context().close();
  });

  it('audit log: the entries of a campaign in sentences and in the action list, in English and German', async () => {
    const { world } = suite;
    const { campaigns } = world.h.runtime.services;
    const { campaign } = await campaigns.create(
      world.tenant.id,
      { name: 'Spring rollout', kind: 'invitation', channel: 'sms', audience: { kind: 'all' } },
      cliActor,
    );
    await campaigns.change(world.tenant.id, campaign.id, 'cancel', cliActor);
    const page = await pageAs('auditor', 1280);
    await openAudit(page);
    const sentences = page.getByTestId('audit-sentence');
    const created = sentences.filter({ hasText: 'created the campaign “Spring rollout”' });
    await created.waitFor();
    assert.match(
      (await created.textContent()) ?? '',
      new RegExp(
        `^The command line created the campaign “Spring rollout” \\(${campaign.id}, estimated recipients: \\d+\\)\\.$`,
      ),
    );
    await sentences.filter({ hasText: `The command line cancelled the campaign ${campaign.id}.` }).waitFor();
    // Named in the action list, so an auditor can filter by it.
    await page.getByLabel('Action').selectOption({ label: 'Campaign cancelled' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-table"] tbody tr')];
      return rows.length === 1 && rows[0]!.getAttribute('data-action') === 'campaign.cancelled';
    });
    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await sentences.filter({ hasText: `hat die Kampagne ${campaign.id} abgebrochen.` }).waitFor();
    assert.equal(
      await page.getByLabel('Aktion').locator('option:checked').textContent(),
      'Kampagne abgebrochen',
    );
    await page.context().close();
  });

  it('audit log and policy form in English and German at 390, 760, 1280 and 1440 px', async () => {
    for (const locale of ['en', 'de'] as const) {
      for (const width of widths) {
        const page = await pageAs('admin', width, locale);
        await openAudit(page);
        await page.locator('summary').first().click();
        // Nothing wider than the screen but the table's own scrolling box.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the audit page is ${overflow} px wider than ${width} px (${locale})`);
        await screenshot(page, `61-audit-${locale}-${width}`);
        await page.goto(`${suite.world.h.baseUrl}/console/#/policy`);
        await page.getByTestId('policy-methods').waitFor();
        await screenshot(page, `62-policy-form-${locale}-${width}`);
        const policyOverflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        assert.ok(
          policyOverflow <= 0,
          `the policy page is ${policyOverflow} px wider than ${width} px (${locale})`,
        );
        assert.deepEqual(await seriousAccessibilityViolations(page), [], `policy form ${locale} ${width}`);
        await page.context().close();
      }
    }
  });

  it('history: the customer filter takes a name or a customer number', async () => {
    const page = await pageAs('agent', 1280);
    await page.goto(`${suite.world.h.baseUrl}/console/#/history`);
    const table = page.getByTestId('history-table');
    await table.getByText('Bob Keller').waitFor();
    const field = page.getByLabel('Customer (name or customer number)');
    await field.fill('Bob Keller');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="history-table"]')?.textContent?.includes('Alice'),
    );
    await table.getByText('Bob Keller').waitFor();
    // "Alice Martin" is also the start of "Alice Martinez": the customer number picks one.
    await field.fill('Alice Mart');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '2 customers match “Alice Mart”' }).waitFor();
    await screenshot(page, '63-history-several');
    await field.fill('CUST-1001');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await table.getByText('Alice Martin').waitFor();
    assert.equal(await table.getByText('Bob Keller').count(), 0);
    await field.fill('Nobody Here');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'No customer matches “Nobody Here”.' }).waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.context().close();
  });

  it('policy: a form with the JSON one tab away; the saved version is what the form said', async () => {
    const page = await pageAs('admin', 1280);
    await page.goto(`${suite.world.h.baseUrl}/console/#/policy`);
    const formTab = page.getByRole('tab', { name: 'Form' });
    const jsonTab = page.getByRole('tab', { name: 'JSON' });
    assert.equal(await formTab.getAttribute('aria-selected'), 'true');
    // Tabs as the keyboard expects: arrow keys move between them.
    await formTab.focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await jsonTab.getAttribute('aria-selected'), 'true');
    await page.getByRole('textbox', { name: 'Policy document (JSON)' }).waitFor();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await formTab.getAttribute('aria-selected'), 'true');

    const methods = page.getByTestId('policy-methods');
    await page.getByRole('checkbox', { name: 'Offer E-mail code' }).check();
    await page.getByRole('button', { name: 'Move SMS code up' }).click();
    await page.getByLabel('Assurance of Authenticator-app code').selectOption('moderate');
    await page.getByLabel('Assurance Change phone number needs').selectOption('substantial');
    await page.getByLabel('New action').fill('close_account');
    await page.getByRole('button', { name: 'Add action' }).click();
    await page.getByLabel('close_account is high risk').check();
    await page.getByRole('checkbox', { name: 'After a successful verification' }).check();
    // A number out of range: the server's sentence shows, and saving waits.
    await page.getByLabel('Lock push after this many denials').fill('0');
    const check = page.getByTestId('policy-check');
    await check.filter({ hasText: 'push.lockAfterDenials' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save as new version' }).isDisabled(), true);
    await screenshot(page, '64-policy-form-problem');
    await page.getByLabel('Lock push after this many denials').fill('4');
    await check.filter({ hasText: 'No problems found.' }).waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
    assert.deepEqual(
      await methods.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-method'))),
      ['push', 'app_code', 'sms_otp', 'totp', 'email_otp', 'security_questions'],
    );

    const saved = (await suite.world.h.runtime.services.fallbacks.policies.current(suite.world.tenant.id))
      .policy;
    assert.deepEqual(
      saved.methods.map((m) => [m.method, m.enabled, m.assurance]),
      [
        ['push', true, 'high'],
        ['app_code', true, 'substantial'],
        ['sms_otp', true, 'moderate'],
        ['totp', true, 'moderate'],
        ['email_otp', true, 'low'],
        ['security_questions', true, 'low'],
      ],
    );
    assert.deepEqual(saved.actions.close_account, { requiredAssurance: 'moderate', highRisk: true });
    assert.equal(saved.actions.change_phone_number?.requiredAssurance, 'substantial');
    assert.equal(saved.push.lockAfterDenials, 4);
    assert.equal(saved.notifications.afterVerification, true);
    // The JSON view shows the same document.
    await jsonTab.click();
    const text = await page.getByRole('textbox', { name: 'Policy document (JSON)' }).inputValue();
    assert.deepEqual(JSON.parse(text), saved);
    await page.context().close();
  });

  it('sign-in in demo mode: typing the password at once lands in Password only', async () => {
    const context = await suite.browser.newContext({
      viewport: { width: 1280, height: 720 },
      locale: 'en-GB',
    });
    await context.addInitScript(skipTour);
    const page = await context.newPage();
    // The server's answer whether this is a demo is slow to come: the form waits for it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/console/bootstrap.json', async (route) => {
      await released;
      await route.fulfill({
        json: { demo: { tenant: suite.world.tenant.slug, email: suite.world.adminEmail } },
      });
    });
    // The page's timers stand still, so the form's own patience (it shows after 3 s without an
    // answer) cannot run out however slow this machine is.
    const now = Date.now();
    await page.clock.install({ time: now });
    await page.clock.pauseAt(now + 1);
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByLabel('Organisation').isVisible(), false, 'no field to type into yet');
    release();
    await page.getByTestId('demo-hint').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'password');
    await page.keyboard.type(testPassword);
    assert.equal(await page.getByLabel('Organisation').inputValue(), suite.world.tenant.slug);
    assert.equal(await page.getByLabel('Password').inputValue(), testPassword);
    await page.clock.resume();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Find the caller' }).waitFor();
    await context.close();

    // Without a demo, the organisation is where typing starts.
    const plain = await suite.browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-GB' });
    await plain.addInitScript(skipTour);
    const second = await plain.newPage();
    await second.goto(`${suite.world.h.baseUrl}/console/`);
    await second.waitForFunction(() => document.activeElement?.getAttribute('name') === 'tenant');
    await plain.close();

    // A server that never says: after 3 seconds the form shows anyway, ready for the organisation.
    const silent = await suite.browser.newContext({
      viewport: { width: 1280, height: 720 },
      locale: 'en-GB',
    });
    await silent.addInitScript(skipTour);
    const third = await silent.newPage();
    await third.route('**/console/bootstrap.json', () => {});
    const start = Date.now();
    await third.clock.install({ time: start });
    await third.clock.pauseAt(start + 1);
    await third.goto(`${suite.world.h.baseUrl}/console/`);
    await third.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await third.getByLabel('Organisation').isVisible(), false);
    await third.clock.runFor(3000);
    await third.waitForFunction(() => document.activeElement?.getAttribute('name') === 'tenant');
    await silent.close();
  });

  it('header: one row at 1280 px, no navigation scrolling sideways, and the signed-in name still shown at 760 px (English and German)', async () => {
    for (const locale of ['en', 'de'] as const) {
      for (const width of widths) {
        const page = await pageAs('admin', width, locale);
        await page.screenshot({ path: `${screenshotDir}/65-header-${locale}-${width}.png` });
        const header = page.locator('header.top-bar');
        const who = header.locator('.who');
        if (width >= 760) {
          assert.equal(await who.isVisible(), true, `the signed-in name at ${width} px (${locale})`);
          assert.match((await who.textContent()) ?? '', /Ada Admin/);
        }
        if (width >= 1280) {
          // One row: every part of the header sits on the same line.
          const tops = await header.evaluate((el) =>
            [...el.querySelectorAll('.brand, nav li, .top-right')].map((n) =>
              Math.round(n.getBoundingClientRect().top),
            ),
          );
          const height = await header.evaluate((el) => el.getBoundingClientRect().height);
          assert.ok(
            height < 70,
            `the header is ${height} px tall at ${width} px (${locale}): it wrapped (${tops})`,
          );
        }
        // The admin's navigation fits (its administration pages under one button): no sideways scrolling.
        const navOverflow = await header
          .locator('nav > ul')
          .evaluate((el) => el.scrollWidth - el.clientWidth);
        assert.ok(
          navOverflow <= 0,
          `the navigation scrolls sideways by ${navOverflow} px at ${width} px (${locale})`,
        );
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the page is ${overflow} px wider than ${width} px (${locale})`);
        assert.deepEqual(await seriousAccessibilityViolations(page), []);
        await page.context().close();
      }
    }
  });
});
