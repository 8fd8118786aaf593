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
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import { browserSuite, chromiumSkip, screenshot, seriousAccessibilityViolations, signIn } from './support.ts';

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
