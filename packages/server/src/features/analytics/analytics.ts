// Supervisor analytics: figures computed from the stored verifications with SQL aggregates (the
// verifications are the one source of truth), the same statements on SQLite and PostgreSQL.
import { AppError } from '@helpdesk-auth/core';
import { type ExpressionBuilder, sql } from 'kysely';
import type { ServiceContext } from '../../platform/context.ts';
import { type Db, type ReportReader, reportsOn } from '../../storage/database.ts';
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

/**
 * The UTC day of a verification and the whole seconds an approval took (capped), written exactly
 * as the indexes of migration 0033 have them, so that both databases read the values from the
 * index instead of working them out, and SQLite groups in the index's order.
 */
const dayOf = sql<number>`v.created_at / ${sql.lit(dayMs)}`;
const secondsOf = sql<number>`case when (v.finished_at - v.created_at) / 1000 > ${sql.lit(maxBucketSeconds)} then ${sql.lit(maxBucketSeconds)} else (v.finished_at - v.created_at) / 1000 end`;

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
 * rehearsals, never part of the real figures. Their ids are read once per query (from the partial
 * index of migration 0033), not looked up for every verification; a tenant without a practice
 * space has no such condition at all (`hasPracticeCustomers`).
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

export function createAnalyticsService({ db, reports }: ServiceContext) {
  /** The long aggregates run where reports run (off the serving thread on SQLite). */
  const report: ReportReader = reports ?? reportsOn(db);

  /** The verifications the filter selects (the days and times of the period; then the filters). */
  function selected(executor: Db, tenantId: string, filter: AnalyticsFilter & { practice: boolean }) {
    let query = executor.selectFrom('verifications as v').where('v.tenant_id', '=', tenantId);
    // The days, for the indexes that begin with the day (migration 0033); but not for one agent,
    // whose few verifications are better read from the index by starter and time, which SQLite
    // then chooses without statistics too.
    if (!filter.agentId) {
      query = query
        .where(dayOf, '>=', Math.floor(filter.from / dayMs))
        .where(dayOf, '<=', Math.floor((filter.to - 1) / dayMs));
    }
    query = query.where('v.created_at', '>=', filter.from).where('v.created_at', '<', filter.to);
    if (filter.practice) query = query.where(notPractice(tenantId));
    // Compared as an expression, which SQLite cannot look up in an index: as a column it takes
    // the method as fixed, and then no longer reads the index in the order it groups by.
    if (filter.method) query = query.where(sql`v.method || ''`, '=', filter.method);
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

  /**
   * Per agent: from the operators of the tenant (of the team, or the one agent), each one's
   * verifications of the period read in turn from the index by starter and time, so the rows
   * arrive grouped by operator and nothing is sorted.
   */
  function agentFigures(tenantId: string, filter: AnalyticsFilter & { practice: boolean }) {
    // Written so that SQLite runs it this way whatever statistics it has (none, unless someone ran
    // ANALYZE): a cross join keeps the operators as the outer loop, as written, and the tenant
    // compared as an expression leaves their primary key, in the order grouped by, the index to
    // walk them in (a handful of rows). PostgreSQL plans it as the inner join it is.
    let query = db
      .selectFrom('operators as o')
      .crossJoin('verifications as v')
      .whereRef('v.tenant_id', '=', 'o.tenant_id')
      .where('v.started_by_type', '=', 'operator')
      .whereRef('v.started_by_id', '=', 'o.id')
      .where(sql`o.tenant_id || ''`, '=', tenantId)
      .where('v.created_at', '>=', filter.from)
      .where('v.created_at', '<', filter.to);
    if (filter.practice) query = query.where(notPractice(tenantId));
    if (filter.method) query = query.where('v.method', '=', filter.method);
    if (filter.agentId) query = query.where('o.id', '=', filter.agentId);
    if (filter.team) query = query.where('o.team', '=', filter.team);
    return query
      .select((eb) => [
        'o.id as agentId',
        eb.fn.max('o.display_name').as('name'),
        eb.fn.max('o.team').as('team'),
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>(sql`case when v.status = 'approved' then 1 else 0 end`).as('approved'),
        eb.fn.sum<number>(sql`case when v.method <> 'push' then 1 else 0 end`).as('fallbacks'),
        eb.fn.sum<number>(sql`case when v.status = 'denied' then 1 else 0 end`).as('denied'),
        eb.fn.sum<number>(sql`case when v.status = 'fraud_reported' then 1 else 0 end`).as('fraudReported'),
      ])
      .groupBy('o.id');
  }

  /** Whether the tenant has a practice space whose customers must be left out. */
  async function hasPracticeCustomers(tenantId: string): Promise<boolean> {
    const row = await db
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('practice', '=', 1)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
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

  return {
    baselineSeconds,

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
      const scope = { ...filter, practice: await hasPracticeCustomers(tenantId) };
      // Each aggregate reads one index in the order it groups by, so neither database sorts the
      // period's verifications (migration 0033): per day, method, outcome and the reason push was
      // not used; per day, method and second for approvals; per agent, operator by operator.
      const [daily, histogram, agents, customers, reachable, cases, baseline] = await Promise.all([
        report.rows(
          selected(db, tenantId, scope)
            .select([
              dayOf.as('day'),
              'v.method',
              'v.status',
              'v.fallback_reason as reason',
              (eb) => eb.fn.countAll<number>().as('count'),
            ])
            .groupBy([dayOf, 'v.method', 'v.status', 'v.fallback_reason']),
        ),
        report.rows(
          selected(db, tenantId, scope)
            .where('v.status', '=', 'approved')
            .where(secondsOf, 'is not', null)
            .select([
              dayOf.as('day'),
              'v.method',
              secondsOf.as('seconds'),
              (eb) => eb.fn.countAll<number>().as('count'),
            ])
            .groupBy([dayOf, 'v.method', secondsOf]),
        ),
        report.rows(agentFigures(tenantId, scope)),
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

      // Rows per reason too: added up per day, method and outcome for the chart, and per reason
      // over the fallbacks (every method but push).
      const perDay = new Map<string, { day: string; method: string; status: string; count: number }>();
      const reasons = Object.fromEntries(fallbackReasons.map((r) => [r, 0])) as Record<
        FallbackReason,
        number
      >;
      for (const row of daily) {
        const count = Number(row.count);
        const day = new Date(Number(row.day) * dayMs).toISOString().slice(0, 10);
        const key = `${day} ${row.method} ${row.status}`;
        const entry = perDay.get(key) ?? { day, method: row.method, status: row.status, count: 0 };
        entry.count += count;
        perDay.set(key, entry);
        if (row.method !== 'push') {
          // A fallback recorded without a reason (none is) counts as "not tried".
          const reason = fallbackReasons.find((r) => r === row.reason) ?? 'not_tried';
          reasons[reason] += count;
        }
      }
      const dailyRows = [...perDay.values()].sort(
        (a, b) =>
          a.day.localeCompare(b.day) || a.method.localeCompare(b.method) || a.status.localeCompare(b.status),
      );
      const total = dailyRows.reduce((sum, r) => sum + r.count, 0);
      const byStatus = (status: string) =>
        dailyRows.filter((r) => r.status === status).reduce((s, r) => s + r.count, 0);
      const push = dailyRows.filter((r) => r.method === 'push').reduce((s, r) => s + r.count, 0);

      // The approvals per day, method and second, added up over the days.
      const seconds = new Map<string, Map<number, number>>();
      for (const row of histogram) {
        const perSecond = seconds.get(row.method) ?? new Map<number, number>();
        const second = Number(row.seconds);
        perSecond.set(second, (perSecond.get(second) ?? 0) + Number(row.count));
        seconds.set(row.method, perSecond);
      }
      const methods = [...seconds.keys()].sort();
      const timeToVerify = methods.map((method) => {
        const buckets = [...seconds.get(method)!]
          .map(([second, count]) => ({ seconds: second, count }))
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
