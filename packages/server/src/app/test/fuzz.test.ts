/**
 * A brief run of the API fuzz (test-support/fuzz.ts) on each database: a few thousand requests
 * over every documented operation, SCIM and the OpenID form endpoints, as an API key, a signed-in
 * admin, an enrolled device and nobody, with bodies, ids and query strings broken in every way
 * the fuzz knows. No answer may be a 5xx. `npm run fuzz` runs the long version.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFuzz } from '../../test-support/fuzz.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

const requests = 3_000;

for (const kind of databaseKinds) {
  describe(`API fuzz on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    before(async () => {
      h = await startTestHarness(kind);
    });
    after(() => h?.close());

    it(`answers ${requests} mutated requests without a single 5xx`, { timeout: 300_000 }, async () => {
      const result = await runFuzz(h, { requests, seed: kind === 'sqlite' ? 11 : 12 });
      assert.equal(result.requests, requests);
      assert.ok(result.operations > 90, `${result.operations} operations`);
      // The callers work: some requests succeed, most are refused.
      assert.ok((result.byStatus['2xx'] ?? 0) > 100, JSON.stringify(result.byStatus));
      assert.deepEqual(result.failures, []);
      assert.equal(result.serverErrors, 0);
      assert.ok(!h.logLines.some((line) => line.includes('"level":50')), 'no error-level log line');
    });
  });
}
