// When an operator may be handed a QR code or activation code for a customer (the policy's
// `enroll_device` action), and the evidence the audit entry records.
import {
  AppError,
  type AssuranceLevel,
  defaultVerificationPolicy,
  isAssuranceLevel,
  meetsAssurance,
  type VerificationMethod,
} from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import { loadPolicy } from '../policy/index.ts';

/** How recent a verification must be to count for an enrollment: one call, not yesterday's. */
export const enrollmentVerificationWindowMs = 15 * 60_000;

/** The policy action whose assurance an enrollment in front of an operator needs. */
export const enrollDeviceAction = 'enroll_device';

/** Why an operator could be given the code: a recent verification, or a check in a branch. */
export type HandOutBasis =
  | { kind: 'verification'; method: VerificationMethod; assurance: AssuranceLevel; at: number }
  | { kind: 'in_branch'; note: string };

interface Success {
  method: VerificationMethod;
  assurance: string | null;
  at: number;
}

/** Method successes recorded in the audit log only (the push and code flows have their own rows). */
const auditedSuccesses: Record<string, VerificationMethod> = {
  'totp.verified': 'totp',
  'app_code.verified': 'app_code',
  'security_questions.verified': 'security_questions',
};

/** The customer's successful verifications since `since`, by any method, newest first. */
async function successesSince(
  db: Db,
  tenantId: string,
  customerId: string,
  since: number,
): Promise<Success[]> {
  const [pushes, codes, audited] = await Promise.all([
    db
      .selectFrom('verifications')
      .select(['assurance', 'finished_at'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .where('status', '=', 'approved')
      .where('finished_at', '>', since)
      .execute(),
    db
      .selectFrom('otp_challenges')
      .select(['channel', 'assurance', 'finished_at'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .where('status', '=', 'verified')
      .where('finished_at', '>', since)
      .execute(),
    db
      .selectFrom('audit_events')
      .select(['action', 'data', 'occurred_at'])
      .where('tenant_id', '=', tenantId)
      .where('target_type', '=', 'customer')
      .where('target_id', '=', customerId)
      .where('action', 'in', Object.keys(auditedSuccesses))
      .where('occurred_at', '>', since)
      .execute(),
  ]);
  const out: Success[] = [
    ...pushes.map((p) => ({ method: 'push' as const, assurance: p.assurance, at: Number(p.finished_at) })),
    ...codes.map((c) => ({
      method: c.channel === 'sms' ? ('sms_otp' as const) : ('email_otp' as const),
      assurance: c.assurance,
      at: Number(c.finished_at),
    })),
    ...audited.map((a) => {
      const data = JSON.parse(a.data) as { assurance?: unknown };
      return {
        method: auditedSuccesses[a.action]!,
        assurance: typeof data.assurance === 'string' ? data.assurance : null,
        at: Number(a.occurred_at),
      };
    }),
  ];
  return out.sort((a, b) => b.at - a.at);
}

/**
 * Decides whether an operator may be handed a QR code, link or code to enrol a device for the
 * customer (docs/policy.md, "Enrolling a device"). Whoever holds them enrols a device that
 * approves every later verification, so a caller's word is not enough:
 *
 * - the customer passed a verification in the last 15 minutes, by any method, at the assurance
 *   the policy's `enroll_device` action requires (its default when the policy does not name it);
 * - or the operator states that they checked the customer's identity in person, in a branch,
 *   with a note that goes into the audit entry.
 *
 * Otherwise IDENTITY_CHECK_REQUIRED: the link goes to the phone number or e-mail address on file
 * instead (activation-delivery.ts), which reaches the customer and not whoever is calling.
 */
export async function handOutBasis(
  db: Db,
  where: { tenantId: string; customerId: string; now: number; inBranchNote?: string | undefined },
): Promise<HandOutBasis> {
  const { tenantId, customerId, now } = where;
  const { policy } = await loadPolicy(db, tenantId);
  const rule = Object.hasOwn(policy.actions, enrollDeviceAction)
    ? policy.actions[enrollDeviceAction]!
    : defaultVerificationPolicy.actions[enrollDeviceAction]!;
  const successes = await successesSince(db, tenantId, customerId, now - enrollmentVerificationWindowMs);
  const enough = successes.find(
    (s) =>
      s.assurance !== null &&
      isAssuranceLevel(s.assurance) &&
      meetsAssurance(s.assurance, rule.requiredAssurance),
  );
  if (enough) {
    return {
      kind: 'verification',
      method: enough.method,
      assurance: enough.assurance as AssuranceLevel,
      at: enough.at,
    };
  }
  if (where.inBranchNote !== undefined) return { kind: 'in_branch', note: where.inBranchNote };
  throw new AppError(
    'IDENTITY_CHECK_REQUIRED',
    `Enrolling a device in front of an agent needs a verification at ${rule.requiredAssurance} assurance in the last 15 minutes, or an identity check in person in a branch. Send the activation link to the phone number or e-mail address on file instead.`,
    { details: { reason: 'NOT_VERIFIED_RECENTLY', requiredAssurance: rule.requiredAssurance } },
  );
}
