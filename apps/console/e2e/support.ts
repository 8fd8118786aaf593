/**
 * What the console's browser tests share: a real server (the test harness, listening on
 * 127.0.0.1, real clock), Debian's Chromium through playwright-core, customers with devices
 * simulated by the real device SDK, screenshots, and an axe-core accessibility check.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceClient,
  type VerifiedRequest,
} from '../../../packages/device-sdk/src/index.ts';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import {
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../../../packages/server/src/test-support/harness.ts';
import { ensureConsoleBuilt } from '../scripts/ensure-built.ts';

export const executablePath = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const screenshotDir = path.join(repoRoot, '.test-artifacts/console');

/** Skip loudly without Chromium locally; under CI=true the browser tests must run. */
export function chromiumSkip(): string | false {
  if (existsSync(executablePath)) return false;
  const why = `Chromium is not installed at ${executablePath}`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires the browser tests to run.`);
  process.stderr.write(`\n*** SKIPPING console browser tests: ${why} (apt-get install chromium) ***\n\n`);
  return why;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

type Role = 'agent' | 'admin' | 'auditor';

export interface ConsoleWorld {
  h: TestHarness;
  tenant: TestTenant;
  agentEmail: string;
  adminEmail: string;
  auditorEmail: string;
  close(): Promise<void>;
}

/** A listening server with the console built, a tenant "Acme Bank" and operators of each role. */
export async function startConsoleWorld(overrides: Record<string, unknown> = {}): Promise<ConsoleWorld> {
  ensureConsoleBuilt();
  const h = await startTestHarness('sqlite', overrides, { listen: true, realClock: true });
  const tenant = await h.createTenant('acme');
  await h.runtime.services.tenants.update(tenant.id, { name: 'Acme Bank' }, cliActor);
  // Named like people, so the screenshots in docs/agent-guide.md read naturally.
  const people = [
    ['agent', 'sam@acme.example', 'Sam Support'],
    ['admin', 'ada@acme.example', 'Ada Admin'],
    ['auditor', 'otto@acme.example', 'Otto Auditor'],
  ] as const;
  for (const [role, email, displayName] of people) {
    await h.runtime.services.operators.create(
      tenant.id,
      { email, displayName, role, password: testPassword },
      cliActor,
    );
  }
  return {
    h,
    tenant,
    agentEmail: 'sam@acme.example',
    adminEmail: 'ada@acme.example',
    auditorEmail: 'otto@acme.example',
    close: () => h.close(),
  };
}

export async function createCustomer(
  world: ConsoleWorld,
  input: { displayName: string; externalId: string; phone?: string; email?: string },
): Promise<string> {
  const customer = await world.h.runtime.services.customers.create(world.tenant.id, input, cliActor);
  return customer.id;
}

/** The customer's phone: the real device SDK, enrolled with a fresh activation. */
export interface SimulatedPhone {
  client: DeviceClient;
  /** The request now shown on the phone (waits for it). */
  waitForRequest(): Promise<VerifiedRequest>;
  /** Listens on the live channel, as an open app does (so the agent sees "delivered"). */
  listen(): void;
  stop(): void;
}

export async function enrollPhone(world: ConsoleWorld, customerId: string): Promise<SimulatedPhone> {
  const activation = await world.h.runtime.services.devices.createActivation(
    world.tenant.id,
    customerId,
    cliActor,
  );
  const client = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: world.h.baseUrl });
  await client.enroll(activation.link, { label: 'Pixel 9', platform: 'android' });
  const controller = new AbortController();
  return {
    client,
    async waitForRequest() {
      for (let i = 0; i < 100; i++) {
        const [request] = await client.pendingRequests();
        if (request) return request;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('no request reached the phone');
    },
    listen() {
      void client.listen({ onEvent: () => {}, signal: controller.signal }).catch(() => {});
    },
    stop() {
      controller.abort();
    },
  };
}

export async function signIn(page: Page, world: ConsoleWorld, email: string): Promise<void> {
  await page.goto(`${world.h.baseUrl}/console/`);
  await page.getByLabel('Organisation').fill(world.tenant.slug);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(testPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find the caller' }).waitFor();
}

export interface PageOptions {
  locale?: string;
  /** Viewport height; the width is 1280 unless given. */
  height?: number;
  width?: number;
  /** Show the first-run tour; otherwise every operator has seen it, as after a first day. */
  tour?: boolean;
}

/** Marks the first-run tour seen for every operator, before the console's scripts run. */
export function skipTour(): void {
  const read = Storage.prototype.getItem;
  Storage.prototype.getItem = function (key: string) {
    return key.startsWith('helpdesk-auth.tour.v1.') ? 'done' : read.call(this, key);
  };
}

/**
 * A page in a fresh browser context, 1280x720 in English unless told otherwise. CSP is bypassed
 * only so that axe-core can be injected as an inline script.
 */
export async function newPage(browser: Browser, options: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 720 },
    locale: options.locale ?? 'en-GB',
    bypassCSP: true,
  });
  if (!options.tour) await context.addInitScript(skipTour);
  return context.newPage();
}

/** What a browser suite's tests use; it is there once the suite's `before` has run. */
export interface BrowserSuite {
  readonly world: ConsoleWorld;
  readonly browser: Browser;
  /**
   * A page in a fresh context; with `signInAs`, the world's operator of that role signed in
   * (in English: `signIn` reads the English page, so another locale signs in by hand).
   */
  page(
    options?: (PageOptions & { signInAs?: never }) | { height?: number; locale?: never; signInAs: Role },
  ): Promise<Page>;
}

/**
 * Registers the describe block's `before` and `after` for a console world (its server started
 * with `overrides`) and a browser, both closed when the block ends. Call it first in the block,
 * so that the block's own hooks run once the world is up.
 */
export function browserSuite(overrides: Record<string, unknown> = {}): BrowserSuite {
  let world: ConsoleWorld | undefined;
  let browser: Browser | undefined;
  before(async () => {
    world = await startConsoleWorld(overrides);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the browser suite has not started (use it inside a test or hook)');
    return value;
  };
  return {
    get world() {
      return started(world);
    },
    get browser() {
      return started(browser);
    },
    async page(options = {}) {
      const page = await newPage(started(browser), options);
      if (options.signInAs) {
        const signedIn = started(world);
        await signIn(page, signedIn, signedIn[`${options.signInAs}Email`]);
      }
      return page;
    },
  };
}

/** The header's "Administration" button (German "Verwaltung"), which holds the administration pages. */
export function adminMenuButton(page: Page) {
  return page
    .getByRole('banner')
    .getByRole('navigation')
    .getByRole('button', { name: /^(Administration|Verwaltung)$/ });
}

/**
 * Opens an administration page (Operators, API keys, Settings, Policy, Webhooks, Campaigns, Audit
 * log, in either language) as a person does: the header's Administration menu, then its link.
 */
export async function openAdminPage(page: Page, name: string): Promise<void> {
  const button = adminMenuButton(page);
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  const list = page.locator(`[id="${await button.getAttribute('aria-controls')}"]`);
  await list.getByRole('link', { name, exact: true }).click();
  // Following a link closes the menu.
  await list.waitFor({ state: 'hidden' });
}

/** Finds the customer by name with the search box and the keyboard, and opens their page. */
export async function openCustomerBySearch(page: Page, world: ConsoleWorld, name: string): Promise<void> {
  await page.goto(`${world.h.baseUrl}/console/#/`);
  const search = page.getByRole('combobox', { name: /Name, customer ID/ });
  await search.fill(name);
  await page
    .getByRole('listbox')
    .getByRole('option', { name: new RegExp(name) })
    .first()
    .waitFor();
  await search.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

const axeSource = readFileSync(path.join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page; returns the serious and critical violations (WCAG 2.x A and AA). */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Switches the console's language in place (the switch may sit behind an open dialog). */
export async function setLanguage(page: Page, language: 'en' | 'de'): Promise<void> {
  await page.evaluate((lang) => {
    const select = document.querySelector<HTMLSelectElement>('.language select');
    if (!select) throw new Error('no language switch');
    select.value = lang;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, language);
}

/** English and German at 1280 and 390 px wide, each checked with axe; back to English at 1280. */
export async function shootBoth(page: Page, name: string): Promise<void> {
  for (const language of ['en', 'de'] as const) {
    await setLanguage(page, language);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      // Charts redraw on resize; wait a frame so the screenshot shows the new size.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
      await screenshot(page, `${name}-${language}-${width}`);
      assert.deepEqual(await seriousAccessibilityViolations(page), [], `${name} ${language} ${width}`);
    }
  }
  await setLanguage(page, 'en');
  await page.setViewportSize({ width: 1280, height: 800 });
}
