// Tests that the push flow's queries use migration 0008's partial indexes.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { databaseKinds, startTestHarness, type TestHarness } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import { enrollTestDevice } from '../test-support/test-device.ts';

/**
 * Migration 0008's partial indexes: the customer's pending request and recent denials are found
 * through indexes that hold only those rows. On SQLite the queries must name the status as a
 * literal for the index to be chosen once, when the statement is prepared
 * (storage/status-literals.ts); this runs the real push flow, records every statement the server
 * prepares, and asks SQLite how it runs the ones that look for a customer's pending or denied
 * verifications.
 */

/** Every SQL text node:sqlite prepares from now on, until `stop`. */
function recordPreparedSql() {
  const seen = new Set<string>();
  const original = DatabaseSync.prototype.prepare;
  DatabaseSync.prototype.prepare = function (this: DatabaseSync, text: string, ...rest: unknown[]) {
    seen.add(text);
    return (original as (...args: unknown[]) => ReturnType<typeof original>).call(this, text, ...rest);
  };
  return {
    seen,
    stop() {
      DatabaseSync.prototype.prepare = original;
    },
  };
}

async function runPushFlows(h: TestHarness) {
  const tenant = await h.createTenant('acme');
  const apiKey = await h.createApiKey(tenant, ['verifications:write', 'verifications:read']);
  const system = { type: 'system', id: null } as const;
  const customer = await h.runtime.services.customers.create(tenant.id, { displayName: 'Ida Index' }, system);
  const activation = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
  const device = await enrollTestDevice(h.app, {
    publicUrl: h.baseUrl,
    activationCode: activation.code,
    now: h.clock.now,
  });
  const start = async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: `Bearer ${apiKey}` },
      payload: { customerId: customer.id, reason: 'Address change' },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string; code: string };
  };
  const decide = async (id: string, decision: 'approve' | 'deny', code: string | null) => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/device/verifications/${id}/decision`,
      payload: { signedDecision: await device.decide(id, decision, { code }) },
    });
    assert.equal(response.statusCode, 200, response.body);
  };
  // A denial (read back by the next start's push rules), a request superseded by a newer one,
  // and an approval.
  const denied = await start();
  await decide(denied.id, 'deny', null);
  await start();
  const approved = await start();
  await decide(approved.id, 'approve', approved.code);
  const pending = await h.app.inject({
    method: 'GET',
    url: '/v1/device/verifications',
    headers: { 'device-proof': await device.proof('GET', '/v1/device/verifications') },
  });
  assert.equal(pending.statusCode, 200, pending.body);
  await h.runtime.services.verifications.expireDue();
  return { tenantId: tenant.id, customerId: customer.id };
}

describe('partial status indexes on SQLite', () => {
  let h: TestHarness;
  let prepared: Set<string>;

  before(async () => {
    const recorder = recordPreparedSql();
    try {
      h = await startTestHarness('sqlite');
      await runPushFlows(h);
    } finally {
      recorder.stop();
    }
    prepared = recorder.seen;
  });
  after(() => h?.close());

  const plan = async (text: string) => {
    const { rows } = await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${sql.raw(text)}`.execute(
      h.runtime.database.db,
    );
    return rows.map((row) => row.detail).join(' | ');
  };

  it('finds the pending request of a customer, the device list and the expiry sweep through verifications_pending', async () => {
    const pendingQueries = [...prepared].filter(
      (text) =>
        /from "verifications"/.test(text) && /"status" = 'pending'/.test(text) && !/^update/.test(text),
    );
    // The start's superseding check, the device's list and the expiry sweep, at least.
    assert.ok(pendingQueries.length >= 3, `pending queries seen: ${pendingQueries.join('\n')}`);
    for (const text of pendingQueries) {
      assert.match(await plan(text), /USING (COVERING )?INDEX verifications_pending/, text);
    }
  });

  it('finds a customer’s recent denials through verifications_denied', async () => {
    const denialQueries = [...prepared].filter(
      (text) => /(from|join) "verifications"/.test(text) && /"status" = 'denied'/.test(text),
    );
    // The push rules read them joined to the customer's row (features/policy/push-guard.ts).
    assert.ok(denialQueries.length >= 1, 'the push rules read recent denials');
    for (const text of denialQueries) {
      assert.match(await plan(text), /USING (COVERING )?INDEX verifications_denied/, text);
    }
  });

  it('no query looks for a customer’s pending or denied rows with the status as a parameter', () => {
    const bound = [...prepared].filter(
      (text) =>
        /from "verifications"/.test(text) && /"customer_id" = \?/.test(text) && /"status" = \?/.test(text),
    );
    assert.deepEqual(bound, []);
  });
});

for (const kind of databaseKinds) {
  describe(`partial status indexes hold exactly their rows on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let ids: { tenantId: string; customerId: string };

    before(async () => {
      h = await startTestHarness(kind);
      ids = await runPushFlows(h);
    });
    after(() => h?.close());

    it('the flows end with no pending row, and both indexes are partial on the status', async () => {
      const db = h.runtime.database.db;
      const byStatus = await db
        .selectFrom('verifications')
        .select(['status', db.fn.countAll<number>().as('n')])
        .where('customer_id', '=', ids.customerId)
        .groupBy('status')
        .orderBy('status')
        .execute();
      // Denied, superseded (cancelled) and approved: none pending once the flows are done.
      assert.deepEqual(
        byStatus.map((row) => [row.status, Number(row.n)]),
        [
          ['approved', 1],
          ['cancelled', 1],
          ['denied', 1],
        ],
      );
      const definitions =
        kind === 'sqlite'
          ? await sql<{
              name: string;
              sql: string;
            }>`select name, sql from sqlite_master where name like 'verifications_%'`.execute(db)
          : await sql<{
              name: string;
              sql: string;
            }>`select indexname as name, indexdef as sql from pg_indexes where indexname like 'verifications_%'`.execute(
              db,
            );
      const index = (name: string) => definitions.rows.find((row) => row.name === name)?.sql ?? '';
      assert.match(index('verifications_pending'), /where.*status.*=\s*'pending'/i);
      assert.match(index('verifications_denied'), /where.*status.*=\s*'denied'/i);
    });
  });
}
