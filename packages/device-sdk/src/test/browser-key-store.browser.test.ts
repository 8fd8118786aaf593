/**
 * The IndexedDB key store in a real browser (Debian's Chromium, driven by playwright-core): the
 * private key is generated non-extractable, survives a page reload in IndexedDB, signs what the
 * device's public key verifies, and is gone after clear(). Locally the test skips loudly when
 * Chromium is missing; with CI=true it must run.
 */
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { stripTypeScriptTypes } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { DeviceState } from '../key-store.ts';

const executablePath = '/usr/bin/chromium';

function chromiumSkip(): string | false {
  if (existsSync(executablePath)) return false;
  const why = `Chromium is not installed at ${executablePath}`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires the browser tests to run.`);
  process.stderr.write(`\n*** SKIPPING browser tests: ${why} (apt-get install chromium) ***\n\n`);
  return why;
}

// The store imports nothing but types, so stripping them gives a module a browser can load as is.
const storeModule = stripTypeScriptTypes(
  readFileSync(new URL('../browser-key-store.ts', import.meta.url), 'utf8'),
  { mode: 'strip' },
);

const storeUrl = '/browser-key-store.js';
type StoreModule = typeof import('../browser-key-store.ts');

const testState: DeviceState = {
  deviceId: 'dev_01M87A0000000000000000TEST',
  customerId: 'cus_01M87A0000000000000000TEST',
  tenant: { id: 'ten_01M87A0000000000000000TEST', name: 'Acme Bank' },
  issuer: 'https://auth.example.com',
  baseUrl: 'https://auth.example.com',
  jwks: { keys: [] },
  label: 'Browser',
  platform: 'web',
};

interface Signed {
  extractable: boolean;
  exportRefused: boolean;
  publicJwk: Record<string, unknown>;
  signature: string;
}

/** In the page: load the key (generating and saving it first when asked), and sign the message. */
function signInPage(page: Page, message: string, create: boolean): Promise<Signed | null> {
  return page.evaluate(
    async ({ message, create, storeUrl, testState }) => {
      const { createIndexedDbKeyStore } = (await import(storeUrl)) as StoreModule;
      const store = createIndexedDbKeyStore('test-device');
      if (create) {
        const pair = await store.generateKey!();
        await store.saveKey(pair);
        await store.saveState(testState);
      }
      const pair = await store.loadKey();
      if (!pair) return null;
      const exportRefused = await crypto.subtle.exportKey('jwk', pair.privateKey).then(
        () => false,
        () => true,
      );
      const signature = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        pair.privateKey,
        new TextEncoder().encode(message),
      );
      return {
        extractable: pair.privateKey.extractable,
        exportRefused,
        publicJwk: (await crypto.subtle.exportKey('jwk', pair.publicKey)) as Record<string, unknown>,
        signature: btoa(String.fromCharCode(...new Uint8Array(signature))),
      };
    },
    { message, create, storeUrl, testState },
  );
}

function verifies(signed: Signed, message: string): boolean {
  return verify(
    'sha256',
    Buffer.from(message),
    { key: signed.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk', dsaEncoding: 'ieee-p1363' },
    Buffer.from(signed.signature, 'base64'),
  );
}

describe('IndexedDB key store in Chromium', { skip: chromiumSkip() }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = createServer((request, response) => {
      if (request.url === storeUrl) {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(storeModule);
      } else {
        response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>store</title>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    page = await (await browser.newContext()).newPage();
    // 127.0.0.1 is a secure context, so WebCrypto is available as on an https site.
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('keeps a non-extractable key across a reload, and signs with it', async () => {
    const first = await signInPage(page, 'first message', true);
    assert.ok(first);
    assert.equal(first.extractable, false);
    assert.equal(first.exportRefused, true, 'the private key cannot be exported');
    assert.equal(verifies(first, 'first message'), true);
    assert.equal(verifies(first, 'another message'), false);

    await page.reload();
    const again = await signInPage(page, 'after reload', false);
    assert.ok(again, 'the key is still in IndexedDB after a reload');
    assert.equal(again.extractable, false);
    assert.deepEqual(again.publicJwk, first.publicJwk, 'the same key');
    assert.equal(verifies(again, 'after reload'), true);
    const state = await page.evaluate(async (storeUrl) => {
      const { createIndexedDbKeyStore } = (await import(storeUrl)) as StoreModule;
      return createIndexedDbKeyStore('test-device').loadState();
    }, storeUrl);
    assert.deepEqual(state, testState);
  });

  it('refuses to keep an extractable private key, and forgets everything on clear()', async () => {
    const refused = await page.evaluate(async (storeUrl) => {
      const { createIndexedDbKeyStore } = (await import(storeUrl)) as StoreModule;
      const store = createIndexedDbKeyStore('test-device');
      const extractable = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
      ]);
      return store.saveKey(extractable).then(
        () => 'saved',
        (error: Error) => error.name,
      );
    }, storeUrl);
    assert.equal(refused, 'TypeError');
    const secret = { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30 } as const;
    const kept = await page.evaluate(
      async ([storeUrl, secret]) => {
        const { createIndexedDbKeyStore } = (await import(storeUrl)) as StoreModule;
        await createIndexedDbKeyStore('test-device').saveOfflineSecret!(secret);
        return createIndexedDbKeyStore('test-device').loadOfflineSecret!();
      },
      [storeUrl, secret] as const,
    );
    assert.deepEqual(kept, secret, 'the offline-code secret is kept beside the key');
    const cleared = await page.evaluate(async (storeUrl) => {
      const { createIndexedDbKeyStore } = (await import(storeUrl)) as StoreModule;
      const store = createIndexedDbKeyStore('test-device');
      await store.clear();
      return {
        key: await store.loadKey(),
        state: await store.loadState(),
        offlineSecret: await store.loadOfflineSecret!(),
      };
    }, storeUrl);
    assert.deepEqual(cleared, { key: null, state: null, offlineSecret: null });
  });
});
