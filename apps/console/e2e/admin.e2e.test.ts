/**
 * History, admin pages, the auditor's log, role-aware navigation and the language switch, in a
 * real browser against a real server. Each main screen passes axe-core without serious or
 * critical violations; screenshots go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { demoAdminEmail, demoTenantSlug } from '../../../packages/server/src/features/tenants/index.ts';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  adminMenuButton,
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  openAdminPage,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: history, admin, audit, languages', { skip }, () => {
  const suite = browserSuite();
  let verificationId: string;

  before(async () => {
    // One approved verification, started by an integration, answered by the phone.
    const customerId = await createCustomer(suite.world, {
      displayName: 'Hanna History',
      externalId: 'CUST-4001',
    });
    const phone = await enrollPhone(suite.world, customerId);
    const key = await suite.world.h.createApiKey(suite.world.tenant, [
      'verifications:write',
      'verifications:read',
    ]);
    const response = await fetch(`${suite.world.h.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, reason: 'Card replacement', agentName: 'Sam Support' }),
    });
    const started = (await response.json()) as { id: string; code: string };
    verificationId = started.id;
    await phone.client.decide(await phone.waitForRequest(), { decision: 'approve', code: started.code });
  });

  it('agent: navigation shows only what the role may use; history lists and filters; detail shows the timeline', async () => {
    const page = await suite.page({ signInAs: 'agent' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Find caller', 'History', 'Practice']);

    await nav.getByRole('link', { name: 'History' }).click();
    const table = page.getByTestId('history-table');
    await table.getByText('Hanna History').waitFor();
    assert.match((await table.textContent()) ?? '', /Card replacement.*Approved.*Sam Support/);
    await screenshot(page, '30-history');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.getByLabel('Status').selectOption('denied');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No verifications match.').waitFor();
    await page.getByLabel('Status').selectOption('approved');
    await page.getByRole('button', { name: 'Filter' }).click();
    await table.getByText('Hanna History').waitFor();
    // A customer that matches nobody is not searched for: the field says so, described.
    let listRequests = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v1/verifications') listRequests++;
    });
    const customerField = page.getByLabel('Customer (name or customer number)');
    await customerField.fill('Nobody Known');
    await page.getByRole('button', { name: 'Filter' }).click();
    const problem = page.getByText('No customer matches “Nobody Known”.');
    await problem.waitFor();
    assert.equal(await customerField.getAttribute('aria-invalid'), 'true');
    assert.equal(await customerField.getAttribute('aria-describedby'), await problem.getAttribute('id'));
    // A period that ends before it starts is refused the same way, on its end.
    await customerField.fill('');
    await page.getByLabel('From', { exact: true }).fill('2026-03-02T10:00');
    await page.getByLabel('Until', { exact: true }).fill('2026-03-01T10:00');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('The end of the period must be after its start.').waitFor();
    assert.equal(await problem.count(), 0, 'the customer field is fine now');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'to');
    await screenshot(page, '30b-history-filter-problems');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    assert.equal(listRequests, 0, 'neither filter reached the server');
    await page.getByLabel('From', { exact: true }).fill('');
    await page.getByLabel('Until', { exact: true }).fill('');

    // A filter the server refuses all the same shows its error alone, not the previous rows.
    await page.route('**/v1/verifications?**', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'querystring must match' } }),
      }),
    );
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('alert').filter({ hasText: 'The server did not accept what was sent' }).waitFor();
    assert.equal(await table.count(), 0, 'no rows of the previous filter under the error');
    assert.equal(await page.getByText('The end of the period must be after its start.').count(), 0);
    await page.unroute('**/v1/verifications?**');
    await page.getByRole('button', { name: 'Filter' }).click();
    await table.getByText('Hanna History').waitFor();

    await table.getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: new RegExp(verificationId) }).waitFor();
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    assert.match(timeline, /started[\s\S]*opened[\s\S]*approved/);
    // Agents have no audit:read: the audit section is not offered.
    assert.equal(await page.getByRole('heading', { name: 'Audit entries' }).count(), 0);
    await page.context().close();
  });

  it('admin: verification detail with audit entries; operators invite, role, disable; API keys shown once and revoked; settings', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await page.goto(`${suite.world.h.baseUrl}/console/#/history/${verificationId}`);
    await page.getByTestId('verification-audit').waitFor();
    assert.match(
      (await page.getByTestId('verification-audit').textContent()) ?? '',
      /verification\.approved/,
    );
    await screenshot(page, '31-verification-detail');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await openAdminPage(page, 'Operators');
    await page.getByRole('heading', { name: 'Operators', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Nina New');
    await page.getByLabel('E-mail', { exact: true }).fill('nina@acme.example');
    await page.getByRole('button', { name: 'Invite operator' }).click();
    await page.getByTestId('operator-created').waitFor();
    await page.getByRole('cell', { name: 'Nina New', exact: true }).waitFor();
    await page.getByLabel('Role: Nina New').selectOption('supervisor');
    await page.getByRole('button', { name: 'Disable: Nina New' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable operator' }).click();
    await page.getByRole('button', { name: 'Enable: Nina New' }).waitFor();
    const nina = (await suite.world.h.runtime.services.operators.list(suite.world.tenant.id)).find(
      (o) => o.email === 'nina@acme.example',
    );
    assert.equal(nina?.role, 'supervisor');
    assert.equal(nina?.status, 'disabled');
    await screenshot(page, '32-operators');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await openAdminPage(page, 'API keys');
    await page.getByLabel('Name', { exact: true }).fill('Zendesk');
    await page.getByRole('checkbox', { name: 'verifications:write' }).check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent()) ?? '';
    assert.match(secret, /^hda_key_/);
    const works = await fetch(`${suite.world.h.baseUrl}/v1/verifications?limit=1`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(works.status, 403, 'the key authenticates; it lacks verifications:read');
    await screenshot(page, '33-api-key-created');
    await page.getByRole('button', { name: 'Close' }).click();
    assert.equal(await page.getByText(secret).count(), 0, 'the key is shown only once');
    await page.getByRole('button', { name: 'Revoke: Zendesk' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('cell', { name: 'Revoked' }).waitFor();
    const revoked = await fetch(`${suite.world.h.baseUrl}/v1/verifications?limit=1`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(revoked.status, 401);
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await openAdminPage(page, 'Settings');
    await page.getByLabel('Seconds until a request expires').fill('5');
    // Exact: the page's push credentials section has its own save buttons.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'These settings are not allowed' }).waitFor();
    await page.getByLabel('Seconds until a request expires').fill('90');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(
      (await suite.world.h.runtime.services.tenants.get(suite.world.tenant.id)).verification.expirySeconds,
      90,
    );
    await screenshot(page, '34-settings');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.context().close();
  });

  it('auditor: audit log with filters, chain verification status and export; no admin pages', async () => {
    const page = await suite.page({ signInAs: 'auditor' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    // The everyday pages as links, the pages an auditor reads under Administration (and no Practice:
    // an auditor verifies no one).
    assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Find caller', 'History', 'Dashboard']);
    await adminMenuButton(page).click();
    assert.deepEqual(await nav.getByRole('link').allTextContents(), [
      'Find caller',
      'History',
      'Dashboard',
      'Operators',
      'API keys',
      'Policy',
      'Webhooks',
      'Audit log',
    ]);
    await openAdminPage(page, 'Audit log');
    await page.getByTestId('chain-status').filter({ hasText: 'Chain intact' }).waitFor();
    await page.getByTestId('audit-table').waitFor();
    await page.getByLabel('Action').selectOption('verification.approved');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-table"] tbody tr')];
      return (
        rows.length > 0 && rows.every((row) => row.getAttribute('data-action') === 'verification.approved')
      );
    });
    await screenshot(page, '35-audit-log');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    const exported = await page.evaluate(async () => {
      const response = await fetch('/v1/audit-events/export');
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
      };
    });
    assert.equal(exported.status, 200);
    assert.match(exported.type ?? '', /ndjson/);
    assert.ok(exported.text.trim().split('\n').length > 3);
    await page.context().close();
  });

  it('German: follows the browser language, switches back and forth, and remembers the choice', async () => {
    const page = await suite.page({ locale: 'de-DE' });
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    await page.getByLabel('E-Mail').fill(suite.world.agentEmail);
    await page.getByLabel('Passwort').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Anrufer finden' }).waitFor();
    await page.keyboard.type('Hanna');
    await page.getByRole('listbox').getByRole('option').first().waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Anrufer prüfen' }).waitFor();
    await screenshot(page, '36-customer-de');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('banner').getByLabel('Sprache').selectOption('en');
    await page.getByRole('button', { name: 'Verify caller' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Verify caller' }).waitFor();
    await page.getByRole('banner').getByLabel('Language').selectOption('de');
    await page.getByRole('button', { name: 'Anrufer prüfen' }).waitFor();
    await page.context().close();
  });

  it('an ended session brings back the sign-in page', async () => {
    const page = await suite.page({ signInAs: 'agent' });
    await page.context().clearCookies();
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.context().close();
  });

  it('with the demo tenant, the sign-in page names its organisation and e-mail (never a password)', async () => {
    // As `npm start` seeds it (app/demo-data.ts), with a password the test knows.
    const { tenants, operators } = suite.world.h.runtime.services;
    const demo = await tenants.create({ slug: demoTenantSlug, name: 'Acme Bank' }, cliActor);
    const password = 'printed-once-by-npm-start';
    await operators.create(
      demo.id,
      { email: demoAdminEmail, displayName: 'Demo Admin', role: 'admin', password },
      cliActor,
    );
    const page = await suite.page();
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    const hint = page.getByTestId('demo-hint');
    await hint.waitFor();
    assert.match((await hint.textContent()) ?? '', /organisation “demo”, e-mail admin@demo\.example/);
    assert.equal(await page.getByLabel('Organisation').inputValue(), 'demo');
    assert.equal(await page.getByLabel('E-mail').inputValue(), 'admin@demo.example');
    // The password field has the focus: the agent pastes the printed password and presses Enter.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password');
    await page.getByLabel('Password').fill(password);
    await screenshot(page, '00-sign-in-demo');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Find the caller' }).waitFor();
    await page.context().close();
  });

  it('a refused single sign-on comes back to the sign-in page with its reason', async () => {
    const page = await suite.page();
    await page.goto(`${suite.world.h.baseUrl}/console/#ssoError=SSO_ACCESS_DENIED`);
    await page.getByRole('alert').filter({ hasText: 'you have no access here' }).waitFor();
    assert.equal(new URL(page.url()).hash, '');
    await page.context().close();
  });
});
