/**
 * The practice space in a real browser against a real server: an agent starts a session of all
 * seven scenarios from the console and works through each made-up caller on the usual customer
 * page (with its practice marking): push approved, denied, fraud reported, an unreachable phone
 * and the SMS fallback, a wrong code, no smartphone, failed security questions; then reads the
 * score. A supervisor assigns a session and sees the agent's score; the agent practises its first
 * call in the embeddable verify panel. No message left through the
 * configured provider. Then the first-run tour: shown once, Escape, replay from Help, focus.
 * Screenshots in English and German, narrow and wide, go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  newPage,
  openAdminPage,
  screenshot,
  screenshotDir,
  seriousAccessibilityViolations,
  signIn,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: practice sessions', { skip }, () => {
  const suite = browserSuite();
  let page: Page;

  before(async () => {
    page = await suite.page({ signInAs: 'agent' });
  });

  const result = () => page.getByTestId('verify-result');

  /** The caller's code, as they read it from their (practice) text message. */
  async function codeFromCaller(): Promise<string> {
    // Their phone also got the notice that a device was set up; the code is in the newest message.
    const message = page.getByTestId('caller-message').filter({ hasText: /\b\d{6}\b/ });
    await message.waitFor();
    const code = /\b(\d{6})\b/.exec((await message.textContent()) ?? '')?.[1];
    assert.ok(code, `the caller reads out the code of their text message: ${await message.textContent()}`);
    return code;
  }

  async function verifyBySms(): Promise<void> {
    const use = page.getByRole('button', { name: 'Use: SMS code' });
    if (await use.count()) await use.click();
    await page.getByRole('button', { name: 'Send code by SMS' }).click();
    const code = await codeFromCaller();
    await page.getByLabel('Code the caller reads out').fill(code);
    await page.getByRole('button', { name: 'Check code' }).click();
    await page.getByTestId('fallback-result').filter({ hasText: 'Verified' }).waitFor();
  }

  async function conclude(label: 'Caller verified' | 'Not verified' | 'Handed to a supervisor') {
    const before = page.url();
    await page.getByRole('button', { name: label }).click();
    await page.waitForURL((url) => url.toString() !== before);
  }

  async function onCaller(n: number): Promise<void> {
    await page.getByTestId('practice-banner').waitFor();
    await page.getByText(`Call ${n} of 7`).waitFor();
  }

  it('an agent practises all seven scenarios on the usual screens and gets a score', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Practice' }).click();
    await page.getByRole('heading', { level: 1, name: 'Practice' }).waitFor();
    await screenshot(page, 'practice-01-start');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Start practising' }).click();
    await page.getByTestId('practice-step').waitFor();
    await screenshot(page, 'practice-02-session');
    await page.getByRole('link', { name: 'Open the caller' }).click();

    // 1. Approves after a moment.
    await onCaller(1);
    await screenshot(page, 'practice-03-caller');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await result().filter({ hasText: 'Verified' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'practice-04-approved');
    await conclude('Caller verified');

    // 2. Denies.
    await onCaller(2);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await result().filter({ hasText: 'Denied by the customer' }).waitFor({ timeout: 20_000 });
    await conclude('Not verified');

    // 3. Reports fraud: the right reaction is to stop and hand over.
    await onCaller(3);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await result().filter({ hasText: 'Fraud reported' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'practice-05-fraud');
    await conclude('Handed to a supervisor');

    // 4. Unreachable: no push arrives; the SMS code goes to the practice outbox, the caller reads it.
    await onCaller(4);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await page.getByTestId('verify-unreachable').waitFor();
    await verifyBySms();
    await screenshot(page, 'practice-06-sms');
    await conclude('Caller verified');

    // 5. A wrong code first, then the right one.
    await onCaller(5);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await page.getByTestId('verify-wrong-code').waitFor({ timeout: 20_000 });
    await result().filter({ hasText: 'Verified' }).waitFor({ timeout: 20_000 });
    await conclude('Caller verified');

    // 6. No smartphone: straight to SMS.
    await onCaller(6);
    await verifyBySms();
    await conclude('Caller verified');

    // 7. Fails the security questions: the caller's answers are on the practice panel.
    await onCaller(7);
    await page.getByLabel('Action').selectOption('account_enquiry');
    const answers = page.getByTestId('caller-answers');
    await answers.waitFor();
    for (const entry of await answers.locator('div').all()) {
      const question = (await entry.locator('dt').textContent()) ?? '';
      const answer = ((await entry.locator('dd').textContent()) ?? '').replace(/[“”]/g, '');
      await page.getByLabel(`Answer to: ${question}`).fill(answer);
    }
    await page.getByRole('button', { name: 'Check answers' }).click();
    await page.getByTestId('fallback-error').filter({ hasText: 'Not verified' }).waitFor();
    await conclude('Not verified');

    // The score: every method and reaction right.
    const score = page.getByTestId('practice-score');
    await score.waitFor();
    const text = (await score.textContent()) ?? '';
    assert.match(text, /Right method7 of 7/);
    assert.match(text, /Right reaction7 of 7/);
    assert.match(text, /SMS code/);
    await screenshot(page, 'practice-07-score');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // Nothing went out through the configured provider (the development outbox here).
    const sent = await suite.world.h.runtime.database.db.selectFrom('message_outbox').select('id').execute();
    assert.equal(sent.length, 0);
  });

  it('practice customers are not found by the search', async () => {
    await page.goto(`${suite.world.h.baseUrl}/console/#/`);
    await page.getByRole('combobox', { name: /Name, customer ID/ }).fill('Mustermann');
    await page.getByText('No customer matches “Mustermann”.').first().waitFor();
    assert.equal(await page.getByRole('option', { name: /practice/ }).count(), 0);
  });

  it('a supervisor assigns a session; the agent starts it; the supervisor sees the scores', async () => {
    const { h, tenant } = suite.world;
    await h.runtime.services.operators.create(
      tenant.id,
      {
        email: 'sue@acme.example',
        displayName: 'Sue Supervisor',
        role: 'supervisor',
        password: 'correct horse battery staple',
      },
      cliActor,
    );
    const sup = await suite.page();
    await signIn(sup, suite.world, 'sue@acme.example');
    await sup.goto(`${h.baseUrl}/console/#/practice`);
    await sup.getByLabel('For').selectOption({ label: 'Sam Support (Agent)' });
    await sup.getByRole('button', { name: 'Assign session' }).click();
    await sup.getByText('Session assigned to Sam Support.').waitFor();
    await sup.getByRole('cell', { name: /Method 7\/7 · reaction 7\/7/ }).waitFor();
    await screenshot(sup, 'practice-08-supervisor');
    assert.deepEqual(await seriousAccessibilityViolations(sup), []);

    await page.goto(`${h.baseUrl}/console/#/practice`);
    await page.getByRole('cell', { name: 'Assigned' }).waitFor();
    await page
      .getByRole('row', { name: /Assigned/ })
      .getByRole('link', { name: 'Open' })
      .click();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('practice-step').waitFor();

    // The same call in the embeddable verify panel, marked as practice, answered by the same phone.
    const [panel] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByRole('button', { name: 'Practise it in the verify panel' }).click(),
    ]);
    await panel.getByTestId('practice-banner').waitFor();
    await panel.getByRole('button', { name: 'Verify caller' }).click();
    await panel.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor({ timeout: 20_000 });
    await screenshot(panel, 'practice-09-widget');
    assert.deepEqual(await seriousAccessibilityViolations(panel), []);
  });
});

describe('agent console: the first-run tour', { skip }, () => {
  const suite = browserSuite();

  it('shows once, leaves with Escape, comes back from Help, and keeps focus where it belongs', async () => {
    const page = await suite.page({ tour: true });
    await signIn(page, suite.world, suite.world.agentEmail);
    const tour = page.getByRole('dialog', { name: 'Welcome to Helpdesk Auth' });
    await tour.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tour-title');
    await screenshot(page, 'tour-01-welcome');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.keyboard.press('Escape');
    await tour.waitFor({ state: 'detached' });

    // Remembered for this operator: not shown again after a reload.
    await page.reload();
    await page.getByRole('heading', { name: 'Find the caller' }).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0);

    // Replayed from Help, step by step with the keyboard; focus returns to the Help button.
    const help = page.getByRole('button', { name: 'Help' });
    await help.click();
    await page.getByRole('button', { name: 'Show the tour again' }).click();
    await page.getByRole('dialog', { name: 'Welcome to Helpdesk Auth' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('dialog', { name: 'Find the caller' }).waitFor();
    assert.equal(await page.locator('[data-tour="search"].tour-target').count(), 1);
    await screenshot(page, 'tour-02-search');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('dialog', { name: 'Press “Verify caller”' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    const say = page.getByRole('dialog', { name: 'What to say' });
    await say.waitFor();
    assert.match((await say.textContent()) ?? '', /read the code/i);
    await screenshot(page, 'tour-03-say');
    // Tab stays inside the dialog.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(() => Boolean(document.activeElement?.closest('[role="dialog"]'))),
      true,
    );
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('dialog', { name: 'Practise first' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByRole('dialog').count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('title')), 'Help');
    // Remembered by the server too: a fresh browser of the same operator shows no tour.
    const elsewhere = await suite.page({ tour: true });
    await signIn(elsewhere, suite.world, suite.world.agentEmail);
    await elsewhere.getByRole('button', { name: 'Help' }).waitFor();
    await elsewhere.waitForLoadState('networkidle');
    assert.equal(await elsewhere.getByRole('dialog').count(), 0);
  });

  it('speaks German for a German operator', async () => {
    const page = await suite.page({ tour: true, locale: 'de-DE' });
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-Mail').fill(suite.world.adminEmail);
    await page.getByLabel('Passwort').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('dialog', { name: 'Willkommen bei Helpdesk Auth' }).waitFor();
    await page.getByRole('button', { name: 'Weiter' }).click();
    await page.getByRole('dialog', { name: 'Den Anrufer finden' }).waitFor();
    await screenshot(page, 'tour-04-de');
    await page.getByRole('button', { name: 'Tour überspringen' }).click();
    assert.equal(await page.getByRole('dialog').count(), 0);
  });
});

describe('admin console: resetting the practice space', { skip }, () => {
  const suite = browserSuite();
  const dayMs = 24 * 60 * 60 * 1000;

  const resetButton = (page: Page) =>
    page.getByRole('button', { name: /^(Reset practice space|Übungsbereich zurücksetzen)$/ });

  async function practiceCounts() {
    const { h, tenant } = suite.world;
    const db = h.runtime.database.db;
    const sessions = await db
      .selectFrom('practice_sessions')
      .select(['id', 'status'])
      .where('tenant_id', '=', tenant.id)
      .execute();
    const customers = await db
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenant.id)
      .where('practice', '=', 1)
      .execute();
    const messages = await db
      .selectFrom('practice_messages')
      .select('id')
      .where('tenant_id', '=', tenant.id)
      .execute();
    return { sessions, customers: customers.length, messages: messages.length };
  }

  /** The admin, signed in in English and switched to German when asked, at this width. */
  async function adminPage(width: number, language: 'en' | 'de' = 'en', height = 900): Promise<Page> {
    const page = await newPage(suite.browser, { width, height });
    await signIn(page, suite.world, suite.world.adminEmail);
    if (language === 'de') await page.getByRole('banner').getByLabel('Language').selectOption('de');
    return page;
  }

  it('agents and supervisors practise but have no reset; the admin resets after a confirmation', async () => {
    const { h, tenant } = suite.world;
    const realId = await createCustomer(suite.world, { displayName: 'Rita Real', externalId: 'CUST-REAL-1' });

    // An agent starts a session (in progress) and sees no reset.
    const agent = await suite.page({ signInAs: 'agent' });
    await agent.goto(`${h.baseUrl}/console/#/practice`);
    await agent.getByRole('button', { name: 'Start practising' }).click();
    await agent.getByTestId('practice-step').waitFor();
    await agent.goto(`${h.baseUrl}/console/#/practice`);
    await agent.getByRole('cell', { name: 'In progress' }).waitFor();
    assert.equal(await resetButton(agent).count(), 0);
    assert.equal(await agent.getByRole('heading', { name: 'Reset the practice space' }).count(), 0);

    // A supervisor assigns one and sees no reset either.
    await h.runtime.services.operators.create(
      tenant.id,
      {
        email: 'sue@acme.example',
        displayName: 'Sue Supervisor',
        role: 'supervisor',
        password: 'correct horse battery staple',
      },
      cliActor,
    );
    const sup = await suite.page();
    await signIn(sup, suite.world, 'sue@acme.example');
    await sup.goto(`${h.baseUrl}/console/#/practice`);
    await sup.getByLabel('For').selectOption({ label: 'Sam Support (Agent)' });
    await sup.getByRole('button', { name: 'Assign session' }).click();
    await sup.getByText('Session assigned to Sam Support.').waitFor();
    assert.equal(await resetButton(sup).count(), 0);
    await sup.context().close();

    // The assigned session is older than the retention period: the server's sweep removes it
    // (practice.purged, by the system), the one in progress stays.
    const assigned = (await practiceCounts()).sessions.find((s) => s.status === 'assigned');
    assert.ok(assigned);
    await h.runtime.database.db
      .updateTable('practice_sessions')
      .set({ created_at: Date.now() - 31 * dayMs })
      .where('id', '=', assigned.id)
      .execute();
    const purged = await h.runtime.services.practice.purgeExpired();
    assert.equal(purged.sessions, 1);

    // The admin practises too, then opens the Practice page: two sessions in progress.
    const page = await adminPage(1280);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Practice' }).click();
    await page.getByRole('button', { name: 'Start practising' }).click();
    await page.getByTestId('practice-step').waitFor();
    await page.getByRole('link', { name: 'All sessions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Practice' }).waitFor();
    await page.getByRole('cell', { name: 'In progress' }).nth(1).waitFor();
    const before = await practiceCounts();
    assert.equal(before.sessions.length, 2);
    assert.ok(before.customers >= 14, `two sessions of seven callers: ${before.customers}`);

    // The confirmation: the focus on Cancel, what goes and what stays said plainly; Escape keeps all.
    const button = resetButton(page);
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Reset the practice space?' });
    await dialog.waitFor();
    const body = (await dialog.textContent()) ?? '';
    assert.match(body, /removes all practice sessions of every operator, also the ones in progress/);
    assert.match(body, /all made-up customers/);
    assert.match(body, /Real customers and the audit log are not touched/);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Reset practice space',
      'the focus is back on the button',
    );
    assert.equal((await practiceCounts()).sessions.length, 2, 'Escape removed nothing');

    // With the keyboard: open, Tab from Cancel to the confirmation, Enter.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Remove all practice data');
    await page.keyboard.press('Enter');
    const outcome = page.getByTestId('practice-reset-outcome');
    assert.equal(await outcome.getAttribute('role'), 'status');
    const plural = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);
    await outcome
      .filter({
        hasText: `Practice space reset: 2 practice sessions, ${before.customers} made-up customers and ${plural(before.messages, 'practice message', 'practice messages')} removed.`,
      })
      .waitFor();
    await page.getByText('No practice sessions yet.').waitFor();
    assert.equal(await page.getByRole('cell', { name: 'In progress' }).count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Reset practice space');
    await screenshot(page, 'practice-11-reset-done');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // Gone on the server; the real customer stays.
    const after = await practiceCounts();
    assert.deepEqual(after, { sessions: [], customers: 0, messages: 0 });
    const real = await h.runtime.database.db
      .selectFrom('customers')
      .select('display_name')
      .where('id', '=', realId)
      .executeTakeFirst();
    assert.equal(real?.display_name, 'Rita Real');

    // The agent's list is empty too.
    await agent.reload();
    await agent.getByText('No practice sessions yet.').waitFor();
    await agent.context().close();

    // The audit log tells both in sentences.
    await openAdminPage(page, 'Audit log');
    await page.getByTestId('audit-table').waitFor();
    await page.getByLabel('Action').selectOption({ label: 'Practice space reset' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const resetRow = page.locator('[data-testid="audit-table"] tbody tr[data-action="practice.reset"]');
    await resetRow
      .getByTestId('audit-sentence')
      .filter({
        hasText: `Ada Admin reset the practice space and removed all practice data (practice sessions: 2, made-up customers: ${before.customers}, practice messages: ${before.messages}).`,
      })
      .waitFor();
    assert.equal(await page.locator('[data-testid="audit-table"] tbody tr').count(), 1);
    await screenshot(page, 'practice-12-reset-audit');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByLabel('Action').selectOption({ label: 'Old practice sessions removed' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page
      .locator('[data-testid="audit-table"] tbody tr[data-action="practice.purged"]')
      .getByTestId('audit-sentence')
      .filter({
        hasText: `Helpdesk Auth removed the practice sessions older than 30 days with their made-up customers (practice sessions: 1, made-up customers: ${purged.customers}).`,
      })
      .waitFor();
    await page.context().close();
  });

  it('speaks German: the confirmation and the audit sentence', async () => {
    const page = await adminPage(1280, 'de');
    await page.goto(`${suite.world.h.baseUrl}/console/#/practice`);
    await resetButton(page).click();
    const dialog = page.getByRole('dialog', { name: 'Übungsbereich zurücksetzen?' });
    await dialog.waitFor();
    assert.match(
      (await dialog.textContent()) ?? '',
      /auch laufende.*Echte Kunden und das Prüfprotokoll bleiben unberührt/s,
    );
    await dialog.getByRole('button', { name: 'Alle Übungsdaten entfernen' }).click();
    // Nothing left after the first reset: it says so, and is audited all the same.
    await page
      .getByTestId('practice-reset-outcome')
      .filter({ hasText: 'Übungsbereich zurückgesetzt: Er war schon leer, nichts wurde entfernt.' })
      .waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.goto(`${suite.world.h.baseUrl}/console/#/audit`);
    await page.getByLabel('Aktion').selectOption({ label: 'Übungsbereich zurückgesetzt' });
    await page.getByRole('button', { name: 'Filtern', exact: true }).click();
    await page
      .getByTestId('audit-sentence')
      .filter({
        hasText:
          'Ada Admin hat den Übungsbereich zurückgesetzt und alle Übungsdaten entfernt (Übungen: 0, erfundene Kunden: 0, Übungsnachrichten: 0).',
      })
      .waitFor();
    await page.context().close();
  });

  it('the confirmation in English and German at 390 and 1440 px (and 1280 for the guide)', async () => {
    const sizes = [
      ['en', 390, 844],
      ['en', 1440, 900],
      ['de', 390, 844],
      ['de', 1440, 900],
      ['en', 1280, 800],
    ] as const;
    for (const [language, width, height] of sizes) {
      const page = await adminPage(width, language, height);
      await page.goto(`${suite.world.h.baseUrl}/console/#/practice`);
      await resetButton(page).click();
      await page.getByRole('dialog').waitFor();
      // Nothing wider than the screen.
      assert.ok(
        (await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0,
        `no sideways scrolling at ${width} px (${language})`,
      );
      // The screen as the admin sees it: a full-page picture would cut the modal's backdrop.
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({
        path: path.join(screenshotDir, `practice-10-reset-confirm-${language}-${width}.png`),
      });
      assert.deepEqual(await seriousAccessibilityViolations(page), []);
      await page.context().close();
    }
  });
});
