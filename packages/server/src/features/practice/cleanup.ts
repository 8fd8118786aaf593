// Removing practice data: sessions past the retention, and an admin's reset of the practice space.
import { type Actor, appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';

/** Sessions one transaction removes at most (seven made-up customers each by default). */
const batchSize = 50;
const dayMs = 86_400_000;

export interface PracticeRemoved {
  sessions: number;
  customers: number;
  messages: number;
}

const none = (): PracticeRemoved => ({ sessions: 0, customers: 0, messages: 0 });

function add(total: PracticeRemoved, part: PracticeRemoved): void {
  total.sessions += part.sessions;
  total.customers += part.customers;
  total.messages += part.messages;
}

/**
 * Deletes made-up customers of the practice space and everything that hangs on them: devices
 * and their keys, verifications and their timelines, one-time codes and their deliveries,
 * security questions, locks and failures, call notices, activation codes, the simulated phones
 * and their pending answers. Only ids that are practice customers of the tenant, read in this
 * transaction, are touched: a real customer's id among them is left alone with all its rows.
 * Returns the customers deleted.
 */
async function removeCustomers(tx: Db, tenantId: string, candidates: string[]): Promise<number> {
  if (candidates.length === 0) return 0;
  const ids = (
    await tx
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', candidates)
      .where('practice', '=', 1)
      .execute()
  ).map((r) => r.id);
  if (ids.length === 0) return 0;
  const devices = (
    await tx
      .selectFrom('devices')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('customer_id', 'in', ids)
      .execute()
  ).map((r) => r.id);
  const verifications = tx
    .selectFrom('verifications')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'in', ids);
  await tx.deleteFrom('verification_events').where('verification_id', 'in', verifications).execute();
  await tx.deleteFrom('practice_answers').where('verification_id', 'in', verifications).execute();
  await tx
    .deleteFrom('verifications')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'in', ids)
    .execute();
  const challenges = tx
    .selectFrom('otp_challenges')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'in', ids);
  await tx.deleteFrom('message_deliveries').where('challenge_id', 'in', challenges).execute();
  for (const table of [
    'otp_challenges',
    'security_questions',
    'customer_method_locks',
    'attempt_failures',
    'totp_enrollments',
    'call_reports',
    'call_notices',
    'device_offline_secrets',
    'practice_devices',
    'devices',
  ] as const) {
    await tx.deleteFrom(table).where('tenant_id', '=', tenantId).where('customer_id', 'in', ids).execute();
  }
  // Activation codes name the customer; a device's registration challenges name the device.
  await tx
    .deleteFrom('one_time_tokens')
    .where('tenant_id', '=', tenantId)
    .where('subject_id', 'in', [...ids, ...devices])
    .execute();
  const deleted = await tx
    .deleteFrom('customers')
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .where('practice', '=', 1)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** The made-up customers a session's steps name. */
function customersOf(steps: string): string[] {
  return (JSON.parse(steps) as { customerId: string }[]).map((s) => s.customerId);
}

/**
 * Removes practice data. The audit log keeps every entry about it: entries are chained and
 * sealed (platform/audit-log.ts), so deleting one would break the tenant's chain; they stay,
 * flagged practice, and the removal is audited as practice too.
 */
export function createPracticeCleanup({ db, clock, config }: ServiceContext) {
  /**
   * One batch of a tenant's sessions: the sessions are deleted first, and only the customers of
   * the sessions this transaction deleted are removed, so of processes sweeping at once each
   * session is removed, and counted in the audit, by one.
   */
  async function removeSessions(
    tenantId: string,
    sessionIds: string[],
    audit: { actor: Actor; action: string; data: Record<string, unknown> } | null,
  ): Promise<PracticeRemoved> {
    return inTransaction(db, async (tx) => {
      const removed = none();
      if (sessionIds.length > 0) {
        const sessions = await tx
          .deleteFrom('practice_sessions')
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', sessionIds)
          .returning(['id', 'steps'])
          .execute();
        removed.sessions = sessions.length;
        removed.customers = await removeCustomers(
          tx,
          tenantId,
          sessions.flatMap((s) => customersOf(s.steps)),
        );
      }
      if (audit && removed.sessions > 0) {
        await appendAudit(tx, {
          tenantId,
          actor: audit.actor,
          action: audit.action,
          data: { practice: true, ...audit.data, sessions: removed.sessions, customers: removed.customers },
          now: clock(),
        });
      }
      return removed;
    });
  }

  return {
    /**
     * The retention sweep (every server process, every minute): removes practice sessions
     * created more than PRACTICE_RETENTION_DAYS ago with their made-up customers, made-up
     * customers of that age that no session names (a session whose creation failed half-way),
     * and the messages kept for practice addresses. Audited per tenant as `practice.purged`.
     */
    async purgeExpired(): Promise<PracticeRemoved> {
      const days = config.practiceRetentionDays;
      const cutoff = clock() - days * dayMs;
      const total = none();
      for (;;) {
        const old = await db
          .selectFrom('practice_sessions')
          .select(['id', 'tenant_id'])
          .where('created_at', '<', cutoff)
          .orderBy('id')
          .limit(batchSize)
          .execute();
        if (old.length === 0) break;
        const byTenant = Map.groupBy(old, (s) => s.tenant_id);
        let progress = 0;
        for (const [tenantId, sessions] of byTenant) {
          const removed = await removeSessions(
            tenantId,
            sessions.map((s) => s.id),
            { actor: systemActor, action: 'practice.purged', data: { retentionDays: days } },
          );
          add(total, removed);
          progress += removed.sessions;
        }
        // Another process removed this batch meanwhile: it goes on with the rest.
        if (progress === 0 || old.length < batchSize) break;
      }
      // A session is created after its customers, within seconds; a day's margin keeps the
      // customers of a session younger than the cutoff out of reach.
      const orphans = await db
        .selectFrom('customers')
        .select(['id', 'tenant_id'])
        .where('practice', '=', 1)
        .where('created_at', '<', cutoff - dayMs)
        .limit(batchSize * 7)
        .execute();
      for (const [tenantId, customers] of Map.groupBy(orphans, (c) => c.tenant_id)) {
        total.customers += await inTransaction(db, (tx) =>
          removeCustomers(
            tx,
            tenantId,
            customers.map((c) => c.id),
          ),
        );
      }
      const messages = await db
        .deleteFrom('practice_messages')
        .where('created_at', '<', cutoff)
        .executeTakeFirst();
      total.messages += Number(messages.numDeletedRows);
      return total;
    },

    /**
     * An admin's reset of the tenant's practice space: every practice session (also those under
     * way), every made-up customer and the messages kept for them. Real customers are untouched;
     * the audit log keeps its entries. Audited once as `practice.reset`, flagged practice.
     */
    async reset(tenantId: string, actor: Actor): Promise<PracticeRemoved> {
      const total = none();
      for (;;) {
        const sessions = await db
          .selectFrom('practice_sessions')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .orderBy('id')
          .limit(batchSize)
          .execute();
        if (sessions.length === 0) break;
        const removed = await removeSessions(
          tenantId,
          sessions.map((s) => s.id),
          null,
        );
        add(total, removed);
      }
      for (;;) {
        const customers = await db
          .selectFrom('customers')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('practice', '=', 1)
          .limit(batchSize * 7)
          .execute();
        if (customers.length === 0) break;
        const removed = await inTransaction(db, (tx) =>
          removeCustomers(
            tx,
            tenantId,
            customers.map((c) => c.id),
          ),
        );
        total.customers += removed;
        if (removed === 0) break;
      }
      const messages = await db
        .deleteFrom('practice_messages')
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      total.messages = Number(messages.numDeletedRows);
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor,
          action: 'practice.reset',
          data: { practice: true, ...total },
          now: clock(),
        }),
      );
      return total;
    },
  };
}

export type PracticeCleanup = ReturnType<typeof createPracticeCleanup>;
