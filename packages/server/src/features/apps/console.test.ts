/**
 * Serving the console (features/apps/console-routes.ts): the pages with their Content-Security-Policy (the
 * console may not be framed; the widget page may), hashed assets cached for good, nothing
 * outside the build reachable, and the demo sign-in hint only while the demo tenant exists.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureConsoleBuilt } from '../../../../../apps/console/scripts/ensure-built.ts';
import { seedDemoData } from '../../app/demo-data.ts';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';

describe('console pages', () => {
  let h: TestHarness;

  before(async () => {
    ensureConsoleBuilt();
    h = await startTestHarness('sqlite');
  });
  after(() => h?.close());

  const get = (url: string) => h.app.inject({ method: 'GET', url });

  it('serves the console at /console/, not frameable, and sends / there', async () => {
    const page = await get('/console/');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /<div id="root">/);
    assert.match(page.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
    assert.equal((await get('/')).headers.location, '/console/');
    assert.equal((await get('/console')).headers.location, '/console/');
  });

  it('serves the widget page frameable by any helpdesk tool', async () => {
    const page = await get('/console/widget');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-security-policy'] as string, /frame-ancestors \*/);
  });

  it('serves built assets with long caching, and nothing else', async () => {
    const page = await get('/console/');
    const asset = /\/console\/(assets\/[^"]+\.js)/.exec(page.body)?.[1];
    assert.ok(asset);
    const file = await get(`/console/${asset}`);
    assert.equal(file.statusCode, 200);
    assert.match(file.headers['cache-control'] as string, /immutable/);
    for (const url of [
      '/console/assets/nope.js',
      '/console/assets/..%2f..%2fpackage.json',
      '/console/assets/%2e%2e%2findex.html',
      '/console/../package.json',
    ]) {
      const response = await get(url);
      assert.ok(response.statusCode === 404 || response.statusCode === 400, `${url}: ${response.statusCode}`);
      assert.doesNotMatch(response.body, /"workspaces"/);
    }
  });

  it('serves the web component to other origins (CORS for a module script)', async () => {
    const script = await get('/widget/helpdesk-verify.js');
    assert.equal(script.statusCode, 200);
    assert.equal(script.headers['access-control-allow-origin'], '*');
    assert.match(script.body, /customElements\.define\('helpdesk-verify'/);
  });

  it('shows the demo sign-in (never a password) only while the demo tenant exists', async () => {
    assert.deepEqual((await get('/console/bootstrap.json')).json(), { demo: null });
    const seeded = await seedDemoData(h.runtime.services);
    assert.ok(seeded);
    const body = (await get('/console/bootstrap.json')).json();
    assert.deepEqual(body, { demo: { tenant: 'demo', email: 'admin@demo.example' } });
    assert.equal(JSON.stringify(body).includes(seeded.password), false);
  });
});
