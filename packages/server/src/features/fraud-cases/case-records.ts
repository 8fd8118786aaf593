// The fraud queue's atomic steps, each in the caller's transaction: a signal opens a case (or joins
// the customer's open one), and a case is resolved once. Every fraud source calls openFraudCase.
import { newId } from '@helpdesk-auth/core';
import { type Actor, appendAudit, systemActor } from '../../platform/audit-log.ts';
import { type EventHub, topics } from '../../platform/live-events.ts';
import { afterCommit } from '../../storage/after-commit.ts';
import type { Db } from '../../storage/database.ts';

/**
 * What can open a case. A new source adds its kind here and calls openFraudCase in the
 * transaction that records the signal.
 * - `fraud_report`: the customer reported fraud from a device (push decision `report_fraud`);
 * - `push_denied`: the customer denied a push an operator started, so while an agent was on the line;
 * - `questions_locked`: too many wrong security-question answers locked the method;
 * - `fake_call`: the customer reported a call claiming to be the helpdesk that was not.
 */
export const fraudSignalKinds = ['fraud_report', 'push_denied', 'questions_locked', 'fake_call'] as const;
export type FraudSignalKind = (typeof fraudSignalKinds)[number];

export const fraudCaseResolutions = ['genuine_mistake', 'confirmed_fraud', 'escalated'] as const;
export type FraudCaseResolution = (typeof fraudCaseResolutions)[number];

export const lockActions = ['clear', 'keep'] as const;
export type LockAction = (typeof lockActions)[number];

/** What changed in a case, as live events and the console name it. */
export type FraudCaseChange = 'opened' | 'signal_added' | 'assigned' | 'noted' | 'resolved';

export interface FraudSignal {
  tenantId: string;
  customerId: string;
  kind: FraudSignalKind;
  /** What the signal is, unique per kind: the verification's id, the call notice's id. */
  sourceId: string;
  /** When the signal happened (the clock of the change that records it). */
  at: number;
  /** Who recorded it; the server itself by default (a device's decision, a lockout). */
  actor?: Actor;
}

/** Tells the supervisors' consoles, once the change is durable (never before, never if it rolls back). */
export function announceCaseChange(
  tx: Db,
  events: EventHub,
  change: {
    tenantId: string;
    caseId: string;
    customerId: string;
    change: FraudCaseChange;
    at: number;
  } & Record<string, unknown>,
): void {
  const { tenantId, at, ...rest } = change;
  afterCommit(tx, async () => {
    events.publish(topics.fraudCases(tenantId), {
      type: 'fraud_case',
      data: { ...rest, at: new Date(at).toISOString() },
    });
  });
}

/**
 * Records a fraud signal in the caller's transaction: it opens a case for the customer, or joins
 * the customer's open case (one open case per customer gathers every signal until it is
 * resolved); a practice customer's signal opens nothing. Two statements decide it, each atomic on both databases: the signal's insert is
 * unique per (tenant, kind, source), so the same signal recorded twice, by parallel requests or
 * processes, counts once (the second call returns null); the case's insert falls back to adding
 * to the open case on the one-open-case index, so parallel signals for one customer never open
 * two cases. Audited (fraud_case.opened or fraud_case.signal_added, webhook events of the same
 * names) and announced live to supervisors after the commit.
 */
export async function openFraudCase(
  tx: Db,
  events: EventHub,
  signal: FraudSignal,
): Promise<{ caseId: string; opened: boolean } | null> {
  const { tenantId, customerId, kind, sourceId, at } = signal;
  if (!tx.isTransaction) throw new Error('openFraudCase runs in the transaction that records the signal.');
  // A practice customer's "fraud" is a rehearsal (features/practice/): scored there, never a case.
  const practice = await tx
    .selectFrom('customers')
    .select('practice')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (practice?.practice === 1) return null;
  const signalId = newId('fraudCaseSignal', at);
  const inserted = await tx
    .insertInto('fraud_case_signals')
    .values({ id: signalId, tenant_id: tenantId, case_id: null, kind, source_id: sourceId, occurred_at: at })
    .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'source_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  const newCaseId = newId('fraudCase', at);
  const row = await tx
    .insertInto('fraud_cases')
    .values({
      id: newCaseId,
      tenant_id: tenantId,
      customer_id: customerId,
      open_customer_id: customerId,
      status: 'open',
      first_kind: kind,
      signal_count: 1,
      opened_at: at,
      last_signal_at: at,
      assignee_id: null,
      assigned_at: null,
      resolution: null,
      resolved_at: null,
      resolved_by_type: null,
      resolved_by_id: null,
      push_lock: null,
      questions_lock: null,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'open_customer_id']).doUpdateSet((eb) => ({
        signal_count: eb('fraud_cases.signal_count', '+', 1),
        last_signal_at: at,
        updated_at: at,
      })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  const caseId = row.id;
  const opened = caseId === newCaseId;
  await tx.updateTable('fraud_case_signals').set({ case_id: caseId }).where('id', '=', signalId).execute();
  await appendAudit(tx, {
    tenantId,
    actor: signal.actor ?? systemActor,
    action: opened ? 'fraud_case.opened' : 'fraud_case.signal_added',
    target: { type: 'fraud_case', id: caseId },
    data: { customerId, signalKind: kind, sourceId },
    now: at,
  });
  announceCaseChange(tx, events, {
    tenantId,
    caseId,
    customerId,
    change: opened ? 'opened' : 'signal_added',
    signalKind: kind,
    at,
  });
  return { caseId, opened };
}

export interface CaseResolution {
  resolution: FraudCaseResolution;
  note: string;
  pushLock: LockAction;
  questionsLock: LockAction;
  actor: Actor;
  now: number;
}

/**
 * Moves an open case to resolved with one conditional update (status open, in the tenant), so of
 * parallel resolutions one applies and the others find nothing; writes the resolution's note and
 * audit entry. `where` picks the case by id, or the customer's open case. Returns the case's id and
 * customer, or null when no open case matched.
 */
export async function resolveCaseRow(
  tx: Db,
  events: EventHub,
  where: { tenantId: string } & ({ caseId: string } | { customerId: string }),
  input: CaseResolution,
): Promise<{ caseId: string; customerId: string } | null> {
  const { actor, now } = input;
  let query = tx
    .updateTable('fraud_cases')
    .set({
      status: 'resolved',
      open_customer_id: null,
      resolution: input.resolution,
      resolved_at: now,
      resolved_by_type: actor.type,
      resolved_by_id: actor.id,
      push_lock: input.pushLock,
      questions_lock: input.questionsLock,
      updated_at: now,
    })
    .where('tenant_id', '=', where.tenantId)
    .where('status', '=', 'open');
  query =
    'caseId' in where
      ? query.where('id', '=', where.caseId)
      : query.where('open_customer_id', '=', where.customerId);
  const row = await query.returning(['id', 'customer_id']).executeTakeFirst();
  if (!row) return null;
  const noteId = newId('fraudCaseNote', now);
  await tx
    .insertInto('fraud_case_notes')
    .values({
      id: noteId,
      tenant_id: where.tenantId,
      case_id: row.id,
      author_type: actor.type,
      author_id: actor.id,
      body: input.note,
      created_at: now,
    })
    .execute();
  await appendAudit(tx, {
    tenantId: where.tenantId,
    actor,
    action: 'fraud_case.resolved',
    target: { type: 'fraud_case', id: row.id },
    data: {
      customerId: row.customer_id,
      resolution: input.resolution,
      pushLock: input.pushLock,
      questionsLock: input.questionsLock,
      noteId,
      note: input.note,
    },
    now,
  });
  announceCaseChange(tx, events, {
    tenantId: where.tenantId,
    caseId: row.id,
    customerId: row.customer_id,
    change: 'resolved',
    resolution: input.resolution,
    at: now,
  });
  return { caseId: row.id, customerId: row.customer_id };
}

/**
 * Resolves the customer's open case, if any, when their fraud report is resolved on its own
 * (POST /v1/customers/{id}/fraud-report/resolve), so the report and the queue agree. The locks
 * are left as they are: that route never touched them.
 */
export function resolveOpenCaseOfCustomer(
  tx: Db,
  events: EventHub,
  input: {
    tenantId: string;
    customerId: string;
    resolution: FraudCaseResolution;
    note: string;
    actor: Actor;
    now: number;
  },
): Promise<{ caseId: string; customerId: string } | null> {
  return resolveCaseRow(
    tx,
    events,
    { tenantId: input.tenantId, customerId: input.customerId },
    { ...input, pushLock: 'keep', questionsLock: 'keep' },
  );
}
