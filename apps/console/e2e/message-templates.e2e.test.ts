/**
 * Settings, "Customer messages", in a real browser against a real server: an admin adds German,
 * gets a code template without {code} refused with the server's sentence, saves a right one,
 * finds it again after a reload, and a German-speaking customer's SMS code in the development
 * outbox reads as saved; removing the language brings the built-in texts back. English and
 * German, 1280 and 390 px wide, checked with axe-core; screenshots go to .test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  browserSuite,
  chromiumSkip,
  openAdminPage,
  screenshotDir,
  seriousAccessibilityViolations,
} from './support.ts';

const skip = chromiumSkip();

const germanCode = '{tenant}: Ihr Code lautet {code}. Gültig {minutes} Minuten.';

async function openSettings(page: Page) {
  await openAdminPage(page, 'Settings');
  await page.getByTestId('message-templates').waitFor();
}

/** Switches the console's language in place. */
async function setLanguage(page: Page, language: 'en' | 'de'): Promise<void> {
  await page.locator('.language select').selectOption(language);
}

/** English and German at 1280 and 390 px wide, each checked with axe; back to English at 1280. */
async function shootBoth(page: Page, name: string): Promise<void> {
  for (const language of ['en', 'de'] as const) {
    if (language === 'de') await setLanguage(page, 'de');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      // The section alone: the rest of the Settings page has screenshots of its own.
      await page
        .getByTestId('message-templates')
        .screenshot({ path: path.join(screenshotDir, `${name}-${language}-${width}.png`) });
      assert.deepEqual(await seriousAccessibilityViolations(page), [], `${name} ${language} ${width}`);
    }
  }
  await setLanguage(page, 'en');
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('agent console: customer messages on the Settings page', { skip }, () => {
  const suite = browserSuite();
  let apiKey: string;

  before(async () => {
    apiKey = await suite.world.h.createApiKey(suite.world.tenant, [
      'verifications:read',
      'verifications:write',
    ]);
  });

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${suite.world.h.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('admin: a template without {code} is refused with the reason, a right one is saved and kept', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await openSettings(page);
    const section = page.getByTestId('message-templates');
    await section.getByText('No own texts yet: customers get the built-in texts.').waitFor();

    await section.getByLabel('Add a language').selectOption('de');
    await section.getByRole('button', { name: 'Add', exact: true }).click();
    const code = section.getByLabel('One-time code (SMS or e-mail)');
    await code.waitFor();
    assert.equal(await section.getByRole('group', { name: 'German' }).count(), 1);
    // An empty field shows the built-in German text it stands for, and the placeholders it takes.
    assert.match((await code.getAttribute('placeholder')) ?? '', /Ihr Bestätigungscode lautet \{code\}/);
    assert.match(
      (await section.locator('#template-code-hint').textContent()) ?? '',
      /\{code\} \(required\), \{minutes\}/,
    );

    await code.fill('{tenant}: Ihr Code. Gültig {minutes} Minuten.');
    await section.getByRole('button', { name: 'Save customer messages' }).click();
    const refused = section.getByRole('alert');
    await refused.waitFor();
    assert.equal(await refused.textContent(), 'Not saved: messageTemplates.de.code must contain {code}.');
    await shootBoth(page, '70-message-templates-refused');

    await code.fill(germanCode);
    await section.getByRole('button', { name: 'Save customer messages' }).click();
    await section.getByRole('status').filter({ hasText: 'Customer messages saved.' }).waitFor();
    // The announcement follows the console's language.
    await setLanguage(page, 'de');
    await section.getByRole('status').filter({ hasText: 'Nachrichten an Kunden gespeichert.' }).waitFor();
    await setLanguage(page, 'en');
    await shootBoth(page, '71-message-templates-saved');

    await page.reload();
    await page.getByTestId('message-templates').waitFor();
    await section.getByLabel('One-time code (SMS or e-mail)').waitFor();
    assert.equal(await section.getByLabel('Language of the texts').inputValue(), 'de');
    assert.equal(await section.getByLabel('One-time code (SMS or e-mail)').inputValue(), germanCode);
    assert.equal(await section.getByLabel('Reason of a push request on the phone').inputValue(), '');
    await page.context().close();
  });

  it("a German customer's SMS code is written with the saved template", async () => {
    const customer = await suite.world.h.runtime.services.customers.create(
      suite.world.tenant.id,
      { displayName: 'Greta Gruber', externalId: 'cust-greta', phone: '+41791234567', locale: 'de-CH' },
      cliActor,
    );
    const started = await api('POST', '/v1/otp-challenges', {
      customerId: customer.id,
      channel: 'sms',
      action: 'verify_caller',
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const outbox = await api('GET', '/v1/dev/outbox');
    const messages = outbox.body.messages as { recipient: string; body: string }[];
    const sms = messages.find((m) => m.recipient === '+41791234567');
    assert.ok(sms, 'the code was sent');
    assert.match(sms.body, /^Acme Bank: Ihr Code lautet \d+\. Gültig \d+ Minuten\.$/);
  });

  it('admin: removing the language and saving brings the built-in texts back', async () => {
    const page = await suite.page({ signInAs: 'admin' });
    await openSettings(page);
    const section = page.getByTestId('message-templates');
    await section.getByRole('button', { name: 'Remove German' }).click();
    await section.getByRole('status').filter({ hasText: 'German removed. Save to apply.' }).waitFor();
    await section.getByRole('button', { name: 'Save customer messages' }).click();
    await section.getByRole('status').filter({ hasText: 'Customer messages saved.' }).waitFor();
    await page.reload();
    await page
      .getByTestId('message-templates')
      .getByText('No own texts yet: customers get the built-in texts.')
      .waitFor();
    await page.context().close();
  });
});
