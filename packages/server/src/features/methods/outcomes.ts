// Every fallback method's outcome recorded as a verification: the row history and the API read,
// its timeline, and the `verification.*` audit entry that webhooks are made from.
import { type AssuranceLevel, newId, type VerificationMethod } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { Db } from '../../storage/database.ts';
import { insertVerification, insertVerificationEvent } from '../../storage/verification-queries.ts';
import { fallbackFacts, fallbackReason } from './fallback-reason.ts';

/** A fallback method: every method but push, which records its own verifications. */
export type FallbackMethod = Exclude<VerificationMethod, 'push'>;

/** What a check came to: passed, failed (wrong, or out of tries), or a code that was never used. */
export type OutcomeStatus = 'approved' | 'failed' | 'expired' | 'cancelled';

export interface MethodOutcome {
  tenantId: string;
  customerId: string;
  method: FallbackMethod;
  /** The policy action the check was for. */
  action: string;
  status: OutcomeStatus;
  /** The assurance the method gives; recorded on the verification only when it passed. */
  assurance: string;
  actor: Actor;
  /** When the check began (an SMS code's sending); a single check begins when it ends. */
  startedAt: number;
  /** When a code would have expired; a single check has none, and records its own end. */
  expiresAt: number;
  now: number;
  failedAttempts: number;
  maxAttempts: number;
  codeLength: number;
  /** The channel a code went through (`sms`, `email`), recorded as the timeline's `sent` entry. */
  sentThrough?: string;
  /** The device whose offline code passed, for app codes. */
  deviceId?: string | null;
  /**
   * The verification's id. A one-time code's is derived from its challenge's
   * (`verificationIdOfChallenge`), so each challenge has at most one; others get a new one.
   */
  id?: string;
}

/** The verification a one-time code's challenge ends as: the same time-ordered body, `ver_`. */
export function verificationIdOfChallenge(challengeId: string): string {
  return `ver_${challengeId.slice(challengeId.indexOf('_') + 1)}`;
}

/** The name history shows for who checked: the operator's or API key's own, else the actor type. */
async function actorName(tx: Db, tenantId: string, actor: Actor): Promise<string> {
  if (actor.type === 'operator') {
    const row = await tx
      .selectFrom('operators')
      .select('display_name')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', actor.id)
      .executeTakeFirst();
    if (row) return row.display_name;
  }
  if (actor.type === 'api_key') {
    const row = await tx
      .selectFrom('api_keys')
      .select('name')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', actor.id)
      .executeTakeFirst();
    if (row) return row.name;
  }
  return actor.type === 'system' ? 'Customer' : actor.type;
}

/**
 * Records one outcome, inside the caller's transaction (the one that settled the check), so a
 * check is never settled without its verification nor recorded twice. The row has no code, no
 * signed request and no reason: those belong to push. It does keep why push was not used
 * (fallback-reason.ts). Returns the verification's id.
 */
export async function recordMethodOutcome(tx: Db, outcome: MethodOutcome): Promise<string> {
  const id = outcome.id ?? newId('verification', outcome.now);
  const passed = outcome.status === 'approved';
  const facts = await fallbackFacts(tx, outcome.tenantId, outcome.customerId, outcome.startedAt);
  await insertVerification.changes(tx, {
    id,
    tenant_id: outcome.tenantId,
    customer_id: outcome.customerId,
    method: outcome.method,
    purpose: 'authenticate',
    reason: '',
    action_summary: null,
    call_reference: null,
    status: outcome.status,
    code_hash: '',
    code_sealed: null,
    code_length: outcome.codeLength,
    failed_attempts: outcome.failedAttempts,
    max_attempts: outcome.maxAttempts,
    started_by_type: outcome.actor.type,
    started_by_id: outcome.actor.id,
    agent_name: await actorName(tx, outcome.tenantId, outcome.actor),
    request_jws: '',
    created_at: outcome.startedAt,
    expires_at: outcome.expiresAt,
    finished_at: outcome.now,
    decided_by_device_id: outcome.deviceId ?? null,
    decision_evidence: null,
    assurance: passed ? outcome.assurance : null,
    require_user_verification: 0,
    action: outcome.action,
    fallback_reason: fallbackReason(facts, outcome.startedAt),
  });
  const event = (type: string, at: number, channel: string | null) =>
    insertVerificationEvent.changes(tx, {
      id: newId('verificationEvent', at),
      tenant_id: outcome.tenantId,
      verification_id: id,
      type,
      device_id: type === 'approved' ? (outcome.deviceId ?? null) : null,
      channel,
      detail: null,
      occurred_at: at,
    });
  if (outcome.sentThrough) await event('sent', outcome.startedAt, outcome.sentThrough);
  await event(outcome.status, outcome.now, null);
  await appendAudit(tx, {
    tenantId: outcome.tenantId,
    actor: outcome.actor,
    action: `verification.${outcome.status}`,
    target: { type: 'verification', id },
    data: {
      customerId: outcome.customerId,
      method: outcome.method,
      action: outcome.action,
      ...(passed ? { assurance: outcome.assurance as AssuranceLevel } : {}),
      ...(outcome.deviceId ? { deviceId: outcome.deviceId } : {}),
    },
    now: outcome.now,
  });
  return id;
}
