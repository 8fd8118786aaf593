// Tests of the housekeeping sweep: expired replay claims and ended rate-limit windows are deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { claimOnce, hitRateLimit } from '../storage/atomic.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';

for (const kind of databaseKinds) {
  describe(`housekeeping on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    before(async () => {
      h = await startTestHarness(kind);
    });
    after(async () => h?.close());

    it('purges expired replay claims and ended rate-limit windows, and keeps live ones', async () => {
      const db = h.runtime.database.db;
      const now = h.clock.now();
      await claimOnce(db, 'old', { expiresAt: now + 1000, now });
      await claimOnce(db, 'live', { expiresAt: now + 60_000, now });
      await hitRateLimit(db, 'old-window', { limit: 5, windowMs: 1000, now });
      await hitRateLimit(db, 'live-window', { limit: 5, windowMs: 60_000, now });
      h.clock.advance(1000);
      assert.deepEqual(await h.runtime.services.housekeeping.purgeExpired(), { claims: 1, rateLimits: 1 });
      // The live claim still refuses a replay; the purged one could be claimed again.
      assert.equal(
        await claimOnce(db, 'live', { expiresAt: h.clock.now() + 60_000, now: h.clock.now() }),
        false,
      );
      const left = await db.selectFrom('rate_limits').select('key').execute();
      assert.deepEqual(
        left.map((r) => r.key),
        ['live-window'],
      );
    });
  });
}
