// The dashboard's aggregates read migration 0033's indexes in the order they group by, so SQLite
// never sorts the period's verifications (docs/benchmarks.md, "Supervisor dashboard"). The indexes
// hold two expressions that the queries must write exactly as the migration does; this asks SQLite
// how it runs each aggregate the dashboard sends, for every filter.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { ServiceContext } from '../../platform/context.ts';
import { type Database, durable } from '../../storage/database.ts';
import { openTestDatabase } from '../../test-support/harness.ts';
import { type AnalyticsFilter, createAnalyticsService } from './analytics.ts';

/** Every SQL text node:sqlite prepares while `run` runs. */
async function preparedDuring(run: () => Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  const original = DatabaseSync.prototype.prepare;
  DatabaseSync.prototype.prepare = function (this: DatabaseSync, text: string, ...rest: unknown[]) {
    seen.add(text);
    return (original as (...args: unknown[]) => ReturnType<typeof original>).call(this, text, ...rest);
  };
  try {
    await run();
  } finally {
    DatabaseSync.prototype.prepare = original;
  }
  return [...seen];
}

describe('supervisor dashboard: how SQLite runs its aggregates', () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let database: Database;
  const now = Date.UTC(2026, 11, 7);

  before(async () => {
    opened = await openTestDatabase('sqlite');
    database = opened.database;
    await database.db
      .insertInto('tenants')
      .values({
        id: 'ten_plans',
        slug: 'plans',
        name: 'Plans',
        settings: '{}',
        created_at: now,
        updated_at: now,
      })
      .execute();
    // A practice customer, so the condition that leaves them out is in the statements too.
    await database.db
      .insertInto('customers')
      .values({
        id: 'cus_practice',
        tenant_id: 'ten_plans',
        external_id: null,
        display_name: 'Erika (practice)',
        name_folded: 'erika (practice)',
        phone: null,
        phone_changed_at: null,
        email: null,
        locale: null,
        created_at: now,
        updated_at: now,
        practice: 1,
      })
      .execute();
  });
  after(() => opened?.close());

  const filters: [string, Partial<AnalyticsFilter>][] = [
    ['no filter', {}],
    ['one method', { method: 'push' }],
    ['one agent', { agentId: 'opr_1' }],
    ['one team', { team: 'North' }],
  ];
  for (const [name, extra] of filters) {
    it(`reads an analytics index without sorting: ${name}`, async () => {
      // On the serving connection, where the statements can be seen as they are prepared.
      const analytics = createAnalyticsService({ db: database.db } as ServiceContext);
      const statements = await preparedDuring(() =>
        analytics.dashboard('ten_plans', { from: now - 30 * 86_400_000, to: now, ...extra }),
      );
      const aggregates = statements.filter(
        (text) => /group by/i.test(text) && text.includes('"verifications"'),
      );
      assert.equal(aggregates.length, 3, 'per day, per second, per agent');
      await durable(database.db);
      const raw = new DatabaseSync(database.location, { readOnly: true });
      try {
        for (const text of aggregates) {
          const parameters = (text.match(/\?/g) ?? []).map(() => null);
          const plan = raw
            .prepare(`explain query plan ${text}`)
            .all(...parameters)
            .map((row) => String(row.detail));
          const where = `${text.slice(0, 120)}…\n  ${plan.join('\n  ')}`;
          assert.ok(
            plan.some((step) => /USING COVERING INDEX verifications_analytics_/.test(step)),
            `reads an analytics index alone: ${where}`,
          );
          // A filtered agent or team is read from its own index range and its few rows grouped:
          // that is the one sort allowed, bounded by the agent's verifications.
          if (extra.agentId) {
            assert.ok(
              plan.some((step) =>
                /verifications_analytics_agent \(tenant_id=\? AND started_by_type=\? AND started_by_id=\?/.test(
                  step,
                ),
              ),
              `reads the agent's own range: ${where}`,
            );
          }
          if (!extra.agentId && !extra.team) {
            assert.ok(!plan.some((step) => /TEMP B-TREE/.test(step)), `sorts nothing: ${where}`);
          }
        }
      } finally {
        raw.close();
      }
    });
  }
});
