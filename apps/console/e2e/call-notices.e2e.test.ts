/**
 * Announced calls, both screens at once: the agent announces a call on the customer page, the
 * customer's web authenticator shows the notice it verified against its pinned keys, the two
 * compare a code (either direction) and the agent sees the confirmation live; "Is Acme Bank
 * calling me?" with no call gives the hang-up answer, and the customer's report is a fraud
 * report on the customer page. English and German, narrow and wide, axe-checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  type ConsoleWorld,
  chromiumSkip,
  createCustomer,
  launchBrowser,
  newPage,
  screenshot,
  seriousAccessibilityViolations,
  signIn,
  startConsoleWorld,
} from './support.ts';

const skip = chromiumSkip();
const timeout = { timeout: 15_000 };

/** The customer's phone: the web authenticator in a phone-sized page, enrolled with a fresh activation. */
async function openPhone(
  browser: Browser,
  world: ConsoleWorld,
  customerId: string,
  width = 390,
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: 844 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    bypassCSP: true,
  });
  const page = await context.newPage();
  const activation = await world.h.runtime.services.devices.createActivation(
    world.tenant.id,
    customerId,
    cliActor,
  );
  await page.goto(activation.link);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Not now' }).click();
  await page.getByRole('button', { name: 'Later' }).click();
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name: 'Requests' }).waitFor(timeout);
  return page;
}

/** The header's language choice, labelled in the language it shows (console and app alike). */
async function setLanguage(page: Page, language: 'en' | 'de') {
  await page.getByRole('banner').locator('select').first().selectOption(language);
}

async function noViolations(page: Page, what: string) {
  assert.deepEqual(await seriousAccessibilityViolations(page), [], `accessibility problems on ${what}`);
}

/** Screenshots of one screen, narrow (390) and wide (1280). */
async function shots(page: Page, name: string) {
  const size = page.viewportSize()!;
  for (const [label, width] of [
    ['narrow', 390],
    ['wide', 1280],
  ] as const) {
    await page.setViewportSize({ width, height: size.height });
    await screenshot(page, `calls-${name}-${label}`);
  }
  await page.setViewportSize(size);
}

async function openCustomer(page: Page, world: ConsoleWorld, customerId: string, name: string) {
  await page.goto(`${world.h.baseUrl}/console/#/customers/${customerId}`);
  await page.getByRole('heading', { level: 1, name }).waitFor(timeout);
}

describe('announced calls: agent and customer screens', { skip, timeout: 240_000 }, () => {
  let world: ConsoleWorld;
  let browser: Browser;

  before(async () => {
    world = await startConsoleWorld();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });

  it('agent reads the code: the phone shows the verified notice, the customer confirms, the agent sees it live', async () => {
    const customerId = await createCustomer(world, { displayName: 'Alice Martin', externalId: 'CUST-2001' });
    const phone = await openPhone(browser, world, customerId);
    const agent = await newPage(browser);
    await signIn(agent, world, world.agentEmail);
    await openCustomer(agent, world, customerId, 'Alice Martin');

    const panel = agent.locator('.call-panel');
    await panel.getByRole('heading', { name: 'Call this customer' }).waitFor();
    await shots(agent, 'console-idle-en');
    await setLanguage(agent, 'de');
    await panel.getByRole('heading', { name: 'Diese Person anrufen' }).waitFor();
    await noViolations(agent, 'the customer page with the call panel, in German');
    await shots(agent, 'console-idle-de');
    await setLanguage(agent, 'en');
    await panel.getByRole('button', { name: 'Announce a call' }).click();
    await panel.getByLabel('What the call is about').fill('your card');
    await panel.getByLabel('Team (optional)').fill('Card Services');
    await panel.getByLabel('Number the customer will see (optional)').fill('+44 20 7946 0000');
    await panel.getByLabel('I read a code, the customer compares it').check();
    await noViolations(agent, 'the announce form');
    await shots(agent, 'console-form-en');
    await panel.getByRole('button', { name: 'Announce the call' }).click();
    await panel.getByRole('heading', { name: 'Call announced' }).waitFor(timeout);
    const agentCode = ((await panel.getByTestId('call-code').textContent()) ?? '').replace(/\s/g, '');
    assert.match(agentCode, /^[0-9]{4,8}$/);

    // The phone hears of the notice on its live channel and shows it once it verified it.
    await phone.getByRole('heading', { name: 'Acme Bank is calling you now' }).waitFor(timeout);
    assert.equal(
      await phone.getByTestId('call-who').textContent(),
      'Sam Support from Card Services, about your card',
    );
    await phone.getByTestId('call-verified').waitFor();
    assert.equal(await phone.getByTestId('call-number').textContent(), '+442079460000');
    assert.equal(await phone.getByTestId('call-code').getAttribute('data-code'), agentCode);
    await phone.getByRole('heading', { name: 'Ask the caller for the code' }).waitFor();
    await noViolations(phone, 'the call notice');
    await shots(phone, 'phone-notice-agent-reads-en');

    // The agent sees that the customer opened it, and waits for the comparison.
    await panel.getByTestId('call-viewed').filter({ hasText: 'Yes' }).waitFor(timeout);
    await shots(agent, 'console-active-agent-reads-en');
    await phone.getByRole('button', { name: 'The caller said this code' }).click();
    await phone.getByRole('heading', { name: 'You are speaking with Acme Bank' }).waitFor(timeout);
    await shots(phone, 'phone-confirmed-en');
    await panel.getByRole('heading', { name: 'Customer confirmed the call' }).waitFor(timeout);
    await noViolations(agent, 'the confirmed call');
    await shots(agent, 'console-confirmed-en');
    // The same screens in German.
    await setLanguage(phone, 'de');
    await phone.getByRole('heading', { name: 'Sie sprechen mit Acme Bank' }).waitFor();
    await shots(phone, 'phone-confirmed-de');
    await setLanguage(phone, 'en');
    await setLanguage(agent, 'de');
    await panel.getByRole('heading', { name: 'Anruf von der Person bestätigt' }).waitFor();
    await shots(agent, 'console-confirmed-de');
    await setLanguage(agent, 'en');

    // Ending the call: the agent's panel and the phone both say so; the history lists it.
    await panel.getByRole('button', { name: 'End call' }).click();
    await panel.getByRole('heading', { name: 'Call ended' }).waitFor(timeout);
    const history = agent.getByTestId('call-history');
    await history.locator('li', { hasText: 'your card' }).filter({ hasText: 'ended' }).waitFor(timeout);
    await history.locator('li', { hasText: 'confirmed' }).waitFor();
    await shots(agent, 'console-ended-en');
    await phone.context().close();
    await agent.context().close();
  });

  it('customer reads the code: the agent types it, a wrong one is refused with the tries left', async () => {
    const customerId = await createCustomer(world, { displayName: 'Bob Keller', externalId: 'CUST-2002' });
    const phone = await openPhone(browser, world, customerId);
    const agent = await newPage(browser);
    await signIn(agent, world, world.agentEmail);
    await openCustomer(agent, world, customerId, 'Bob Keller');
    const panel = agent.locator('.call-panel');
    await panel.getByRole('button', { name: 'Announce a call' }).click();
    await panel.getByLabel('What the call is about').fill('a payment you made');
    await panel.getByLabel('The customer reads a code to me').check();
    await panel.getByRole('button', { name: 'Announce the call' }).click();
    await panel.getByRole('heading', { name: 'Call announced' }).waitFor(timeout);
    // The agent's screen never shows the code the customer is to read.
    assert.equal(await panel.getByTestId('call-code').count(), 0);

    await phone.getByRole('heading', { name: 'Read this code to the caller' }).waitFor(timeout);
    const code = (await phone.getByTestId('call-code').getAttribute('data-code')) ?? '';
    assert.match(code, /^[0-9]{4,8}$/);
    await noViolations(phone, 'the code to read out');
    await shots(phone, 'phone-notice-customer-reads-en');

    const wrong = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`;
    await panel.getByLabel('Code the customer reads to you').fill(wrong);
    await panel.getByRole('button', { name: 'Check the code' }).click();
    await panel.getByTestId('call-code-problem').filter({ hasText: 'Tries left: 2' }).waitFor(timeout);
    await noViolations(agent, 'a wrong code typed');
    await shots(agent, 'console-customer-reads-wrong-en');
    await setLanguage(agent, 'de');
    await shots(agent, 'console-customer-reads-wrong-de');
    await setLanguage(agent, 'en');
    await setLanguage(phone, 'de');
    await phone.getByRole('heading', { name: 'Lesen Sie diesen Code dem Anrufer vor' }).waitFor();
    await shots(phone, 'phone-notice-customer-reads-de');
    await setLanguage(phone, 'en');
    await panel.getByLabel('Code the customer reads to you').fill(code);
    await panel.getByRole('button', { name: 'Check the code' }).click();
    await panel.getByRole('heading', { name: 'Customer confirmed the call' }).waitFor(timeout);
    await panel.getByRole('button', { name: 'End call' }).click();
    await panel.getByRole('heading', { name: 'Call ended' }).waitFor(timeout);
    // The phone is told the call ended: its notice vouches for nobody any more.
    await phone.getByRole('heading', { name: 'The call has ended' }).waitFor(timeout);
    await shots(phone, 'phone-ended-en');
    await setLanguage(phone, 'de');
    await phone.getByRole('heading', { name: 'Der Anruf ist beendet' }).waitFor();
    await shots(phone, 'phone-ended-de');
    await setLanguage(agent, 'de');
    await panel.getByRole('heading', { name: 'Anruf beendet' }).waitFor();
    await shots(agent, 'console-ended-de');
    await phone.context().close();
    await agent.context().close();
  });

  it('"Is Acme Bank calling me?" with no call: hang up; the report is a fraud report on the customer page', async () => {
    const customerId = await createCustomer(world, { displayName: 'Carla Diaz', externalId: 'CUST-2003' });
    const phone = await openPhone(browser, world, customerId);
    await phone.getByRole('link', { name: 'Is Acme Bank calling me?' }).click();
    await phone
      .getByRole('heading', { name: 'Nobody from Acme Bank is calling you right now' })
      .waitFor(timeout);
    await phone.getByText('Hang up. Acme Bank will never ask you for your codes.').waitFor();
    await noViolations(phone, 'the no-call answer');
    await shots(phone, 'phone-none-en');
    await phone.getByRole('button', { name: 'Report this call' }).click();
    await phone.getByLabel('Number shown on your phone (optional)').fill('+44 20 7946 0999');
    await noViolations(phone, 'the report form');
    await shots(phone, 'phone-report-en');
    await phone.getByRole('button', { name: 'Send report' }).click();
    await phone.getByRole('heading', { name: 'Thank you. The call is reported' }).waitFor(timeout);
    await shots(phone, 'phone-reported-en');
    await setLanguage(phone, 'de');
    await phone.getByRole('heading', { name: 'Danke. Der Anruf ist gemeldet' }).waitFor();
    await shots(phone, 'phone-reported-de');

    const supervisor = await newPage(browser);
    await signIn(supervisor, world, world.adminEmail);
    await openCustomer(supervisor, world, customerId, 'Carla Diaz');
    await supervisor.getByRole('heading', { name: /fraud/i }).first().waitFor(timeout);
    await shots(supervisor, 'console-fraud-after-report-en');
    // The audit log says it in a sentence, naming the customer.
    await supervisor.goto(`${world.h.baseUrl}/console/#/audit`);
    await supervisor
      .getByRole('row')
      .filter({ hasText: 'reported a call that claimed to be us' })
      .filter({ hasText: 'Carla Diaz' })
      .first()
      .waitFor(timeout);
    await supervisor.context().close();
    await phone.context().close();
  });

  it('a notice that does not verify against the pinned keys is never shown as genuine', async () => {
    const customerId = await createCustomer(world, { displayName: 'Dora Falk', externalId: 'CUST-2004' });
    const phone = await openPhone(browser, world, customerId);
    // A forger in the network path: every signed notice and answer has its signature changed.
    await phone.context().route('**/v1/device/call-notices/**', async (route) => {
      const response = await route.fetch();
      const text = await response.text();
      const forged = text.replace(
        /"(eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.)([A-Za-z0-9_-]{10})/g,
        '"$1AAAAAAAAAA',
      );
      await route.fulfill({ response, body: forged });
    });
    const agent = await newPage(browser);
    await signIn(agent, world, world.agentEmail);
    await openCustomer(agent, world, customerId, 'Dora Falk');
    const panel = agent.locator('.call-panel');
    await panel.getByRole('button', { name: 'Announce a call' }).click();
    await panel.getByLabel('What the call is about').fill('your card');
    await panel.getByRole('button', { name: 'Announce the call' }).click();
    await panel.getByRole('heading', { name: 'Call announced' }).waitFor(timeout);
    await phone.getByRole('heading', { name: 'This call could not be confirmed' }).waitFor(timeout);
    assert.equal(await phone.getByText('is calling you now').count(), 0);
    await noViolations(phone, 'the refused notice');
    await shots(phone, 'phone-refused-en');
    await setLanguage(phone, 'de');
    await phone.getByRole('heading', { name: 'Dieser Anruf konnte nicht bestätigt werden' }).waitFor();
    await noViolations(phone, 'the refused notice in German');
    await shots(phone, 'phone-refused-de');
    await panel.getByRole('button', { name: 'End call' }).click();
    await phone.context().close();
    await agent.context().close();
  });

  it('in German: the phone and the agent panel, with a different code reported', async () => {
    const customerId = await createCustomer(world, { displayName: 'Erik Braun', externalId: 'CUST-2005' });
    const phone = await openPhone(browser, world, customerId);
    await shots(phone, 'phone-home-en');
    await setLanguage(phone, 'de');
    await phone.getByRole('link', { name: 'Ruft Acme Bank mich an?' }).waitFor();
    await shots(phone, 'phone-home-de');
    const agent = await newPage(browser);
    await signIn(agent, world, world.agentEmail);
    await setLanguage(agent, 'de');
    await openCustomer(agent, world, customerId, 'Erik Braun');
    const panel = agent.locator('.call-panel');
    await panel.getByRole('button', { name: 'Anruf ankündigen' }).click();
    await panel.getByLabel('Worum es im Anruf geht').fill('Ihre Karte');
    await panel.getByLabel('Team (optional)').fill('Kartenservice');
    await panel.getByLabel('Angezeigte Rufnummer (optional)').fill('+49 30 1234567');
    await panel.getByLabel('Ich lese einen Code vor, die Kundin oder der Kunde vergleicht').check();
    await shots(agent, 'console-form-de');
    await panel.getByRole('button', { name: 'Anruf ankündigen' }).click();
    await panel.getByRole('heading', { name: 'Anruf angekündigt' }).waitFor(timeout);
    await phone.getByRole('heading', { name: 'Acme Bank ruft Sie gerade an' }).waitFor(timeout);
    await noViolations(phone, 'the German notice');
    await shots(phone, 'phone-notice-agent-reads-de');
    await shots(agent, 'console-active-agent-reads-de');
    await phone.getByRole('button', { name: 'Der Anrufer hat einen anderen Code genannt' }).click();
    await phone.getByRole('heading', { name: 'Danke. Der Anruf ist gemeldet' }).waitFor(timeout);
    await shots(phone, 'phone-mismatch-de');
    await panel.getByTestId('call-mismatch').waitFor(timeout);
    await noViolations(agent, 'the mismatch alarm');
    await shots(agent, 'console-mismatch-de');
    await panel.getByRole('button', { name: 'Anruf beenden' }).click();
    await panel.getByRole('heading', { name: 'Anruf beendet' }).waitFor(timeout);

    await phone.getByRole('button', { name: 'Zurück zu den Anfragen' }).click();
    await phone.getByRole('link', { name: 'Ruft Acme Bank mich an?' }).click();
    await phone.getByRole('heading', { name: 'Niemand von Acme Bank ruft Sie gerade an' }).waitFor(timeout);
    await shots(phone, 'phone-none-de');
    await phone.getByRole('button', { name: 'Anruf melden' }).click();
    await shots(phone, 'phone-report-de');
    await phone.context().close();
    await agent.context().close();
  });

  it('the policy sets the default mutual code, which the announce form preselects', async () => {
    const admin = await newPage(browser);
    await signIn(admin, world, world.adminEmail);
    await admin.goto(`${world.h.baseUrl}/console/#/policy`);
    const section = admin.getByTestId('policy-call-notices');
    await section.waitFor(timeout);
    await section.getByLabel('Mutual code by default').selectOption('customer_reads');
    await section.getByLabel('Longest call (minutes)').fill('30');
    await section.scrollIntoViewIfNeeded();
    await admin.getByTestId('policy-check').filter({ hasText: 'No problems found.' }).waitFor(timeout);
    await admin.getByRole('button', { name: 'Save as new version' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor(timeout);
    await section.scrollIntoViewIfNeeded();
    await noViolations(admin, 'the policy form');
    await shots(admin, 'console-policy-en');
    await setLanguage(admin, 'de');
    await section.getByText('Anrufhinweise').waitFor();
    await shots(admin, 'console-policy-de');
    await admin.context().close();

    // An admin reads the policy: its default is preselected and marked, and its longest call holds.
    const customerId = await createCustomer(world, { displayName: 'Fritz Lang', externalId: 'CUST-2006' });
    const supervisor = await newPage(browser);
    await signIn(supervisor, world, world.adminEmail);
    await openCustomer(supervisor, world, customerId, 'Fritz Lang');
    const form = supervisor.locator('.call-panel');
    await form.getByRole('button', { name: 'Announce a call' }).click();
    assert.equal(await form.getByLabel(/The customer reads a code to me/).isChecked(), true);
    await form.getByText('(policy default)').waitFor();
    await form.getByLabel('Expected length (minutes)').fill('45');
    await form.getByLabel('What the call is about').fill('your card');
    await form.getByRole('button', { name: 'Announce the call' }).click();
    await form.getByText('Enter a length from 1 to 30 minutes.').waitFor();
    await supervisor.context().close();

    // An agent may not read the policy: "As the policy says" leaves it to the server.
    const agent = await newPage(browser);
    await signIn(agent, world, world.agentEmail);
    await openCustomer(agent, world, customerId, 'Fritz Lang');
    const panel = agent.locator('.call-panel');
    await panel.getByRole('button', { name: 'Announce a call' }).click();
    assert.equal(await panel.getByLabel(/As the policy says/).isChecked(), true);
    await panel.getByLabel('What the call is about').fill('your card');
    await panel.getByRole('button', { name: 'Announce the call' }).click();
    await panel.getByLabel('Code the customer reads to you').waitFor(timeout);
    await panel.getByRole('button', { name: 'End call' }).click();
    await panel.getByRole('heading', { name: 'Call ended' }).waitFor(timeout);
    await agent.context().close();
  });
});
