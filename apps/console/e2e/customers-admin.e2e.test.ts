/**
 * Customer maintenance in a real browser against a real server: create and edit a customer (the
 * server's refusals on their field), the CSV import with its progress bar and summary, and the
 * authenticator-app and security-question set-up. An agent sees none of these controls.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { browserSuite, chromiumSkip, screenshot, seriousAccessibilityViolations } from './support.ts';

const skip = chromiumSkip();

async function noSeriousViolations(page: Page, state: string) {
  const violations = await seriousAccessibilityViolations(page);
  assert.deepEqual(violations, [], `${state}: ${JSON.stringify(violations, null, 2)}`);
}

/** Screenshots of the current state in English and German, narrow and wide. */
async function shots(page: Page, name: string) {
  for (const language of ['de', 'en'] as const) {
    await page.locator('label.language select').selectOption(language);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `${name}-${language}-${width}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

describe('agent console: customer maintenance', { skip }, () => {
  const suite = browserSuite();
  let page: Page;

  before(async () => {
    page = await suite.page({ signInAs: 'admin' });
  });

  it('creates a customer, shows a refused phone number on its field, and edits with the SIM-swap warning', async () => {
    await page.getByRole('button', { name: 'New customer…' }).click();
    const form = page.getByTestId('customer-form');
    await form.getByLabel('Display name').fill('Nora Neu');
    await form.getByLabel('External id (optional)').fill('CUST-9001');
    await form.getByLabel('Phone number (optional)').fill('0151 2345');
    await form.getByRole('button', { name: 'Create customer' }).click();
    const problem = form.getByTestId('problem-phone');
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? '', /not a valid phone number in international form/);
    assert.equal(await form.getByLabel('Phone number (optional)').getAttribute('aria-invalid'), 'true');
    await noSeriousViolations(page, 'refused phone');
    await shots(page, '80-customer-new-refused');

    await form.getByLabel('Phone number (optional)').fill('+41 44 668 18 00');
    await form.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nora Neu' }).waitFor();
    const created = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'CUST-9001',
    );
    assert.equal(created?.phone, '+41446681800');

    // A duplicate external id is refused on that field.
    await page.getByRole('button', { name: 'Edit…' }).click();
    const edit = page.getByTestId('customer-form');
    await edit.getByLabel('Display name').fill('Nora Neumann');
    assert.equal(
      await edit.getByTestId('phone-warning').count(),
      0,
      'no warning while the number is unchanged',
    );
    await edit.getByLabel('Phone number (optional)').fill('+41 44 668 18 01');
    await edit
      .getByTestId('phone-warning')
      .getByText(/refused for 7 days/)
      .waitFor();
    await noSeriousViolations(page, 'edit with phone warning');
    await shots(page, '81-customer-edit');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nora Neumann' }).waitFor();
    const changed = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'CUST-9001',
    );
    assert.equal(changed?.phone, '+41446681801');
    assert.ok(changed?.phoneChangedAt, 'the phone change is stamped');
  });

  it('imports a CSV of 300 rows in parts, with a progress bar to 100 % and the refused rows', async () => {
    await page.goto(`${suite.world.h.baseUrl}/console/#/`);
    await page.getByRole('button', { name: 'Import from CSV…' }).click();
    const dialog = page.getByTestId('customer-import');
    const lines = ['display_name,external_id,phone,email'];
    for (let i = 1; i <= 300; i++) {
      const phone = i === 7 || i === 250 ? '12345' : `+4144668${String(1000 + i).padStart(4, '0')}`;
      // Row 120 repeats the external id of row 3: refused as taken.
      const externalId = i === 120 ? 'IMP-0003' : `IMP-${String(i).padStart(4, '0')}`;
      const email = i === 9 ? 'not-an-address' : `person${i}@example.com`;
      lines.push(`"Import, Person ${i}",${externalId},${phone},${email}`);
    }
    await dialog.getByLabel('CSV file').setInputFiles({
      name: 'customers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${lines.join('\n')}\n`),
    });
    assert.equal(await dialog.getByTestId('import-rows').textContent(), '300 rows to import.');
    assert.equal(await dialog.locator('table.import-preview tbody tr').count(), 5);
    // The server's check (a dry run) names the problems before anything is written.
    const check = dialog.getByTestId('import-check');
    await check.getByText(/The server would refuse/).waitFor();
    assert.match(
      (await check.textContent()) ?? '',
      /The server would refuse 4 rows; 296 customers would be created, 0 updated\./,
    );
    assert.deepEqual(await check.locator('tbody tr td:first-child').allTextContents(), [
      '8',
      '10',
      '121',
      '251',
    ]);
    assert.equal(
      await suite.world.h.runtime.services.customers.findByExternalId(suite.world.tenant.id, 'IMP-0001'),
      undefined,
      'the check wrote nothing',
    );
    await noSeriousViolations(page, 'import preview');
    await shots(page, '82-customer-import-preview');

    // Every value the progress bar takes, as the browser shows it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="import-progress"]');
        const value = bar?.getAttribute('aria-valuenow');
        if (value && seen.at(-1) !== value) seen.push(value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await dialog.getByRole('button', { name: 'Import 300 rows' }).click();
    const summary = dialog.getByTestId('import-summary');
    await summary.waitFor();
    const bar = dialog.getByRole('progressbar', { name: 'Import progress' });
    assert.equal(await bar.getAttribute('aria-valuenow'), '100');
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Close',
      'the keyboard goes on at Close',
    );
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    assert.deepEqual(seen, ['0', '67', '100'], 'two parts of at most 200 rows');
    assert.equal(
      await dialog.getByTestId('import-progress-text').getAttribute('aria-live'),
      'polite',
      'progress is announced politely',
    );
    assert.match((await summary.textContent()) ?? '', /Import finished: 296 created, 0 updated, 4 refused\./);
    const refusals = await dialog.locator('table.import-refusals tbody tr').allTextContents();
    assert.equal(refusals.length, 4);
    // File lines: the header is line 1, so row i is line i + 1.
    assert.match(refusals[0]!, /^8.*not a valid phone number/);
    assert.match(refusals[1]!, /^10.*not a valid e-mail address/);
    assert.match(refusals[2]!, /^121.*already has this external id/);
    assert.match(refusals[3]!, /^251.*not a valid phone number/);
    await noSeriousViolations(page, 'import summary');
    await shots(page, '83-customer-import-summary');
    const imported = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'IMP-0300',
    );
    assert.equal(imported?.displayName, 'Import, Person 300');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('stops on an error with what was done so far, and sends nothing after it', async () => {
    await page.goto(`${suite.world.h.baseUrl}/console/#/`);
    await page.getByRole('button', { name: 'Import from CSV…' }).click();
    const dialog = page.getByTestId('customer-import');
    const lines = ['display_name,external_id'];
    for (let i = 1; i <= 500; i++) lines.push(`Halt Person ${i},HALT-${i}`);
    await dialog.getByLabel('CSV file').setInputFiles({
      name: 'halt.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(lines.join('\n')),
    });
    await dialog
      .getByTestId('import-check')
      .getByText(/The server finds no problems: 500 customers to create/)
      .waitFor();
    // The first part goes through; the second meets a server error; a third must not be sent.
    let parts = 0;
    await page.route('**/v1/customers/import', async (route) => {
      parts++;
      if (parts === 1) await route.continue();
      else
        await route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Try again.' } }),
        });
    });
    await dialog.getByRole('button', { name: 'Import 500 rows' }).click();
    const summary = dialog.getByTestId('import-summary');
    await summary.waitFor();
    await page.unroute('**/v1/customers/import');
    assert.match(
      (await summary.textContent()) ?? '',
      /Import stopped after 200 of 500 rows because of an error.*200 created, 0 updated, 0 refused/,
    );
    assert.equal(parts, 2);
    assert.equal(await dialog.getByRole('progressbar').getAttribute('aria-valuenow'), '40');
    const last = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'HALT-200',
    );
    assert.equal(last?.displayName, 'Halt Person 200');
    const notSent = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'HALT-201',
    );
    assert.equal(notSent, undefined);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('sets up an authenticator app with a code from it, and security questions without showing answers', async () => {
    const customer = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'CUST-9001',
    );
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${customer!.id}`);
    const security = page.getByTestId('customer-security');
    await security.getByTestId('totp-status').waitFor();
    assert.equal(await security.getByTestId('totp-status').textContent(), 'No authenticator app is set up.');
    await security.getByRole('button', { name: 'Set up authenticator app…' }).click();
    const secret = (await security.getByTestId('totp-secret').textContent()) ?? '';
    assert.match(secret, /^[A-Z2-7]{16,}=*$/);
    assert.equal(await security.getByRole('img', { name: /QR code/ }).count(), 1);
    await noSeriousViolations(page, 'totp set-up');
    await shots(page, '84-customer-totp');

    // A code the app shows at no time near now: refused on the field.
    const totp = new TOTP({ secret });
    const near = [-60, -30, 0, 30, 60].map((s) => totp.generate({ timestamp: Date.now() + s * 1000 }));
    const wrong = ['000000', '111111'].find((c) => !near.includes(c))!;
    await security.getByLabel('Code the app shows now').fill(wrong);
    await security.getByRole('button', { name: 'Confirm' }).click();
    await security.getByText(/This code is not right/).waitFor();
    const code = totp.generate();
    await security.getByLabel('Code the app shows now').fill(code);
    await security.getByRole('button', { name: 'Confirm' }).click();
    await security.getByTestId('security-done').waitFor();
    assert.match((await security.getByTestId('totp-status').textContent()) ?? '', /^Set up on /);
    assert.equal(await security.getByTestId('totp-secret').count(), 0, 'the key is gone once confirmed');
    // The methods for this caller follow: the app is no longer reported missing.
    await page.getByText('No authenticator app set up.', { exact: true }).waitFor({ state: 'detached' });

    await security.getByRole('button', { name: 'Set questions and answers…' }).click();
    await security.getByLabel('Question 1').fill('Name of your first pet?');
    await security.getByLabel('Answer 1').fill('Bello');
    await security.getByRole('button', { name: 'Add a question' }).click();
    await security.getByLabel('Question 2').fill('City you were born in?');
    await security.getByLabel('Answer 2').fill('Basel');
    await noSeriousViolations(page, 'questions form');
    await shots(page, '85-customer-questions');
    await security.getByRole('button', { name: 'Save questions' }).click();
    await security.getByText('The security questions were saved; the old ones are replaced.').waitFor();
    assert.equal(
      await security.getByTestId('questions-status').textContent(),
      '2 questions are set. Answers are never shown.',
    );
    assert.equal(await page.getByText('Bello').count(), 0, 'answers are never shown back');

    // Removing the app asks first.
    await security.getByRole('button', { name: 'Remove app…' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Remove app' }).click();
    await security.getByText('The authenticator app was removed.').waitFor();
    assert.equal(await security.getByTestId('totp-status').textContent(), 'No authenticator app is set up.');
  });

  it('shows an agent none of these controls', async () => {
    const agent = await suite.page({ signInAs: 'agent' });
    assert.equal(await agent.getByRole('button', { name: 'New customer…' }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Import from CSV…' }).count(), 0);
    const customer = await suite.world.h.runtime.services.customers.findByExternalId(
      suite.world.tenant.id,
      'CUST-9001',
    );
    await agent.goto(`${suite.world.h.baseUrl}/console/#/customers/${customer!.id}`);
    await agent.getByRole('heading', { level: 1, name: 'Nora Neumann' }).waitFor();
    await agent.getByRole('heading', { name: 'Devices' }).waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Edit…' }).count(), 0);
    assert.equal(await agent.getByTestId('customer-security').count(), 0);
  });
});
