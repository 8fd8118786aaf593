/**
 * What the console's browser tests share: a real server (the test harness, listening on
 * 127.0.0.1, real clock), Debian's Chromium through playwright-core, customers with devices
 * simulated by the real device SDK, screenshots, and an axe-core accessibility check.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceClient,
  type VerifiedRequest,
} from '../../../packages/device-sdk/src/index.ts';
import { cliActor } from '../../../packages/server/src/services/audit-log.ts';
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

/**
 * A signed-in agent's page at 1280x720 in English. CSP is bypassed only so that axe-core can be
 * injected as an inline script.
 */
export async function agentPage(browser: Browser, world: ConsoleWorld): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    locale: 'en-GB',
    bypassCSP: true,
  });
  const page = await context.newPage();
  await signIn(page, world, world.agentEmail);
  return page;
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
