// The push flow's statements, prepared once: start, device fetch, decision, agent read.
import { type ExpressionBuilder, sql } from 'kysely';
import { prepared, rowSlots, type Slots } from './prepared.ts';
import type { Schema, VerificationEventRow, VerificationRow } from './schema.ts';
import { statusLiteral } from './status-literals.ts';

/**
 * The statements of the push flow (start, device fetch, decision, agent read), prepared once
 * (storage/prepared.ts): every flow runs each of them, most more than once.
 */

const verificationColumns: Record<keyof VerificationRow, true> = {
  id: true,
  tenant_id: true,
  customer_id: true,
  method: true,
  purpose: true,
  reason: true,
  action_summary: true,
  call_reference: true,
  status: true,
  code_hash: true,
  code_sealed: true,
  code_length: true,
  failed_attempts: true,
  max_attempts: true,
  started_by_type: true,
  started_by_id: true,
  agent_name: true,
  request_jws: true,
  created_at: true,
  expires_at: true,
  finished_at: true,
  decided_by_device_id: true,
  decision_evidence: true,
  assurance: true,
  require_user_verification: true,
  action: true,
  fallback_reason: true,
};

const eventColumns: Record<keyof VerificationEventRow, true> = {
  id: true,
  tenant_id: true,
  verification_id: true,
  type: true,
  device_id: true,
  channel: true,
  detail: true,
  occurred_at: true,
};

export const insertVerification = prepared((db, slot: Slots<VerificationRow>) =>
  db.insertInto('verifications').values(rowSlots(slot, verificationColumns)),
);

export const insertVerificationEvent = prepared((db, slot: Slots<VerificationEventRow>) =>
  db.insertInto('verification_events').values(rowSlots(slot, eventColumns)),
);

export const verificationOfTenant = prepared((db, slot: Slots<{ tenantId: string; id: string }>) =>
  db
    .selectFrom('verifications')
    .selectAll()
    .where('tenant_id', '=', slot('tenantId'))
    .where('id', '=', slot('id')),
);

/** For decisions, which name only the id; the caller checks the tenant against the device's. */
export const verificationById = prepared((db, slot: Slots<{ id: string }>) =>
  db.selectFrom('verifications').selectAll().where('id', '=', slot('id')),
);

export const pendingOfCustomer = prepared((db, slot: Slots<{ tenantId: string; customerId: string }>) =>
  db
    .selectFrom('verifications')
    .selectAll()
    .where('tenant_id', '=', slot('tenantId'))
    .where('customer_id', '=', slot('customerId'))
    .where('status', '=', statusLiteral.pending),
);

/** A customer's denials finished after `since`, for the push lock (docs/policy.md). */
export const denialsSince = prepared(
  (db, slot: Slots<{ tenantId: string; customerId: string; since: number }>) =>
    db
      .selectFrom('verifications')
      .select('finished_at')
      .where('tenant_id', '=', slot('tenantId'))
      .where('customer_id', '=', slot('customerId'))
      .where('status', '=', statusLiteral.denied)
      .where('finished_at', '>', slot('since')),
);

/** What a device may read of its customer's request: the signed request and the state. */
export const requestForDevice = prepared(
  (db, slot: Slots<{ tenantId: string; customerId: string; id: string }>) =>
    db
      .selectFrom('verifications')
      .select(['id', 'tenant_id', 'customer_id', 'started_by_id', 'status', 'request_jws', 'expires_at'])
      .where('tenant_id', '=', slot('tenantId'))
      .where('customer_id', '=', slot('customerId'))
      .where('id', '=', slot('id')),
);

/**
 * The agent's read: a verification of the tenant and its timeline in one round trip. One row per
 * stored event (the verification's columns repeated), or one row with null event columns when
 * there is none; events in order.
 */
export const verificationWithTimeline = prepared((db, slot: Slots<{ tenantId: string; id: string }>) =>
  db
    .selectFrom('verifications as v')
    .leftJoin('verification_events as e', 'e.verification_id', 'v.id')
    .selectAll('v')
    .select([
      'e.id as event_id',
      'e.type as event_type',
      'e.device_id as event_device_id',
      'e.channel as event_channel',
      'e.detail as event_detail',
      'e.occurred_at as event_at',
    ])
    .where('v.tenant_id', '=', slot('tenantId'))
    .where('v.id', '=', slot('id'))
    .orderBy('e.id', 'asc'),
);

/**
 * The condition of every compare-and-set on a verification: the row is still pending, with the
 * attempts it was read with. Two writers that read the same state cannot both act on it.
 */
function unchangedSinceRead(
  eb: ExpressionBuilder<Schema, 'verifications'>,
  slot: Slots<{ id: string; tenantId: string; readAttempts: number }>,
) {
  return eb.and([
    eb('id', '=', slot('id')),
    eb('tenant_id', '=', slot('tenantId')),
    eb('status', '=', 'pending'),
    eb('failed_attempts', '=', slot('readAttempts')),
  ]);
}

/** Ends a pending verification, if unchanged since it was read. */
export const finaliseIfUnchanged = prepared(
  (
    db,
    slot: Slots<{
      id: string;
      tenantId: string;
      readAttempts: number;
      status: string;
      failedAttempts: number;
      finishedAt: number;
      deviceId: string | null;
      evidence: string | null;
      assurance: string | null;
    }>,
  ) =>
    db
      .updateTable('verifications')
      .set({
        status: slot('status'),
        failed_attempts: slot('failedAttempts'),
        finished_at: slot('finishedAt'),
        code_sealed: null,
        decided_by_device_id: slot('deviceId'),
        decision_evidence: slot('evidence'),
        assurance: slot('assurance'),
      })
      .where((eb) => unchangedSinceRead(eb, slot)),
);

/** Counts a wrong code on a pending verification, if unchanged since it was read. */
export const countWrongCodeIfUnchanged = prepared(
  (db, slot: Slots<{ id: string; tenantId: string; readAttempts: number; failedAttempts: number }>) =>
    db
      .updateTable('verifications')
      .set({ failed_attempts: slot('failedAttempts') })
      .where((eb) => unchangedSinceRead(eb, slot)),
);

export const tenantForStart = prepared((db, slot: Slots<{ id: string }>) =>
  db.selectFrom('tenants').select(['name', 'settings']).where('id', '=', slot('id')),
);

/** Records a device's first opening of a request; a later fetch by the same device adds nothing. */
export const insertOpenedOnce = prepared(
  (
    _db,
    slot: Slots<{ id: string; tenantId: string; verificationId: string; deviceId: string; at: number }>,
  ) =>
    sql`insert into verification_events
        (id, tenant_id, verification_id, type, device_id, channel, detail, occurred_at)
      select ${slot('id')}, ${slot('tenantId')}, ${slot('verificationId')}, 'opened', ${slot('deviceId')}, null, null, ${slot('at')}
      where not exists (select 1 from verification_events
        where verification_id = ${slot('verificationId')} and type = 'opened' and device_id = ${slot('deviceId')})`,
);
