/**
 * The supervisor dashboard in a real browser against a real server, with data made by real flows:
 * an agent verifies callers by push (the phone, the real device SDK, approves with the code, or
 * denies) and by security questions; the dashboard's figures and tables match the stored
 * verifications. Screenshots in English and German at 390 and 1280 px; axe finds nothing serious.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSuite, chromiumSkip, createCustomer, enrollPhone, shootBoth } from './support.ts';

const skip = chromiumSkip();

describe('supervisor console: the dashboard', { skip }, () => {
  const suite = browserSuite();

  it('shows figures made by real flows, matching the stored verifications', async () => {
    const { world } = suite;
    const agent = await world.h.signIn(world.tenant, world.agentEmail);
    const admin = await world.h.signIn(world.tenant, world.adminEmail);
    const asOperator = (client: typeof agent, method: string, url: string, body?: unknown) =>
      fetch(`${world.h.baseUrl}${url}`, {
        method,
        headers: {
          cookie: `hda_session=${client.cookie}`,
          'x-csrf-token': client.csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const team = await asOperator(admin, 'PATCH', `/v1/operators/${agent.operatorId}`, {
      team: 'Front desk',
    });
    assert.equal(team.status, 200);

    // Three callers verified by push: two approve with the code, one denies.
    for (const [i, decision] of (['approve', 'approve', 'deny'] as const).entries()) {
      const customerId = await createCustomer(world, {
        displayName: `Dash Caller ${i}`,
        externalId: `DASH-${i}`,
      });
      const phone = await enrollPhone(world, customerId);
      const started = await asOperator(agent, 'POST', '/v1/verifications', {
        customerId,
        reason: 'Address change',
      });
      assert.equal(started.status, 201);
      const { code } = (await started.json()) as { code: string };
      const request = await phone.waitForRequest();
      await phone.client.decide(request, decision === 'approve' ? { decision, code } : { decision });
    }
    // One caller without a phone answers the security questions.
    const noPhone = await createCustomer(world, { displayName: 'Dash No Phone', externalId: 'DASH-Q' });
    const answers = ['Rex', 'Paris', 'Lycee'];
    const set = await asOperator(admin, 'PUT', `/v1/customers/${noPhone}/security-questions`, {
      questions: answers.map((answer, i) => ({ question: `Question ${i + 1}?`, answer })),
    });
    assert.equal(set.status, 200);
    const { questions } = (await set.json()) as { questions: { id: string }[] };
    const checked = await asOperator(agent, 'POST', `/v1/customers/${noPhone}/security-questions/check`, {
      action: 'account_enquiry',
      answers: questions.map((q, i) => ({ questionId: q.id, answer: answers[i] })),
    });
    assert.equal(checked.status, 200);

    const stored = await world.h.runtime.database.db
      .selectFrom('verifications')
      .select(['method', 'status'])
      .where('tenant_id', '=', world.tenant.id)
      .execute();
    assert.equal(stored.length, 4);

    const page = await suite.page({ signInAs: 'admin' });
    await page.goto(`${world.h.baseUrl}/console/#/dashboard`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    const kpis = page.getByTestId('analytics-kpis');
    await kpis.getByText('Verifications').waitFor();
    const kpiText = (await kpis.textContent()) ?? '';
    assert.match(kpiText, /Verifications4/);
    assert.match(kpiText, /Without push25 %/);
    assert.match(kpiText, /Denied pushes1/);

    // The tables say what the charts show, and agree with the stored verifications.
    await page.getByText('Show as table').nth(1).click();
    const methods = page.getByTestId('analytics-methods-table');
    assert.match((await methods.locator('tr[data-method="push"]').textContent()) ?? '', /Push.*2.*1/);
    await page.getByText('Show as table').nth(3).click();
    const reasons = page.getByTestId('analytics-reasons-table');
    assert.match((await reasons.locator('tr[data-reason="no_device"]').textContent()) ?? '', /1$/);
    const agents = page.getByTestId('analytics-agents');
    assert.match((await agents.textContent()) ?? '', /Sam Support.*Front desk.*4.*3.*1.*1.*0/);
    assert.equal(await page.locator('canvas[role="img"]').count(), 4, 'four charts, each with a label');
    await shootBoth(page, '84-analytics-dashboard');

    // Filtering by method: push only.
    await page.locator('select[name="method"]').selectOption('push');
    await page.getByRole('button', { name: 'Show' }).click();
    await kpis.getByText(/Verifications3/).waitFor();
    const csv = await page.getByRole('link', { name: 'per day' }).getAttribute('href');
    assert.match(csv ?? '', /method=push/);
    await page.close();
  });
});
