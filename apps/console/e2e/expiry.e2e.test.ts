/**
 * A phone that cannot be reached, and a request that expires: the panel says so while the
 * request is pending, and offers the next step (try again; fallback methods fit here later).
 * The tenant's shortest allowed expiry (30 s) keeps the wait short.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  screenshot,
  seriousAccessibilityViolations,
  signIn,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: unreachable phone and expiry', { skip }, () => {
  const suite = browserSuite();
  let page: Page;

  before(async () => {
    await suite.world.h.runtime.services.tenants.update(
      suite.world.tenant.id,
      { verification: { expirySeconds: 30 } },
      cliActor,
    );
    page = await suite.page();
  });

  it('unreachable while pending, then expired with "try again"; trying again sends a new code', async () => {
    const id = await createCustomer(suite.world, { displayName: 'Otto Offline', externalId: 'CUST-3001' });
    // Enrolled, but the app is closed and there is no push subscription: nothing reaches it.
    const phone = await enrollPhone(suite.world, id);
    await signIn(page, suite.world, suite.world.agentEmail);
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${id}`);
    await page.getByRole('button', { name: 'Verify caller' }).click();
    await page.getByTestId('verify-unreachable').waitFor();
    const first = (await page.getByTestId('verify-code').textContent()) ?? '';
    assert.match((await page.getByTestId('verify-countdown').textContent()) ?? '', /Expires in 0:[0-3]\d/);
    assert.match(
      (await page.getByTestId('verify-unreachable').textContent()) ?? '',
      /Ask the caller to open the Acme Bank app/,
    );
    // The box's headings follow the panel's in order: no level is skipped.
    const levels = await page.evaluate(() =>
      [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5')].map((h) =>
        Number(h.tagName[1]),
      ),
    );
    assert.ok(
      levels.every((level, i) => i === 0 || level <= levels[i - 1]! + 1),
      `heading levels skip: ${levels.join(' ')}`,
    );
    await page.getByTestId('verify-unreachable').getByRole('heading', { level: 3 }).waitFor();
    await screenshot(page, '20-unreachable');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.getByTestId('verify-result').filter({ hasText: 'Expired' }).waitFor({ timeout: 45_000 });
    const expired = (await page.locator('[data-result="expired"]').textContent()) ?? '';
    // The fallback hook: this caller has no phone number, no authenticator app and no questions, so
    // the next method is the code their enrolled app shows without a network.
    assert.match(expired, /Try another method.*Next method: Code from the customer's app/);
    await screenshot(page, '21-expired');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // The phone opens the app now: a new request reaches it, with a fresh code.
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('verify-code').waitFor();
    const request = await phone.waitForRequest();
    const second = (await page.getByTestId('verify-code').textContent()) ?? '';
    assert.ok(first.length === 2 && second.length === 2);
    await phone.client.decide(request, { decision: 'approve', code: second });
    await page.getByTestId('verify-result').filter({ hasText: 'Verified' }).waitFor();
  });
});
