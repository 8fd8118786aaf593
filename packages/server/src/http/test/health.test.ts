// Tests of the health checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../../app/build-app.ts';
import { startTestHarness } from '../../test-support/harness.ts';

describe('health checks', () => {
  it('reports not ready, with a typed error, once the database is gone', async () => {
    const h = await startTestHarness('sqlite');
    try {
      assert.equal((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      await h.runtime.database.close();
      const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json(), {
        error: { code: 'NOT_READY', message: 'The database is not reachable.' },
      });
      assert.equal(
        (await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode,
        200,
        'the process is still alive',
      );
    } finally {
      await h.app.close();
    }
  });

  it('reports not ready while migrations are pending', async () => {
    const h = await startTestHarness('sqlite');
    try {
      await h.runtime.database.db.deleteFrom('kysely_migration' as never).execute();
      const app = await buildApp(h.runtime);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json().error.message, /0001-initial/);
      await app.close();
    } finally {
      await h.close();
    }
  });

  it('echoes a well-formed request id and replaces a malformed one', async () => {
    const h = await startTestHarness('sqlite');
    try {
      const kept = await h.app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'call-42.abc' },
      });
      assert.equal(kept.headers['x-request-id'], 'call-42.abc');
      const replaced = await h.app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'bad id\u0000' },
      });
      assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    } finally {
      await h.close();
    }
  });
});
