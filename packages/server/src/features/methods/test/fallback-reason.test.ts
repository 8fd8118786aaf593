// Why push was not used: the rules, and the reasons migration 0033 gives the fallbacks recorded
// before it, on both databases. The reasons flows record are tested in features/analytics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import type { Insertable } from 'kysely';
import { type Database, type DatabaseKind, migrateTo, migrateToLatest } from '../../../storage/database.ts';
import type { Schema } from '../../../storage/schema.ts';
import { openTestDatabase } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { type FallbackFacts, fallbackReason, pushLookbackMs } from '../fallback-reason.ts';

const at = Date.UTC(2026, 10, 2, 10);
const minute = 60_000;

describe('why push was not used: the rules', () => {
  const none: FallbackFacts = {
    pushStatus: null,
    hadDevice: true,
    fraudReportedAt: null,
    pushClearedAt: null,
  };

  it('names the last push first, whatever else holds', () => {
    const locked = { ...none, hadDevice: false, fraudReportedAt: at - minute };
    assert.equal(fallbackReason({ ...locked, pushStatus: 'denied' }, at), 'denied');
    assert.equal(fallbackReason({ ...locked, pushStatus: 'fraud_reported' }, at), 'denied');
    for (const status of ['expired', 'cancelled', 'failed', 'pending']) {
      assert.equal(fallbackReason({ ...locked, pushStatus: status }, at), 'unreachable', status);
    }
    // An approved push does not explain a fallback: the other facts do.
    assert.equal(fallbackReason({ ...none, pushStatus: 'approved' }, at), 'not_tried');
  });

  it('then a missing device, then a fraud lock not cleared since', () => {
    assert.equal(fallbackReason({ ...none, hadDevice: false }, at), 'no_device');
    assert.equal(fallbackReason({ ...none, fraudReportedAt: at - minute }, at), 'locked');
    assert.equal(
      fallbackReason({ ...none, fraudReportedAt: at - 2 * minute, pushClearedAt: at - minute }, at),
      'not_tried',
    );
    // Cleared before the last report, or a report after the fallback began: not a lock then.
    assert.equal(
      fallbackReason({ ...none, fraudReportedAt: at - minute, pushClearedAt: at - 2 * minute }, at),
      'locked',
    );
    assert.equal(fallbackReason({ ...none, fraudReportedAt: at + minute }, at), 'not_tried');
    assert.equal(fallbackReason(none, at), 'not_tried');
  });
});

function migrationSuite(kind: DatabaseKind) {
  let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let database: Database;

  before(async () => {
    opened = await openTestDatabase(kind, { migrate: false });
    database = opened.database;
  });
  after(() => opened?.close());

  it('gives the fallbacks recorded before it the reason the dashboard gave them', async () => {
    await migrateTo(database.db, '0032-practice');
    const db = database.db;
    const tenants = ['ten_A', 'ten_B'];
    for (const id of tenants) {
      await db
        .insertInto('tenants')
        .values({ id, slug: id.toLowerCase(), name: id, settings: '{}', created_at: at, updated_at: at })
        .execute();
    }
    const customer = (tenantId: string, name: string, fraudAt: number | null = null) => {
      const id = newId('customer', at - 60 * minute);
      return {
        id,
        row: {
          id,
          tenant_id: tenantId,
          external_id: name,
          display_name: name,
          name_folded: name,
          phone: null,
          phone_changed_at: null,
          email: null,
          locale: null,
          created_at: at - 60 * minute,
          updated_at: at - 60 * minute,
          fraud_reported_at: fraudAt,
        } as Insertable<Schema['customers']>,
      };
    };
    const withDevice = ['denied', 'unreachable', 'locked', 'notTried', 'stalePush', 'revoked'];
    const people = {
      denied: customer('ten_A', 'denied'),
      unreachable: customer('ten_A', 'unreachable'),
      noDevice: customer('ten_A', 'noDevice'),
      locked: customer('ten_A', 'locked', at - 30 * minute),
      notTried: customer('ten_A', 'notTried'),
      stalePush: customer('ten_A', 'stalePush'),
      revoked: customer('ten_A', 'revoked'),
      // Another tenant's customer: partitioned by tenant too.
      other: customer('ten_B', 'other'),
    };
    await db
      .insertInto('customers')
      .values(Object.values(people).map((p) => p.row))
      .execute();
    let n = 0;
    const device = (customerId: string, tenantId: string, revokedAt: number | null = null) => ({
      id: newId('device', at - 50 * minute),
      tenant_id: tenantId,
      customer_id: customerId,
      label: 'Phone',
      platform: 'android',
      public_jwk: '{}',
      key_thumbprint: `t${n++}`,
      push_kind: null,
      push_target: null,
      status: revokedAt === null ? ('active' as const) : ('revoked' as const),
      created_at: at - 50 * minute,
      last_seen_at: at - 50 * minute,
      revoked_at: revokedAt,
      webauthn_credential_id: null,
      webauthn_public_key: null,
      webauthn_counter: 0,
      webauthn_registered_at: null,
    });
    await db
      .insertInto('devices')
      .values([
        ...withDevice.map((name) =>
          device(
            people[name as keyof typeof people].id,
            'ten_A',
            name === 'revoked' ? at - 20 * minute : null,
          ),
        ),
        device(people.other.id, 'ten_B'),
      ])
      .execute();
    const verification = (
      customerId: string,
      method: string,
      status: string,
      createdAt: number,
      tenantId = 'ten_A',
    ) => {
      const id = newId('verification', createdAt);
      return {
        id,
        tenant_id: tenantId,
        customer_id: customerId,
        method,
        purpose: 'authenticate',
        reason: '',
        action_summary: null,
        call_reference: null,
        status,
        code_hash: '',
        code_sealed: null,
        code_length: 2,
        failed_attempts: 0,
        max_attempts: 3,
        started_by_type: 'operator',
        started_by_id: 'opr_1',
        agent_name: 'Agent',
        request_jws: '',
        created_at: createdAt,
        expires_at: createdAt + 2 * minute,
        finished_at: createdAt + minute,
        decided_by_device_id: null,
        decision_evidence: null,
        assurance: null,
        require_user_verification: 0,
        action: method === 'push' ? null : 'verify_caller',
      };
    };
    const rows = [
      verification(people.denied.id, 'push', 'denied', at - 3 * minute),
      verification(people.unreachable.id, 'push', 'expired', at - 3 * minute),
      verification(people.stalePush.id, 'push', 'denied', at - pushLookbackMs - minute),
      verification(people.other.id, 'push', 'denied', at - 3 * minute, 'ten_B'),
    ];
    const fallbacks = {
      denied: verification(people.denied.id, 'sms_otp', 'approved', at),
      unreachable: verification(people.unreachable.id, 'security_questions', 'approved', at),
      noDevice: verification(people.noDevice.id, 'sms_otp', 'approved', at),
      locked: verification(people.locked.id, 'email_otp', 'failed', at),
      notTried: verification(people.notTried.id, 'totp', 'approved', at),
      stalePush: verification(people.stalePush.id, 'sms_otp', 'approved', at),
      revoked: verification(people.revoked.id, 'sms_otp', 'approved', at),
      other: verification(people.other.id, 'sms_otp', 'approved', at, 'ten_B'),
    };
    await db
      .insertInto('verifications')
      .values([...rows, ...Object.values(fallbacks)])
      .execute();

    await migrateToLatest(db);

    const stored = await db.selectFrom('verifications').select(['id', 'method', 'fallback_reason']).execute();
    const reasonOf = (id: string) => stored.find((r) => r.id === id)?.fallback_reason;
    assert.deepEqual(
      Object.fromEntries(Object.entries(fallbacks).map(([name, v]) => [name, reasonOf(v.id)])),
      {
        denied: 'denied',
        unreachable: 'unreachable',
        noDevice: 'no_device',
        locked: 'locked',
        notTried: 'not_tried',
        // A denial 16 minutes before is too long ago to explain it.
        stalePush: 'not_tried',
        // A device revoked before the fallback does not count.
        revoked: 'no_device',
        other: 'denied',
      },
    );
    // Pushes have none.
    for (const row of stored.filter((r) => r.method === 'push')) assert.equal(row.fallback_reason, null);
  });
}

describe('migration 0033 on SQLite', () => migrationSuite('sqlite'));
describe('migration 0033 on PostgreSQL', { skip: await postgresSkip() }, () => migrationSuite('postgres'));
