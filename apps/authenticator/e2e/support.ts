/**
 * What the authenticator's browser tests share: a real server (the test harness, listening on
 * 127.0.0.1 and addressed as http://localhost, a secure context whose host name is a valid
 * WebAuthn RP id), an API client for the "agent" side, Chromium with a CDP virtual
 * authenticator, axe-core, and screenshots.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { authenticatorDistDir } from '../../../packages/server/src/features/apps/authenticator-routes.ts';
import { startTestHarness, type TestHarness } from '../../../packages/server/src/test-support/harness.ts';

export const executablePath = '/usr/bin/chromium';

export function chromiumSkip(): string | false {
  let why: string | null = null;
  if (!existsSync(executablePath)) why = `Chromium is not installed at ${executablePath}`;
  else if (!existsSync(`${authenticatorDistDir}/index.html`)) {
    why = 'the authenticator is not built (npm run build:authenticator)';
  }
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires the browser tests to run.`);
  process.stderr.write(`\n*** SKIPPING authenticator browser tests: ${why} ***\n\n`);
  return why;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Server {
  h: TestHarness;
  /** http://localhost:<port>, the server's PUBLIC_URL and the app's origin. */
  origin: string;
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** A server on the real clock (the browser signs proofs with its own clock) and its API key. */
export async function startServer(): Promise<Server> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const h = await startTestHarness('sqlite', { publicUrl: origin }, { realClock: true });
  await h.app.listen({ port, host: '127.0.0.1' });
  const tenant = await h.createTenant('acme');
  const key = await h.createApiKey(tenant, [
    'customers:read',
    'customers:write',
    'devices:read',
    'devices:write',
    'verifications:read',
    'verifications:write',
    'tenant:read',
    'tenant:write',
    'locks:write',
    'calls:read',
    'calls:write',
  ]);
  const api: Server['api'] = async (method, path, body) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const renamed = await api('PATCH', '/v1/tenant', { name: 'Acme Bank' });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  return { h, origin, api, close: () => h.close() };
}

export interface Device {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    // localhost must reach the harness on 127.0.0.1 (it does not listen on ::1).
    args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
  });
}

/**
 * A phone-sized browser profile with notifications allowed and a platform authenticator, as a
 * phone with a fingerprint reader would have: ctap2, internal, with user verification.
 */
export async function openDevice(
  browser: Browser,
  origin: string,
  options: { userVerification?: boolean; locale?: string } = {},
): Promise<Device> {
  const uv = options.userVerification ?? true;
  const context = await browser.newContext({
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    locale: options.locale ?? 'en-GB',
    timezoneId: 'Europe/London',
    // axe-core is injected as an inline script, which the app's CSP rightly forbids.
    bypassCSP: true,
  });
  await context.grantPermissions(['notifications'], { origin });
  if (process.env.AUTHENTICATOR_E2E_ES256_ONLY === '1') {
    // Diagnosis only, never in CI: offer the authenticator ES256 alone, as most platform
    // authenticators choose it. Chromium's virtual authenticator picks ML-DSA-44 when offered,
    // whose signatures the decision endpoint refuses as too long.
    await context.route('**/v1/device/webauthn/registration-options', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { options: { pubKeyCredParams: { alg: number }[] } };
      body.options.pubKeyCredParams = body.options.pubKeyCredParams.filter((p) => p.alg === -7);
      await route.fulfill({ response, json: body });
    });
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: uv,
      isUserVerified: uv,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page, cdp, authenticatorId };
}

const axeSource = readFileSync(new URL(import.meta.resolve('axe-core/axe.min.js')), 'utf8');

/** Runs axe-core on the page and fails on serious or critical violations. */
export async function checkAccessibility(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe;
    interface Violation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    const result = await axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
      );
  });
  assert.deepEqual(violations, [], `accessibility problems on ${what}`);
}

/** Nothing is wider than the 360-pixel screen. */
export async function checkFitsScreen(page: Page, what: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${what} is ${width} pixels wide, wider than the screen`);
}

const screenshotDir = new URL('../.test-artifacts/screenshots/', import.meta.url);

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, screenshotDir).pathname, fullPage: true });
}
