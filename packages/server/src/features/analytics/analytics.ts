// Supervisor analytics: figures computed from the stored verifications with SQL aggregates (the
// verifications are the one source of truth), the same statements on SQLite and PostgreSQL.
import { AppError } from '@helpdesk-auth/core';
import { type ExpressionBuilder, sql } from 'kysely';
import type { ServiceContext } from '../../platform/context.ts';
import type { Db } from '../../storage/database.ts';
import type { Schema } from '../../storage/schema.ts';
import { type FallbackReason, fallbackReasons } from '../methods/index.ts';

const dayMs = 86_400_000;
/** Durations above this are counted in the last bucket (a verification that waited an hour). */
const maxBucketSeconds = 3600;
/** What the old security-question process took, when the tenant has not said (seconds). */
export const defaultQuestionsBaselineSeconds = 90;

export interface AnalyticsFilter {
  /** Inclusive start and exclusive end, epoch ms. */
  from: number;
  to: number;
  method?: string;
  agentId?: string;
  team?: string;
}

export { type FallbackReason, fallbackReasons };

export interface Dashboard {
  from: number;
  to: number;
  total: number;
  daily: { day: string; method: string; status: string; count: number }[];
  timeToVerify: {
    method: string;
    approved: number;
    medianSeconds: number;
    p90Seconds: number;
  }[];
  baselineSeconds: number;
  /** Seconds saved over the period by verifications faster than the baseline: (baseline - median) x approved. */
  secondsSaved: number;
  fallback: {
    push: number;
    fallbacks: number;
    /** Fallback verifications over all verifications (0 with none). */
    rate: number;
    reasons: Record<FallbackReason, number>;
  };
  devices: { customers: number; reachable: number; share: number };
  fraud: { fraudReports: number; denials: number; casesOpened: number };
  agents: {
    agentId: string;
    name: string | null;
    team: string | null;
    total: number;
    approved: number;
    fallbacks: number;
    denied: number;
    fraudReported: number;
  }[];
  teams: {
    team: string | null;
    total: number;
    approved: number;
    fallbacks: number;
    denied: number;
    fraudReported: number;
  }[];
}

/** The `p`-quantile (0..1) of a histogram of whole seconds, sorted by bucket; nearest-rank. */
export function quantileOfHistogram(buckets: { seconds: number; count: number }[], p: number): number {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const bucket of buckets) {
    seen += bucket.count;
    if (seen >= rank) return bucket.seconds;
  }
  return buckets[buckets.length - 1]!.seconds;
}

/**
 * Leaves out the made-up customers of the practice space (features/practice/): practice calls are
 * rehearsals, never part of the real figures. Their ids are read once per query (a tenant has a
 * few), not looked up for every verification.
 */
const notPractice =
  (tenantId: string) => (eb: ExpressionBuilder<Schema & { v: Schema['verifications'] }, 'v'>) =>
    eb(
      'v.customer_id',
      'not in',
      eb
        .selectFrom('customers as pc')
        .select('pc.id')
        .where('pc.tenant_id', '=', tenantId)
        .where('pc.practice', '=', 1),
    );

export function createAnalyticsService({ db }: ServiceContext) {
  /** The verifications the filter selects (the range on the analytics index; then the filters). */
  function selected(executor: Db, tenantId: string, filter: AnalyticsFilter) {
    let query = executor
      .selectFrom('verifications as v')
      .where('v.tenant_id', '=', tenantId)
      .where('v.created_at', '>=', filter.from)
      .where('v.created_at', '<', filter.to)
      .where(notPractice(tenantId));
    if (filter.method) query = query.where('v.method', '=', filter.method);
    if (filter.agentId) {
      query = query.where('v.started_by_type', '=', 'operator').where('v.started_by_id', '=', filter.agentId);
    }
    if (filter.team) {
      const team = filter.team;
      query = query
        .where('v.started_by_type', '=', 'operator')
        .where('v.started_by_id', 'in', (eb) =>
          eb.selectFrom('operators').select('id').where('tenant_id', '=', tenantId).where('team', '=', team),
        );
    }
    return query;
  }

  async function baselineSeconds(tenantId: string): Promise<number> {
    const row = await db
      .selectFrom('tenants')
      .select('settings')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    const settings = JSON.parse(row?.settings ?? '{}') as {
      analytics?: { questionsBaselineSeconds?: number };
    };
    return settings.analytics?.questionsBaselineSeconds ?? defaultQuestionsBaselineSeconds;
  }

  /**
   * Why push was not used, for each fallback verification (any method but push) the filter
   * selects: the reason each one kept when its outcome was recorded (features/methods/
   * fallback-reason.ts), counted.
   */
  async function fallbackReasonCounts(
    tenantId: string,
    filter: AnalyticsFilter,
  ): Promise<Record<FallbackReason, number>> {
    const rows = await selected(db, tenantId, filter)
      .where('v.method', '<>', 'push')
      .select(['v.fallback_reason as reason', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('v.fallback_reason')
      .execute();
    const counts = Object.fromEntries(fallbackReasons.map((r) => [r, 0])) as Record<FallbackReason, number>;
    for (const row of rows) {
      // A fallback recorded without a reason (none should be) counts as "not tried".
      const reason = fallbackReasons.includes(row.reason as FallbackReason)
        ? (row.reason as FallbackReason)
        : 'not_tried';
      counts[reason] += Number(row.count);
    }
    return counts;
  }

  return {
    baselineSeconds,
    fallbackReasons: fallbackReasonCounts,

    /**
     * The baseline the dashboard compares against: how long the old security-question process
     * took, in seconds. Kept in the tenant's settings (`analytics.questionsBaselineSeconds`) by a
     * compare-and-set on the settings text, so a change of other settings at the same time is not lost.
     */
    async setBaselineSeconds(tenantId: string, seconds: number): Promise<number> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = await db
          .selectFrom('tenants')
          .select('settings')
          .where('id', '=', tenantId)
          .executeTakeFirst();
        if (!row) throw new AppError('NOT_FOUND', 'Tenant not found.');
        const settings = JSON.parse(row.settings) as Record<string, unknown>;
        const analytics = (settings.analytics as Record<string, unknown> | undefined) ?? {};
        const next = JSON.stringify({
          ...settings,
          analytics: { ...analytics, questionsBaselineSeconds: seconds },
        });
        const changed = await db
          .updateTable('tenants')
          .set({ settings: next })
          .where('id', '=', tenantId)
          .where('settings', '=', row.settings)
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) === 1) return seconds;
      }
      throw new AppError('CONFLICT', 'The tenant settings kept changing; try again.');
    },

    async dashboard(tenantId: string, filter: AnalyticsFilter): Promise<Dashboard> {
      if (filter.to <= filter.from) throw new AppError('VALIDATION_FAILED', '`to` must be after `from`.');
      const dayExpr = sql<number>`v.created_at / ${sql.lit(dayMs)}`;
      const durationBucket = sql<number>`case when (v.finished_at - v.created_at) / 1000 > ${sql.lit(maxBucketSeconds)} then ${sql.lit(maxBucketSeconds)} else (v.finished_at - v.created_at) / 1000 end`;

      const [daily, histogram, reasons, agents, customers, reachable, cases, baseline] = await Promise.all([
        selected(db, tenantId, filter)
          .select([dayExpr.as('day'), 'v.method', 'v.status', (eb) => eb.fn.countAll<number>().as('count')])
          .groupBy([dayExpr, 'v.method', 'v.status'])
          .execute(),
        selected(db, tenantId, filter)
          .where('v.status', '=', 'approved')
          .where('v.finished_at', 'is not', null)
          .select(['v.method', durationBucket.as('seconds'), (eb) => eb.fn.countAll<number>().as('count')])
          .groupBy(['v.method', durationBucket])
          .execute(),
        fallbackReasonCounts(tenantId, filter),
        selected(db, tenantId, filter)
          .where('v.started_by_type', '=', 'operator')
          .leftJoin('operators as o', (j) =>
            j.onRef('o.id', '=', 'v.started_by_id').on('o.tenant_id', '=', tenantId),
          )
          .select((eb) => [
            'v.started_by_id as agentId',
            eb.fn.max('o.display_name').as('name'),
            eb.fn.max('o.team').as('team'),
            eb.fn.countAll<number>().as('total'),
            eb.fn.sum<number>(sql`case when v.status = 'approved' then 1 else 0 end`).as('approved'),
            eb.fn.sum<number>(sql`case when v.method <> 'push' then 1 else 0 end`).as('fallbacks'),
            eb.fn.sum<number>(sql`case when v.status = 'denied' then 1 else 0 end`).as('denied'),
            eb.fn
              .sum<number>(sql`case when v.status = 'fraud_reported' then 1 else 0 end`)
              .as('fraudReported'),
          ])
          .groupBy('v.started_by_id')
          .execute(),
        db
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('tenant_id', '=', tenantId)
          .where('practice', '=', 0)
          .executeTakeFirst(),
        db
          .selectFrom('customers as c')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('c.tenant_id', '=', tenantId)
          .where('c.practice', '=', 0)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('devices as d')
                .select('d.id')
                .where('d.tenant_id', '=', tenantId)
                .whereRef('d.customer_id', '=', 'c.id')
                .where('d.status', '=', 'active')
                .where('d.push_kind', 'is not', null),
            ),
          )
          .executeTakeFirst(),
        db
          .selectFrom('fraud_cases')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('tenant_id', '=', tenantId)
          .where('opened_at', '>=', filter.from)
          .where('opened_at', '<', filter.to)
          .executeTakeFirst(),
        baselineSeconds(tenantId),
      ]);

      const dailyRows = daily
        .map((r) => ({
          day: new Date(Number(r.day) * dayMs).toISOString().slice(0, 10),
          method: r.method,
          status: r.status,
          count: Number(r.count),
        }))
        .sort(
          (a, b) =>
            a.day.localeCompare(b.day) ||
            a.method.localeCompare(b.method) ||
            a.status.localeCompare(b.status),
        );
      const total = dailyRows.reduce((sum, r) => sum + r.count, 0);
      const byStatus = (status: string) =>
        dailyRows.filter((r) => r.status === status).reduce((s, r) => s + r.count, 0);
      const push = dailyRows.filter((r) => r.method === 'push').reduce((s, r) => s + r.count, 0);

      const methods = [...new Set(histogram.map((h) => h.method))].sort();
      const timeToVerify = methods.map((method) => {
        const buckets = histogram
          .filter((h) => h.method === method)
          .map((h) => ({ seconds: Number(h.seconds), count: Number(h.count) }))
          .sort((a, b) => a.seconds - b.seconds);
        return {
          method,
          approved: buckets.reduce((s, b) => s + b.count, 0),
          medianSeconds: quantileOfHistogram(buckets, 0.5),
          p90Seconds: quantileOfHistogram(buckets, 0.9),
        };
      });
      const secondsSaved = timeToVerify
        .filter((m) => m.method !== 'security_questions')
        .reduce((sum, m) => sum + Math.max(0, baseline - m.medianSeconds) * m.approved, 0);

      const agentRows = agents
        .map((a) => ({
          agentId: a.agentId ?? '',
          name: a.name ?? null,
          team: a.team ?? null,
          total: Number(a.total),
          approved: Number(a.approved ?? 0),
          fallbacks: Number(a.fallbacks ?? 0),
          denied: Number(a.denied ?? 0),
          fraudReported: Number(a.fraudReported ?? 0),
        }))
        .sort((a, b) => b.total - a.total || a.agentId.localeCompare(b.agentId));
      const teams = new Map<string | null, Dashboard['teams'][number]>();
      for (const agent of agentRows) {
        const team = teams.get(agent.team) ?? {
          team: agent.team,
          total: 0,
          approved: 0,
          fallbacks: 0,
          denied: 0,
          fraudReported: 0,
        };
        team.total += agent.total;
        team.approved += agent.approved;
        team.fallbacks += agent.fallbacks;
        team.denied += agent.denied;
        team.fraudReported += agent.fraudReported;
        teams.set(agent.team, team);
      }
      const customerCount = Number(customers?.count ?? 0);
      const reachableCount = Number(reachable?.count ?? 0);
      return {
        from: filter.from,
        to: filter.to,
        total,
        daily: dailyRows,
        timeToVerify,
        baselineSeconds: baseline,
        secondsSaved,
        fallback: {
          push,
          fallbacks: total - push,
          rate: total === 0 ? 0 : (total - push) / total,
          reasons,
        },
        devices: {
          customers: customerCount,
          reachable: reachableCount,
          share: customerCount === 0 ? 0 : reachableCount / customerCount,
        },
        fraud: {
          fraudReports: byStatus('fraud_reported'),
          denials: byStatus('denied'),
          casesOpened: Number(cases?.count ?? 0),
        },
        agents: agentRows,
        teams: [...teams.values()].sort((a, b) => b.total - a.total),
      };
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
