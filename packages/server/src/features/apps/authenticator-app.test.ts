/**
 * The customer's authenticator served at /app: every screen's path answers the app's page (the
 * activation link is /app/activate#code=…), the service worker is served for scope /app/ and
 * always revalidated, hashed assets are cached for good, and nothing outside the build is ever
 * served. Needs the built app (npm run build:authenticator; npm test builds it first).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { authenticatorDistDir } from './authenticator-routes.ts';

function buildSkip(): string | false {
  if (existsSync(`${authenticatorDistDir}/index.html`)) return false;
  const why = 'the authenticator is not built (npm run build:authenticator)';
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires these tests to run.`);
  process.stderr.write(`\n*** SKIPPING authenticator route tests: ${why} ***\n\n`);
  return why;
}

const errorCode = (response: { json(): unknown }) =>
  (response.json() as { error: { code: string } }).error.code;

describe('authenticator app at /app', { skip: buildSkip() }, () => {
  let h: TestHarness;
  before(async () => {
    h = await startTestHarness('sqlite');
  });
  after(async () => h?.close());

  it('redirects /app to /app/ and answers the page with a strict content security policy', async () => {
    const bare = await h.app.inject({ method: 'GET', url: '/app' });
    assert.equal(bare.statusCode, 302);
    assert.equal(bare.headers.location, '/app/');

    const page = await h.app.inject({ method: 'GET', url: '/app/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<div id="root">/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const csp = String(page.headers['content-security-policy']);
    for (const rule of [
      "script-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
    ]) {
      assert.ok(csp.includes(rule), `CSP has ${rule}`);
    }
    assert.ok(!csp.includes('unsafe-inline'), 'nothing inline runs');
  });

  it("answers the page for each of the app's screens, the activation link's path included", async () => {
    const index = (await h.app.inject({ method: 'GET', url: '/app/' })).body;
    for (const path of [
      '/app/activate',
      '/app/history',
      '/app/code',
      '/app/device',
      '/app/request/ver_01KAX0000000000000000000AB',
    ]) {
      const response = await h.app.inject({ method: 'GET', url: path });
      assert.equal(response.statusCode, 200, path);
      assert.equal(response.body, index, path);
    }
  });

  it('serves the service worker for scope /app/, always revalidated', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/app/sw.js' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/javascript/);
    assert.equal(response.headers['service-worker-allowed'], '/app/');
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.match(response.body, /notificationclick/);
  });

  it('serves the manifest, whose scope and start are the app', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/app/manifest.webmanifest' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/manifest\+json/);
    const manifest = JSON.parse(response.body) as {
      scope: string;
      start_url: string;
      icons: { src: string }[];
    };
    assert.equal(manifest.scope, '/app/');
    assert.equal(manifest.start_url, '/app/');
    for (const icon of manifest.icons) {
      const file = await h.app.inject({ method: 'GET', url: icon.src });
      assert.equal(file.statusCode, 200, icon.src);
    }
  });

  it('caches hashed assets for good', async () => {
    const index = (await h.app.inject({ method: 'GET', url: '/app/' })).body;
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    assert.ok(script, 'the page loads a hashed script');
    const response = await h.app.inject({ method: 'GET', url: script });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  it('serves nothing outside the build, and no page for unknown paths', async () => {
    for (const path of [
      '/app/assets/missing.js',
      '/app/icons/missing.png',
      '/app/unknown',
      '/app/request/not-an-id',
      '/app/../package.json',
      '/app/%2e%2e/%2e%2e/package.json',
      '/app/assets/..%2f..%2fpackage.json',
      '/app/index.html/x',
    ]) {
      const response = await h.app.inject({ method: 'GET', url: path });
      assert.ok(
        response.statusCode === 404 || response.statusCode === 400,
        `${path}: ${response.statusCode}`,
      );
      assert.ok(!response.body.includes('"workspaces"'), `${path} leaks a file`);
      assert.ok(['ROUTE_NOT_FOUND', 'VALIDATION_FAILED'].includes(errorCode(response)), path);
    }
  });
});
