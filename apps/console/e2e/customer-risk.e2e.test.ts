/**
 * The customer page's risk flags, in a real browser against a real server: a fraud report, the
 * push lock it sets (docs/policy.md) and its clearing by an admin.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('agent console: risk flags', { skip }, () => {
  const suite = browserSuite();
  let page: Page;

  before(async () => {
    page = await suite.page({ signInAs: 'agent' });
  });

  it('shows the fraud report and the push lock it set, until an admin clears the lock', async () => {
    const customerId = await createCustomer(suite.world, {
      displayName: 'Rosa Risk',
      externalId: 'CUST-8001',
    });
    // What a fraud report from the customer's device records.
    await suite.world.h.runtime.database.db
      .updateTable('customers')
      .set({ fraud_reported_at: Date.now() - 60_000 })
      .where('id', '=', customerId)
      .execute();
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${customerId}`);
    await page.getByRole('heading', { level: 1, name: 'Rosa Risk' }).waitFor();
    await page.getByTestId('risk-fraud').waitFor();
    assert.match(
      (await page.getByTestId('risk-push-locked').textContent()) ?? '',
      /Push approval is locked after the fraud report/,
    );
    await screenshot(page, '61-risk-flags');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await suite.world.h.runtime.services.fallbacks.methods.clearPushLock(
      suite.world.tenant.id,
      customerId,
      cliActor,
    );
    await page.reload();
    await page.getByTestId('risk-fraud').waitFor();
    assert.equal(await page.getByTestId('risk-push-locked').count(), 0, 'the lock flag is gone once cleared');
  });
});
