// The supervisor dashboard: key figures, charts (Chart.js) each with a table alternative, per team
// and per agent, filters and CSV export.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { Bar, Chart } from 'react-chartjs-2';
import type { Session } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import { methodKey } from '../fallbacks/shared.tsx';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import {
  createAnalyticsApi,
  type Dashboard as DashboardFigures,
  type DashboardFilter,
  fallbackReasons,
  query,
} from './api.ts';
import './analytics.css';

ChartJS.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

const methods = ['push', 'app_code', 'totp', 'sms_otp', 'email_otp', 'security_questions'] as const;
const statuses = [
  'approved',
  'denied',
  'fraud_reported',
  'expired',
  'cancelled',
  'failed',
  'pending',
] as const;
// Colours with enough contrast against white and against each other (the table says the same in words).
const statusColours: Record<string, string> = {
  approved: '#1a7f37',
  denied: '#b35900',
  fraud_reported: '#b3261e',
  expired: '#6e7781',
  cancelled: '#8250df',
  failed: '#0a3069',
  pending: '#0969da',
};

const dayMs = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function statusLabel(t: (key: MessageKey) => string, status: string): string {
  return (statuses as readonly string[]).includes(status)
    ? t(`status.${status as (typeof statuses)[number]}`)
    : status;
}

function methodLabel(t: (key: MessageKey) => string, method: string): string {
  return (methods as readonly string[]).includes(method)
    ? t(methodKey(method as (typeof methods)[number]))
    : method;
}

/** A chart and, folded beneath it, the same figures as a table. */
function Figure({
  title,
  table,
  note,
  children,
}: {
  title: string;
  table: ReactNode;
  note?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <section className="card an-figure" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <div className="an-chart">{children}</div>
      {note && <p className="muted">{note}</p>}
      <details>
        <summary>{t('an.showTable')}</summary>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard */}
        <section className="table-wrap" tabIndex={0} aria-label={title}>
          {table}
        </section>
      </details>
    </section>
  );
}

/** Every chart keeps the size of its box and draws at once, without animation. */
const fixedSize = { responsive: true, maintainAspectRatio: false, animation: false } as const;

/** Counts per outcome, one row per day or method: a chart's numbers, for screen readers and copying. */
function StatusTable({
  testId,
  corner,
  statuses: shown,
  rows,
}: {
  testId: string;
  corner: string;
  statuses: string[];
  rows: { key: string; label: string; method?: string; count: (status: string) => number }[];
}) {
  const { t } = useI18n();
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{corner}</th>
          {shown.map((s) => (
            <th scope="col" key={s}>
              {statusLabel(t, s)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-method={row.method}>
            <th scope="row">{row.label}</th>
            {shown.map((s) => (
              <td key={s}>{row.count(s)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A card with a table of counts in a box that scrolls sideways on a narrow screen. */
function CountsCard({
  id,
  title,
  testId,
  children,
}: {
  id: string;
  title: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard */}
      <section className="table-wrap" tabIndex={0} aria-label={title}>
        <table data-testid={testId}>{children}</table>
      </section>
    </section>
  );
}

export function Dashboard({ session }: { session: Session }) {
  const { t, language } = useI18n();
  const api = useMemo(() => createAnalyticsApi(session.csrfToken), [session.csrfToken]);
  const today = Date.now();
  const [from, setFrom] = useState(isoDay(today - 29 * dayMs));
  const [to, setTo] = useState(isoDay(today));
  const [team, setTeam] = useState('');
  const [agentId, setAgentId] = useState('');
  const [method, setMethod] = useState('');
  const [figures, setFigures] = useState<DashboardFigures | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [applied, setApplied] = useState<DashboardFilter | null>(null);
  const mayConfigure = session.permissions.includes('tenant:write');

  const filter = useCallback(
    (): DashboardFilter => ({
      from: new Date(`${from}T00:00:00Z`).toISOString(),
      // The chosen day is included: the period ends at the next day's start.
      to: new Date(Date.parse(`${to}T00:00:00Z`) + dayMs).toISOString(),
      ...(team ? { team } : {}),
      ...(agentId ? { agentId } : {}),
      ...(method ? { method } : {}),
    }),
    [from, to, team, agentId, method],
  );

  const load = useCallback(async () => {
    const current = filter();
    setError(null);
    try {
      setFigures(await api.dashboard(current));
      setApplied(current);
    } catch (err) {
      setError(err);
    }
  }, [api, filter]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once on open; the form reloads
  useEffect(() => {
    void load();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void load();
  };

  const number = (n: number) => n.toLocaleString(language);
  const percent = (n: number) => `${(n * 100).toLocaleString(language, { maximumFractionDigits: 1 })} %`;

  return (
    <div className="analytics">
      <PageHeading>{t('an.title')}</PageHeading>
      <p className="muted">{t('an.intro')}</p>
      <form className="filters" onSubmit={submit}>
        <label className="field">
          <span>{t('an.filter.from')}</span>
          <input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label className="field">
          <span>{t('an.filter.to')}</span>
          <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <label className="field">
          <span>{t('an.filter.team')}</span>
          <select name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
            <option value="">{t('an.filter.any')}</option>
            {(figures?.teams ?? [])
              .filter((x) => x.team)
              .map((x) => (
                <option key={x.team} value={x.team!}>
                  {x.team}
                </option>
              ))}
            {team && !figures?.teams.some((x) => x.team === team) && <option value={team}>{team}</option>}
          </select>
        </label>
        <label className="field">
          <span>{t('an.filter.agent')}</span>
          <select name="agent" value={agentId} onChange={(e) => setAgentId(e.target.value)}>
            <option value="">{t('an.filter.any')}</option>
            {(figures?.agents ?? []).map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name ?? a.agentId}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('an.filter.method')}</span>
          <select name="method" value={method} onChange={(e) => setMethod(e.target.value)}>
            <option value="">{t('an.filter.any')}</option>
            {methods.map((m) => (
              <option key={m} value={m}>
                {methodLabel(t, m)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button primary">
          {t('an.filter.apply')}
        </button>
      </form>
      <ErrorNotice error={error} />
      {applied && (
        <p className="an-export">
          {t('an.export')}{' '}
          {(['daily', 'agents', 'methods'] as const).map((table) => (
            <a key={table} href={`/v1/analytics/export.csv?${query({ ...applied })}&table=${table}`} download>
              {t(`an.export.${table}`)}
            </a>
          ))}
        </p>
      )}
      {figures && <Figures figures={figures} number={number} percent={percent} />}
      {mayConfigure && figures && (
        <BaselineForm
          value={figures.baselineSeconds}
          onSave={async (seconds) => {
            await api.saveSettings(seconds);
            await load();
          }}
        />
      )}
    </div>
  );
}

function Figures({
  figures,
  number,
  percent,
}: {
  figures: DashboardFigures;
  number: (n: number) => string;
  percent: (n: number) => string;
}) {
  const { t } = useI18n();
  const days = useMemo(() => {
    const list: string[] = [];
    for (let d = Date.parse(figures.from.slice(0, 10)); d < Date.parse(figures.to); d += dayMs)
      list.push(isoDay(d));
    return list;
  }, [figures.from, figures.to]);
  const perDay = (status: string) =>
    days.map((day) =>
      figures.daily.filter((r) => r.day === day && r.status === status).reduce((s, r) => s + r.count, 0),
    );
  const presentStatuses = statuses.filter((s) => figures.daily.some((r) => r.status === s));
  const presentMethods = methods.filter((m) => figures.daily.some((r) => r.method === m));
  const byMethod = (m: string, status: string) =>
    figures.daily.filter((r) => r.method === m && r.status === status).reduce((s, r) => s + r.count, 0);
  const hours = (figures.secondsSaved / 3600).toLocaleString(undefined, { maximumFractionDigits: 1 });

  const kpis: [string, string, string?][] = [
    [t('an.kpi.total'), number(figures.total)],
    [t('an.kpi.fallbackRate'), percent(figures.fallback.rate)],
    [
      t('an.kpi.reachable'),
      percent(figures.devices.share),
      t('an.kpi.reachableOf', {
        reachable: number(figures.devices.reachable),
        customers: number(figures.devices.customers),
      }),
    ],
    [t('an.kpi.fraud'), number(figures.fraud.fraudReports)],
    [t('an.kpi.denials'), number(figures.fraud.denials)],
    [t('an.kpi.cases'), number(figures.fraud.casesOpened)],
    [
      t('an.kpi.saved'),
      t('an.hours', { hours }),
      t('an.kpi.savedHint', { baseline: figures.baselineSeconds }),
    ],
  ];
  const teamName = (team: string | null) => team ?? t('an.noTeam');
  const countsHead = (
    <>
      <th scope="col">{t('an.col.total')}</th>
      <th scope="col">{t('an.col.approved')}</th>
      <th scope="col">{t('an.col.fallbacks')}</th>
      <th scope="col">{t('an.col.denied')}</th>
      <th scope="col">{t('an.col.fraud')}</th>
    </>
  );
  const countsRow = (c: {
    total: number;
    approved: number;
    fallbacks: number;
    denied: number;
    fraudReported: number;
  }) => (
    <>
      <td>{number(c.total)}</td>
      <td>{number(c.approved)}</td>
      <td>{number(c.fallbacks)}</td>
      <td>{number(c.denied)}</td>
      <td>{number(c.fraudReported)}</td>
    </>
  );

  return (
    <>
      <ul className="an-kpis" data-testid="analytics-kpis">
        {kpis.map(([label, value, hint]) => (
          <li key={label} className="card">
            <span className="an-kpi-label">{label}</span>
            <span className="an-kpi-value">{value}</span>
            {hint && <span className="muted an-kpi-hint">{hint}</span>}
          </li>
        ))}
      </ul>
      {figures.total === 0 && <p className="muted">{t('an.empty')}</p>}

      <Figure
        title={t('an.daily.title')}
        table={
          <StatusTable
            testId="analytics-daily-table"
            corner={t('an.col.day')}
            statuses={presentStatuses}
            rows={days.map((day, i) => ({ key: day, label: day, count: (s) => perDay(s)[i] ?? 0 }))}
          />
        }
      >
        <Bar
          role="img"
          aria-label={t('an.daily.label', { days: days.length, total: figures.total })}
          data={{
            labels: days,
            datasets: presentStatuses.map((s) => ({
              label: statusLabel(t, s),
              data: perDay(s),
              backgroundColor: statusColours[s],
            })),
          }}
          options={{
            ...fixedSize,
            scales: {
              x: { stacked: true },
              y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
            },
          }}
        />
      </Figure>

      <Figure
        title={t('an.methods.title')}
        table={
          <StatusTable
            testId="analytics-methods-table"
            corner={t('an.col.method')}
            statuses={presentStatuses}
            rows={presentMethods.map((m) => ({
              key: m,
              label: methodLabel(t, m),
              method: m,
              count: (s) => byMethod(m, s),
            }))}
          />
        }
      >
        <Bar
          role="img"
          aria-label={t('an.methods.title')}
          data={{
            labels: presentMethods.map((m) => methodLabel(t, m)),
            datasets: presentStatuses.map((s) => ({
              label: statusLabel(t, s),
              data: presentMethods.map((m) => byMethod(m, s)),
              backgroundColor: statusColours[s],
            })),
          }}
          options={{
            indexAxis: 'y',
            ...fixedSize,
            scales: {
              x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
              y: { stacked: true },
            },
          }}
        />
      </Figure>

      <Figure
        title={t('an.time.title')}
        note={t('an.time.note')}
        table={
          <table data-testid="analytics-time-table">
            <thead>
              <tr>
                <th scope="col">{t('an.col.method')}</th>
                <th scope="col">{t('an.time.approved')}</th>
                <th scope="col">{t('an.time.median')}</th>
                <th scope="col">{t('an.time.p90')}</th>
                <th scope="col">{t('an.time.baseline')}</th>
              </tr>
            </thead>
            <tbody>
              {figures.timeToVerify.map((m) => (
                <tr key={m.method} data-method={m.method}>
                  <th scope="row">{methodLabel(t, m.method)}</th>
                  <td>{m.approved}</td>
                  <td>{m.medianSeconds}</td>
                  <td>{m.p90Seconds}</td>
                  <td>{figures.baselineSeconds}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <Chart
          type="bar"
          role="img"
          aria-label={t('an.time.label')}
          data={{
            labels: figures.timeToVerify.map((m) => methodLabel(t, m.method)),
            datasets: [
              {
                type: 'bar' as const,
                label: t('an.time.median'),
                data: figures.timeToVerify.map((m) => m.medianSeconds),
                backgroundColor: '#0969da',
              },
              {
                type: 'bar' as const,
                label: t('an.time.p90'),
                data: figures.timeToVerify.map((m) => m.p90Seconds),
                backgroundColor: '#54aeff',
              },
              {
                type: 'line' as const,
                label: t('an.time.baseline'),
                data: figures.timeToVerify.map(() => figures.baselineSeconds),
                borderColor: '#b3261e',
                borderDash: [6, 4],
                pointRadius: 0,
              },
            ],
          }}
          options={{
            ...fixedSize,
            scales: { y: { beginAtZero: true } },
          }}
        />
      </Figure>

      <Figure
        title={t('an.reasons.title')}
        table={
          <table data-testid="analytics-reasons-table">
            <thead>
              <tr>
                <th scope="col">{t('an.col.reason')}</th>
                <th scope="col">{t('an.col.count')}</th>
              </tr>
            </thead>
            <tbody>
              {fallbackReasons.map((r) => (
                <tr key={r} data-reason={r}>
                  <th scope="row">{t(`an.reason.${r}`)}</th>
                  <td>{figures.fallback.reasons[r]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <Bar
          role="img"
          aria-label={t('an.reasons.label')}
          data={{
            labels: fallbackReasons.map((r) => t(`an.reason.${r}`)),
            datasets: [
              {
                label: t('an.col.count'),
                data: fallbackReasons.map((r) => figures.fallback.reasons[r]),
                backgroundColor: '#8250df',
              },
            ],
          }}
          options={{
            indexAxis: 'y',
            ...fixedSize,
            plugins: { legend: { display: false } },
            scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
          }}
        />
      </Figure>

      <CountsCard id="an-teams" title={t('an.teams.title')} testId="analytics-teams">
        <thead>
          <tr>
            <th scope="col">{t('an.col.team')}</th>
            {countsHead}
          </tr>
        </thead>
        <tbody>
          {figures.teams.map((x) => (
            <tr key={x.team ?? ''}>
              <th scope="row">{teamName(x.team)}</th>
              {countsRow(x)}
            </tr>
          ))}
        </tbody>
      </CountsCard>
      <CountsCard id="an-agents" title={t('an.agents.title')} testId="analytics-agents">
        <thead>
          <tr>
            <th scope="col">{t('an.col.agent')}</th>
            <th scope="col">{t('an.col.team')}</th>
            {countsHead}
          </tr>
        </thead>
        <tbody>
          {figures.agents.map((a) => (
            <tr key={a.agentId}>
              <th scope="row">{a.name ?? a.agentId}</th>
              <td>{teamName(a.team)}</td>
              {countsRow(a)}
            </tr>
          ))}
        </tbody>
      </CountsCard>
    </>
  );
}

function BaselineForm({ value, onSave }: { value: number; onSave: (seconds: number) => Promise<void> }) {
  const { t } = useI18n();
  const id = useId();
  const [seconds, setSeconds] = useState(String(value));
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('an.settings.title')}</h2>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          setError(null);
          onSave(Number(seconds)).then(
            () => setSaved(true),
            (err) => setError(err),
          );
        }}
      >
        <label className="field">
          <span>{t('an.settings.label')}</span>
          <input
            type="number"
            min={1}
            max={3600}
            required
            value={seconds}
            onChange={(e) => setSeconds(e.target.value)}
          />
        </label>
        <button type="submit" className="button">
          {t('an.settings.save')}
        </button>
      </form>
      <div role="status">{saved && <p className="notice ok">{t('an.settings.saved')}</p>}</div>
      <ErrorNotice error={error} />
    </section>
  );
}
