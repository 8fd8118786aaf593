/**
 * The fraud queue in a real browser against a real server: a supervisor has the console open,
 * the customer's phone (the real device SDK) reports fraud, and the alert appears live; the
 * supervisor opens the case, takes it, writes a note and resolves it, clearing the push lock;
 * the customer page links to the open case. Screenshots in English and German at 390 and
 * 1280 px; axe finds nothing serious in any of these states.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import { testPassword } from '../../../packages/server/src/test-support/harness.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  enrollPhone,
  newPage,
  screenshot,
  shootBoth,
  signIn,
} from './support.ts';

const skip = chromiumSkip();

describe('supervisor console: the fraud queue', { skip }, () => {
  const suite = browserSuite();
  const supervisorEmail = 'sofia@acme.example';
  let supervisorCreated = false;

  /** The console signed in as Sofia Supervisor (created on first use; the world has no supervisor). */
  async function supervisorPage(): Promise<Page> {
    if (!supervisorCreated) {
      await suite.world.h.runtime.services.operators.create(
        suite.world.tenant.id,
        {
          email: supervisorEmail,
          displayName: 'Sofia Supervisor',
          role: 'supervisor',
          password: testPassword,
        },
        cliActor,
      );
      supervisorCreated = true;
    }
    const page = await newPage(suite.browser);
    await signIn(page, suite.world, supervisorEmail);
    return page;
  }

  it('a phone reports fraud: the alert arrives live; the supervisor takes, notes and resolves the case', async () => {
    const { world } = suite;
    const supervisor = await supervisorPage();
    await supervisor.goto(`${world.h.baseUrl}/console/#/fraud-cases`);
    await supervisor.getByRole('heading', { name: 'Fraud queue' }).waitFor();
    await supervisor.getByText('No cases match').waitFor();

    // The customer's phone answers a push with "I am not on a call" while the queue is open.
    const customerId = await createCustomer(world, {
      displayName: 'Petra Phished',
      externalId: 'CUST-9301',
      phone: '+447911123931',
    });
    const phone = await enrollPhone(world, customerId);
    const agentKey = await world.h.createApiKey(world.tenant, ['verifications:write']);
    const started = await fetch(`${world.h.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, reason: 'Raise the card limit', agentName: 'Sam Support' }),
    });
    assert.equal(started.status, 201);
    await phone.client.decide(await phone.waitForRequest(), { decision: 'report_fraud' });

    // Live: the banner in the polite live region, the count in the navigation, the queue's row.
    const region = supervisor.getByTestId('fraud-alert-region');
    assert.equal(await region.getAttribute('role'), 'status');
    const alert = supervisor.getByTestId('fraud-alert');
    await alert.waitFor();
    assert.match(
      (await alert.textContent()) ?? '',
      /New fraud case: Petra Phished \(Fraud reported from the phone\)/,
    );
    await supervisor.getByTestId('fraud-open-count').waitFor();
    const row = supervisor.getByTestId('fraud-queue-table').getByRole('row', { name: /Petra Phished/ });
    await row.waitFor();
    await shootBoth(supervisor, '80-fraud-queue-alert');

    await alert.getByRole('link', { name: 'Open the case' }).click();
    await supervisor.getByRole('heading', { name: 'Fraud case: Petra Phished' }).waitFor();
    assert.equal(await supervisor.getByTestId('fraud-alert').count(), 0, 'opening it dismisses the alert');
    assert.match((await supervisor.getByTestId('case-locks').textContent()) ?? '', /push locked/);

    await supervisor.getByRole('button', { name: 'Take the case' }).click();
    await supervisor.getByTestId('case-assignee').getByText('Sofia Supervisor').waitFor();
    await supervisor
      .getByLabel('Note', { exact: true })
      .fill('Called Petra on the number on file: she was phished.');
    await supervisor.getByRole('button', { name: 'Add note' }).click();
    await supervisor.getByTestId('case-notes').getByText('she was phished').waitFor();

    const form = supervisor.getByTestId('resolve-form');
    const resolve = form.getByRole('button', { name: 'Resolve' });
    assert.equal(await resolve.isDisabled(), true, 'an outcome and a note first');
    await form.getByLabel('Confirmed fraud').check();
    await form.getByRole('group', { name: 'Push lock' }).getByLabel('Clear now').check();
    await form
      .getByLabel('What was found and done')
      .fill('Card blocked and reissued; push may be used again.');
    await shootBoth(supervisor, '81-fraud-case-resolve');
    await resolve.click();
    await supervisor.getByTestId('case-resolved').waitFor();
    assert.match(
      (await supervisor.getByTestId('case-resolved').textContent()) ?? '',
      /Resolved: Confirmed fraud.*Push lock: cleared\. Security questions: kept\./,
    );
    await supervisor.getByTestId('case-locks').getByText('push not locked', { exact: false }).waitFor();
    await shootBoth(supervisor, '82-fraud-case-resolved');

    // The server agrees: the case, the report and the push lock.
    const { db } = world.h.runtime.database;
    const stored = await db
      .selectFrom('fraud_cases')
      .selectAll()
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [stored.status, stored.resolution, stored.push_lock],
      ['resolved', 'confirmed_fraud', 'clear'],
    );
    const customer = await db
      .selectFrom('customers')
      .select(['fraud_reported_at', 'fraud_resolved_at'])
      .where('id', '=', customerId)
      .executeTakeFirstOrThrow();
    assert.ok(Number(customer.fraud_resolved_at) >= Number(customer.fraud_reported_at));
    await supervisor.close();
    phone.stop();
  });

  it('the customer page links to the open case', async () => {
    const { world } = suite;
    const customerId = await createCustomer(world, {
      displayName: 'Lena Locked',
      externalId: 'CUST-9302',
      phone: '+447911123932',
    });
    const phone = await enrollPhone(world, customerId);
    const agentKey = await world.h.createApiKey(world.tenant, ['verifications:write']);
    const started = await fetch(`${world.h.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, reason: 'New address' }),
    });
    assert.equal(started.status, 201);
    await phone.client.decide(await phone.waitForRequest(), { decision: 'report_fraud' });

    const supervisor = await supervisorPage();
    await supervisor.goto(`${world.h.baseUrl}/console/#/customers/${customerId}`);
    const link = supervisor.getByTestId('customer-fraud-case').getByRole('link', { name: 'View the case' });
    await link.waitFor();
    await link.click();
    await supervisor.getByRole('heading', { name: 'Fraud case: Lena Locked' }).waitFor();
    await screenshot(supervisor, '83-fraud-case-from-customer');
    await supervisor.close();
    phone.stop();
  });
});
