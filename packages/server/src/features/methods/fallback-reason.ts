// Why push was not used, for a verification by another method: decided once, when the method's
// outcome is recorded, from what was stored at the time, and kept on the verification
// (`fallback_reason`), so the supervisors' dashboard only counts it (docs/analytics.md).
import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';

export const fallbackReasons = ['no_device', 'unreachable', 'denied', 'locked', 'not_tried'] as const;
export type FallbackReason = (typeof fallbackReasons)[number];

/** A fallback counts the customer's push before it as its reason when it came this soon after. */
export const pushLookbackMs = 15 * 60_000;

/** What was stored about the customer when the fallback began. */
export interface FallbackFacts {
  /** The status of the customer's last push started in the lookback before, if any. */
  pushStatus: string | null;
  /** Whether a device was enrolled (and not revoked) at that moment. */
  hadDevice: boolean;
  /** The customer's last fraud report, and when a supervisor last cleared the push lock. */
  fraudReportedAt: number | null;
  pushClearedAt: number | null;
}

/**
 * One reason, in this order:
 * - `denied`: the last push was denied or reported as fraud;
 * - `unreachable`: it ended otherwise (expired unanswered, cancelled, failed) or was still
 *   waiting when the agent moved on;
 * - `no_device`: no such push, and no device enrolled;
 * - `locked`: no such push, and a fraud report locked push (not cleared since);
 * - `not_tried`: a device and no lock, yet another method was used.
 */
export function fallbackReason(facts: FallbackFacts, at: number): FallbackReason {
  const { pushStatus, fraudReportedAt: fraudAt, pushClearedAt: clearedAt } = facts;
  if (pushStatus === 'denied' || pushStatus === 'fraud_reported') return 'denied';
  if (pushStatus !== null && pushStatus !== 'approved') return 'unreachable';
  if (!facts.hadDevice) return 'no_device';
  const cleared = clearedAt !== null && fraudAt !== null && clearedAt >= fraudAt && clearedAt <= at;
  if (fraudAt !== null && fraudAt <= at && !cleared) return 'locked';
  return 'not_tried';
}

/** The facts about a customer at `at`, in one statement (inside the caller's transaction). */
export async function fallbackFacts(
  tx: Db,
  tenantId: string,
  customerId: string,
  at: number,
): Promise<FallbackFacts> {
  const row = await tx
    .selectFrom('customers as c')
    .leftJoin('customer_method_locks as l', (j) =>
      j.onRef('l.customer_id', '=', 'c.id').on('l.tenant_id', '=', tenantId),
    )
    .where('c.tenant_id', '=', tenantId)
    .where('c.id', '=', customerId)
    .select((eb) => [
      'c.fraud_reported_at',
      'l.push_cleared_at',
      eb
        .selectFrom('verifications as p')
        .select('p.status')
        .where('p.tenant_id', '=', tenantId)
        .where('p.customer_id', '=', customerId)
        .where('p.method', '=', 'push')
        .where('p.created_at', '<=', at)
        .where('p.created_at', '>=', at - pushLookbackMs)
        .orderBy('p.id', 'desc')
        .limit(1)
        .as('push_status'),
      sql<number>`case when exists (select 1 from devices d where d.tenant_id = ${tenantId} and d.customer_id = ${customerId} and d.created_at <= ${at} and (d.revoked_at is null or d.revoked_at > ${at})) then 1 else 0 end`.as(
        'had_device',
      ),
    ])
    .executeTakeFirst();
  return {
    pushStatus: row?.push_status ?? null,
    hadDevice: Number(row?.had_device ?? 0) === 1,
    fraudReportedAt: row?.fraud_reported_at == null ? null : Number(row.fraud_reported_at),
    pushClearedAt: row?.push_cleared_at == null ? null : Number(row.push_cleared_at),
  };
}
