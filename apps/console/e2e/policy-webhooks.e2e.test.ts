/**
 * Admin pages of the console in a real browser against a real server: the verification policy
 * (problems shown as the admin types, a save that the agent's methods list follows at once, the
 * version history), webhooks (an endpoint added with its secret shown once, a test delivered to a
 * real receiver on 127.0.0.1 that checks the signature, the delivery and its attempt listed), and
 * the sign-in page offering single sign-on when the organisation has it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '../../../packages/client/src/webhook-signature.ts';
import { createOperatorSsoService } from '../../../packages/server/src/features/operators/sso/operator-sso.ts';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import { startIssuerDiscovery } from '../../../packages/server/src/test-support/stand-ins/issuer-discovery.ts';
import {
  browserSuite,
  chromiumSkip,
  createCustomer,
  openAdminPage,
  screenshot,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

describe('admin console: policy, webhooks, single sign-on', { skip }, () => {
  const suite = browserSuite({ webhookAllowLoopback: true });
  let receiver: Server;
  let receiverUrl: string;
  const received: { body: Buffer; signature: string | undefined }[] = [];

  before(async () => {
    // The integrator's receiver: keeps what arrives, answers 204.
    receiver = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      received.push({
        body: Buffer.concat(chunks),
        signature: request.headers['helpdesk-auth-signature'] as string | undefined,
      });
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/helpdesk-auth`;
  });
  after(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('policy: problems shown as the admin types; a saved version changes what agents are offered; history lists it', async () => {
    const customerId = await createCustomer(suite.world, {
      displayName: 'Petra Policy',
      externalId: 'CUST-6001',
    });
    await suite.world.h.runtime.services.fallbacks.securityQuestions.set(
      suite.world.tenant.id,
      customerId,
      [
        { question: 'Name of your first pet?', answer: 'Fluffy' },
        { question: 'City where you were born?', answer: 'Leeds' },
        { question: 'Favourite teacher’s surname?', answer: 'Okafor' },
      ],
      cliActor,
    );
    const page = await suite.page({ height: 900, signInAs: 'admin' });
    // Before: questions are offered for an account enquiry.
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${customerId}`);
    await page.getByLabel('Action').selectOption('account_enquiry');
    await page.getByTestId('method-security_questions').filter({ hasText: 'Recommended' }).waitFor();

    await openAdminPage(page, 'Policy');
    await page.getByRole('heading', { name: 'Verification policy', level: 1 }).waitFor();
    assert.match((await page.getByTestId('policy-current').textContent()) ?? '', /Version 0/);
    // The form comes first; the document itself is one tab away.
    await page.getByRole('tab', { name: 'JSON' }).click();
    const editor = page.getByRole('textbox', { name: 'Policy document (JSON)' });
    const original = JSON.parse(await editor.inputValue()) as {
      methods: { method: string; enabled: boolean; assurance: string }[];
    };

    // A contradiction: SMS rated above what it can prove. Shown before saving; saving is refused.
    const tooHigh = structuredClone(original);
    tooHigh.methods.find((m) => m.method === 'sms_otp')!.assurance = 'high';
    await editor.fill(JSON.stringify(tooHigh, null, 2));
    await page
      .getByTestId('policy-check')
      .filter({ hasText: 'sms_otp cannot be rated high: the most it can prove is moderate' })
      .waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save as new version' }).isDisabled(), true);
    await screenshot(page, '50-policy-problems');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    await editor.fill('{ "methods": [');
    await page.getByTestId('policy-check').filter({ hasText: 'This is not valid JSON' }).waitFor();

    // Security questions off: valid, saved as version 1.
    const noQuestions = structuredClone(original);
    noQuestions.methods.find((m) => m.method === 'security_questions')!.enabled = false;
    await editor.fill(JSON.stringify(noQuestions, null, 2));
    await page.getByTestId('policy-check').filter({ hasText: 'No problems found.' }).waitFor();
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
    assert.match((await page.getByTestId('policy-current').textContent()) ?? '', /Version 1, saved/);
    await page.getByRole('button', { name: 'Show version 1' }).waitFor();
    await page.getByRole('button', { name: 'Show version 1' }).click();
    await page.getByTestId('policy-viewing').filter({ hasText: 'Version 1 (read only)' }).waitFor();
    await screenshot(page, '51-policy-saved');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    const saved = await suite.world.h.runtime.services.fallbacks.policies.current(suite.world.tenant.id);
    assert.equal(saved.version, 1);

    // The agent's view follows at once, with the reason.
    await page.goto(`${suite.world.h.baseUrl}/console/#/customers/${customerId}`);
    await page.getByLabel('Action').selectOption('account_enquiry');
    const questions = page.getByTestId('method-security_questions');
    await questions.filter({ hasText: 'Turned off in the verification policy.' }).waitFor();
    assert.match((await questions.textContent()) ?? '', /Not available/);
    await page.context().close();
  });

  it('webhooks: add an endpoint (secret shown once), send a test that the receiver verifies, see the delivery and redeliver it', async () => {
    const page = await suite.page({ height: 900, signInAs: 'admin' });
    await openAdminPage(page, 'Webhooks');
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();
    await page.getByLabel('URL').fill(receiverUrl);
    await page.getByLabel('Description').fill('CRM');
    await page.getByRole('checkbox', { name: 'device.revoked' }).first().check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    assert.match(secret, /^whsec_/);
    await page.getByRole('cell', { name: receiverUrl, exact: true }).waitFor();
    await screenshot(page, '52-webhook-created');
    await page.getByRole('button', { name: 'Close' }).click();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is shown only once');

    const detail = page.getByTestId('webhook-detail');
    await detail.getByRole('button', { name: 'Send test' }).click();
    await detail.getByRole('status').filter({ hasText: 'A test event was queued' }).waitFor();
    // The delivery worker (run here as the server's poller runs it) sends it; Refresh shows it.
    for (let i = 0; i < 50; i++) {
      await suite.world.h.runtime.services.webhooks.runOnce();
      await detail.getByRole('button', { name: 'Refresh' }).click();
      if ((await detail.locator('[data-delivery-status="succeeded"]').count()) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const row = detail.locator('[data-delivery-status="succeeded"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /webhook\.test.*Delivered.*#1 succeeded: HTTP 204/);

    const test = received.find((r) => r.body.includes('"webhook.test"'));
    assert.ok(test, 'the receiver got the test');
    const event = await verifyWebhook({ payload: test.body, signatureHeader: test.signature, secret });
    assert.equal(event.type, 'webhook.test');
    await screenshot(page, '53-webhook-delivery');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // Redeliver: a second attempt of the same delivery reaches the receiver.
    const before = received.length;
    await row.getByRole('button', { name: /^Redeliver/ }).click();
    await detail.getByRole('status').filter({ hasText: 'Queued to be sent again.' }).waitFor();
    for (let i = 0; i < 50 && received.length === before; i++) {
      await suite.world.h.runtime.services.webhooks.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(received.length > before, 'redelivered');

    // Switch off, rotate the secret (the new one shown once).
    await detail.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('cell', { name: 'Disabled' }).waitFor();
    await detail.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, secret);
    await page.context().close();
  });

  it('sign-in: "Sign in with single sign-on" appears for an organisation that has it, and not for one without', async () => {
    // The provider's discovery document is checked when the configuration is saved.
    const discovery = await startIssuerDiscovery();
    try {
      await createOperatorSsoService(suite.world.h.runtime.services.context).updateConfig(
        suite.world.tenant.id,
        { issuer: discovery.issuer('acme'), clientId: 'helpdesk-auth', clientSecret: 'not-used-here' },
        cliActor,
      );
    } finally {
      await discovery.close();
    }
    const page = await suite.page({ height: 900 });
    await page.goto(`${suite.world.h.baseUrl}/console/`);
    await page.getByLabel('Organisation').fill(suite.world.tenant.slug);
    const sso = page.getByRole('link', { name: 'Sign in with single sign-on' });
    await sso.waitFor();
    assert.match(
      (await sso.getAttribute('href')) ?? '',
      new RegExp(`/v1/auth/oidc/${suite.world.tenant.slug}/start$`),
    );
    await screenshot(page, '54-sign-in-sso');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // Another organisation without single sign-on: password only.
    await suite.world.h.createTenant('globex');
    await page.getByLabel('Organisation').fill('globex');
    await sso.waitFor({ state: 'detached' });
    await page.context().close();
  });
});
