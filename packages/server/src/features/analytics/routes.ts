// Supervisor analytics routes: the dashboard's figures, their CSV export, and the baseline the
// time saved is measured against.
import { AppError, idPattern, verificationMethods } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, operatorOrApiKey, Timestamp, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { type AnalyticsFilter, type Dashboard, fallbackReasons } from './analytics.ts';

const dayMs = 86_400_000;
/** The longest period one request may cover (a year and a day, so a whole year in any zone). */
const maxPeriodMs = 367 * dayMs;

const FilterQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Start of the period (inclusive); default: 30 days before `to`.',
      }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'End of the period (exclusive); default: now.' }),
    ),
    method: Type.Optional(Type.String({ enum: [...verificationMethods] })),
    agentId: Type.Optional(
      Type.String({ pattern: idPattern('operator'), description: "Only this operator's verifications." }),
    ),
    team: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Only verifications started by operators of this team.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Counts = {
  total: Type.Integer(),
  approved: Type.Integer(),
  fallbacks: Type.Integer(),
  denied: Type.Integer(),
  fraudReported: Type.Integer(),
};

const DashboardSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  total: Type.Integer({ description: 'Verifications started in the period (every method).' }),
  daily: Type.Array(
    Type.Object({
      day: Type.String({ description: 'UTC day, YYYY-MM-DD.' }),
      method: Type.String(),
      status: Type.String(),
      count: Type.Integer(),
    }),
  ),
  timeToVerify: Type.Array(
    Type.Object({
      method: Type.String(),
      approved: Type.Integer(),
      medianSeconds: Type.Integer(),
      p90Seconds: Type.Integer(),
    }),
    { description: 'From start to approval, approved verifications only, in whole seconds.' },
  ),
  baselineSeconds: Type.Integer({
    description: 'What the old security-question process took (tenant setting).',
  }),
  secondsSaved: Type.Integer({
    description: 'Over the period: (baseline - median) x approved, for each method faster than the baseline.',
  }),
  fallback: Type.Object({
    push: Type.Integer(),
    fallbacks: Type.Integer(),
    rate: Type.Number({ description: 'Fallback verifications over all verifications.' }),
    reasons: Type.Object(Object.fromEntries(fallbackReasons.map((r) => [r, Type.Integer()]))),
  }),
  devices: Type.Object({
    customers: Type.Integer(),
    reachable: Type.Integer({
      description: 'Customers with an active device that can receive pushes (now).',
    }),
    share: Type.Number(),
  }),
  fraud: Type.Object({ fraudReports: Type.Integer(), denials: Type.Integer(), casesOpened: Type.Integer() }),
  agents: Type.Array(
    Type.Object({
      agentId: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      team: Type.Union([Type.String(), Type.Null()]),
      ...Counts,
    }),
  ),
  teams: Type.Array(Type.Object({ team: Type.Union([Type.String(), Type.Null()]), ...Counts })),
});

function period(
  query: { from?: string | undefined; to?: string | undefined },
  now: number,
): { from: number; to: number } {
  // By default up to now, this very millisecond included (the end is exclusive).
  const to = query.to ? Date.parse(query.to) : now + 1;
  const from = query.from ? Date.parse(query.from) : to - 30 * dayMs;
  return { from, to };
}

function dashboardView(d: Dashboard) {
  return { ...d, from: toIso(d.from), to: toIso(d.to), secondsSaved: Math.round(d.secondsSaved) };
}

/** A CSV field: quoted when it holds a separator, a quote or a line break; a leading formula sign is defused. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function registerAnalyticsRoutes(app: TypedApp, { services }: AppDependencies): void {
  const analytics = services.analytics;

  app.get(
    '/v1/analytics/dashboard',
    {
      config: { auth: 'analytics:read' },
      schema: {
        tags: ['analytics'],
        summary: "The supervisor dashboard's figures for a period, from the stored verifications.",
        description:
          'Verifications per UTC day by method and outcome; time to verify (median and 90th percentile per method) against the baseline; fallback rate and why push was not used; the share of customers with a reachable device; fraud reports, denials and cases; per agent and per team. The period is at most 367 days (400 VALIDATION_FAILED otherwise). docs/analytics.md says how each figure is derived.',
        operationId: 'getAnalyticsDashboard',
        security: operatorOrApiKey,
        querystring: FilterQuery,
        response: { 200: DashboardSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const filter = checkedFilter(services.context.clock(), request.query);
      return dashboardView(await analytics.dashboard(tenantId, filter));
    },
  );

  app.get(
    '/v1/analytics/export.csv',
    {
      config: { auth: 'analytics:read' },
      schema: {
        tags: ['analytics'],
        summary: 'The dashboard as CSV: one table per request.',
        description:
          '`table=daily` (default): day, method, status, count. `table=agents`: agent, name, team and their counts. `table=methods`: time to verify per method.',
        operationId: 'exportAnalytics',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            ...FilterQuery.properties,
            table: Type.Optional(Type.String({ enum: ['daily', 'agents', 'methods'], default: 'daily' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: { description: 'CSV (text/csv).', content: { 'text/csv': { schema: { type: 'string' } } } },
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      const { table = 'daily', ...query } = request.query;
      const d = await analytics.dashboard(tenantId, checkedFilter(services.context.clock(), query));
      let rows: (string | number | null)[][];
      if (table === 'agents') {
        rows = [
          ['agent_id', 'name', 'team', 'total', 'approved', 'fallbacks', 'denied', 'fraud_reported'],
          ...d.agents.map((a) => [
            a.agentId,
            a.name,
            a.team,
            a.total,
            a.approved,
            a.fallbacks,
            a.denied,
            a.fraudReported,
          ]),
        ];
      } else if (table === 'methods') {
        rows = [
          ['method', 'approved', 'median_seconds', 'p90_seconds', 'baseline_seconds'],
          ...d.timeToVerify.map((m) => [
            m.method,
            m.approved,
            m.medianSeconds,
            m.p90Seconds,
            d.baselineSeconds,
          ]),
        ];
      } else {
        rows = [
          ['day', 'method', 'status', 'count'],
          ...d.daily.map((r) => [r.day, r.method, r.status, r.count]),
        ];
      }
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="analytics-${table}-${day(d.from)}-${day(d.to)}.csv"`,
        )
        .send(`${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`);
    },
  );

  app.get(
    '/v1/analytics/settings',
    {
      config: { auth: 'analytics:read' },
      schema: {
        tags: ['analytics'],
        summary: 'The analytics settings: the baseline the time saved is measured against.',
        operationId: 'getAnalyticsSettings',
        security: operatorOrApiKey,
        response: {
          200: Type.Object({ questionsBaselineSeconds: Type.Integer() }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return { questionsBaselineSeconds: await analytics.baselineSeconds(tenantId) };
    },
  );

  app.put(
    '/v1/analytics/settings',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: ['analytics'],
        summary: 'Set how long the old security-question process took (admins).',
        operationId: 'updateAnalyticsSettings',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            questionsBaselineSeconds: Type.Integer({
              minimum: 1,
              maximum: 3600,
              description: 'Seconds an agent spent verifying a caller with security questions before.',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ questionsBaselineSeconds: Type.Integer() }),
          ...errorResponses(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return {
        questionsBaselineSeconds: await analytics.setBaselineSeconds(
          tenantId,
          request.body.questionsBaselineSeconds,
        ),
      };
    },
  );
}

function checkedFilter(
  now: number,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    method?: string | undefined;
    agentId?: string | undefined;
    team?: string | undefined;
  },
): AnalyticsFilter {
  const { from, to } = period(query, now);
  if (!(to > from) || to - from > maxPeriodMs) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The period must end after it starts and cover at most 367 days.',
    );
  }
  return {
    from,
    to,
    ...(query.method ? { method: query.method } : {}),
    ...(query.agentId ? { agentId: query.agentId } : {}),
    ...(query.team ? { team: query.team } : {}),
  };
}
