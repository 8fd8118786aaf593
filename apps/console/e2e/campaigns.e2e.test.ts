/**
 * A rollout campaign from the console, in a real browser against a real server with the
 * development outbox: the admin creates an invitation campaign with a preview, starts it, the
 * background sender sends each customer one link, and the funnel moves as a customer opens the
 * link and enrolls a phone with it. Accessible (axe) on the list, the form and the detail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createDeviceClient, createMemoryKeyStore } from '../../../packages/device-sdk/src/index.ts';
import { runCampaignSender } from '../../../packages/server/src/features/campaigns/index.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  openAdminPage,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('admin console: a rollout campaign', { skip }, () => {
  const suite = browserSuite();
  let page: Page;
  let sender: { stop(): Promise<void> } | undefined;

  before(async () => {
    for (const [i, name] of ['Clara Campaign', 'Dieter Kampagne', 'Eve Example'].entries()) {
      await createCustomer(suite.world, {
        displayName: name,
        externalId: `CAMP-${i}`,
        phone: `+4915123${400000 + i}`,
      });
    }
    // The server's background sender, as `serve` runs it.
    sender = runCampaignSender(
      suite.world.h.runtime.services.campaignSender,
      (error) => {
        throw error;
      },
      200,
    );
    page = await suite.page({ signInAs: 'admin' });
  });
  after(async () => sender?.stop());

  it('creates, starts and follows a campaign; the funnel moves when a customer enrolls', async () => {
    await openAdminPage(page, 'Campaigns');
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    await page.getByText('No campaigns yet.').waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByRole('heading', { level: 1, name: 'New campaign' }).waitFor();
    await page.getByLabel('Name').fill('Spring rollout');
    await page.getByRole('radio', { name: 'All customers' }).check();
    await page.getByLabel('Channel').selectOption('sms');
    await page.getByRole('button', { name: 'Preview the message' }).click();
    await page.getByText('Preview (de)').waitFor();
    assert.match(
      (await page.locator('figure[class="campaign-preview"] p[lang="de"]').textContent()) ?? '',
      /Richten Sie/,
    );
    await screenshot(page, '90-campaign-new');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Create campaign' }).click();

    await page.getByRole('heading', { level: 1, name: 'Spring rollout' }).waitFor();
    assert.equal(await page.getByTestId('campaign-status').textContent(), 'Draft');
    await page.getByRole('button', { name: 'Start sending' }).click();
    await page.getByTestId('campaign-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 20_000 });
    const row = (step: string) =>
      page.locator(`[data-testid="campaign-funnel"] tr[data-step="${step}"] td`).first();
    assert.equal(await row('sent').textContent(), '3');
    assert.equal(await row('delivered').textContent(), '3', 'the outbox reports delivery at once');
    assert.equal(await row('enrolled').textContent(), '0');
    assert.match((await page.getByTestId('campaign-progress').textContent()) ?? '', /3 of 3 \(100 %\)/);

    // One customer's SMS (the outbox stands in for the phone): the link opens the app, keeping the code.
    const outbox = await suite.world.h.runtime.database.db
      .selectFrom('message_outbox')
      .select(['recipient', 'body'])
      .where('tenant_id', '=', suite.world.tenant.id)
      .execute();
    assert.equal(outbox.length, 3);
    const link = /(http\S+\/v1\/campaign-links\/\S+#code=[0-9A-Z-]+)/.exec(outbox[0]!.body)?.[1];
    assert.ok(link, outbox[0]!.body);
    const phonePage = await suite.page();
    const opened = await phonePage.goto(link);
    assert.ok(opened?.url().includes('/app/activate'), 'the tracked link leads to the app');
    assert.equal(opened?.request().redirectedFrom()?.url(), link.split('#')[0]);
    await phonePage.close();
    await row('opened').filter({ hasText: '1' }).waitFor({ timeout: 10_000 });

    // The customer enrolls with the link's code: the funnel shows it without a reload.
    const client = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: suite.world.h.baseUrl });
    await client.enroll(link, { label: 'Pixel', platform: 'android' });
    await row('enrolled').filter({ hasText: '1' }).waitFor({ timeout: 10_000 });
    assert.equal(
      await page.locator('[data-testid="campaign-funnel"] tr[data-step="enrolled"] td').nth(1).textContent(),
      '33 %',
    );
    await page
      .getByRole('img', { name: /Funnel chart: Sent 3, Delivered 3, Link opened 1, Enrolled 1/ })
      .waitFor();
    await screenshot(page, '91-campaign-detail');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // A second run of the sender finds nothing more to send: nobody is invited twice.
    await suite.world.h.runtime.services.campaignSender.tick();
    const again = await suite.world.h.runtime.database.db
      .selectFrom('message_outbox')
      .select('id')
      .where('tenant_id', '=', suite.world.tenant.id)
      .where('body', 'like', '%campaign-links%')
      .execute();
    assert.equal(again.length, 3);
  });
});
