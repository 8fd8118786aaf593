// The Campaigns page: the list, a new campaign (audience, kind, channel, rate, a preview of the
// message per language) and one campaign with its progress bar, actions and funnel chart.
import { BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { Bar } from 'react-chartjs-2';
import type { Session } from '../api/types.ts';
import {
  type CampaignApi,
  type CampaignChange,
  type CampaignChannel,
  type CampaignDetail,
  type CampaignInput,
  type CampaignKind,
  type Campaign as CampaignSummary,
  createCampaignApi,
} from '../campaigns/api.ts';
import { PageHeading, useErrorText } from '../components/common.tsx';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { href, navigate } from '../router.ts';
import './campaigns.css';

// Only the parts of Chart.js a bar chart needs, so the bundle carries no more.
ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip);

const statusKey = (status: string) => `cmp.status.${status}` as MessageKey;
const kindKey = (kind: string) => `cmp.kind.${kind}` as MessageKey;
const channelKey = (channel: string) => `cmp.channel.${channel}` as MessageKey;
const knownReasons = [
  'OPTED_OUT',
  'NO_PHONE_NUMBER',
  'NO_EMAIL_ADDRESS',
  'SIM_SWAP_WINDOW',
  'PROVIDER_NOT_CONFIGURED',
  'PROVIDER_REJECTED',
  'CUSTOMER_REMOVED',
  'INTERRUPTED',
];

export function Campaigns({ session, id }: { session: Session; id?: string | undefined }) {
  const api = useMemo(() => createCampaignApi(session.csrfToken), [session.csrfToken]);
  const canWrite = session.permissions.includes('campaigns:write');
  if (id === 'new' && canWrite) return <NewCampaign api={api} />;
  if (id) return <CampaignView key={id} api={api} id={id} canWrite={canWrite} />;
  return <CampaignList api={api} canWrite={canWrite} />;
}

function CampaignList({ api, canWrite }: { api: CampaignApi; canWrite: boolean }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const [items, setItems] = useState<CampaignSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .list()
      .then((page) => setItems(page.items))
      .catch(setError);
  }, [api]);
  return (
    <section className="campaigns">
      <PageHeading>{t('cmp.title')}</PageHeading>
      <p className="muted">{t('cmp.intro')}</p>
      {canWrite && (
        <p className="actions">
          <a className="button primary" href={href({ name: 'campaign', id: 'new' })}>
            {t('cmp.new')}
          </a>
        </p>
      )}
      {error ? <p className="notice error">{errorText(error)}</p> : null}
      {items === null && !error && <p className="muted">{t('app.loading')}</p>}
      {items?.length === 0 && <p className="muted">{t('cmp.empty')}</p>}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="campaign-table">
            <thead>
              <tr>
                <th scope="col">{t('cmp.col.name')}</th>
                <th scope="col" className="campaign-wide-only">
                  {t('cmp.col.kind')}
                </th>
                <th scope="col">{t('cmp.col.status')}</th>
                <th scope="col" className="campaign-wide-only">
                  {t('cmp.col.created')}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={href({ name: 'campaign', id: c.id })}>{c.name}</a>
                  </td>
                  <td className="campaign-wide-only">
                    {t(kindKey(c.kind))} · {t(channelKey(c.channel))}
                  </td>
                  <td>
                    <span className={`badge campaign-${c.status}`}>{t(statusKey(c.status))}</span>
                  </td>
                  <td className="campaign-wide-only">{formatDateTime(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NewCampaign({ api }: { api: CampaignApi }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<CampaignKind>('invitation');
  const [channel, setChannel] = useState<CampaignChannel>('sms_else_email');
  const [audience, setAudience] = useState<'all' | 'csv' | 'search'>('search');
  const [csv, setCsv] = useState<string | null>(null);
  const [noDevice, setNoDevice] = useState(true);
  const [language, setLanguage] = useState('');
  const [rate, setRate] = useState(10);
  const [linkDays, setLinkDays] = useState(14);
  const [texts, setTexts] = useState<Record<string, string>>({ default: '', de: '', en: '' });
  const [previews, setPreviews] = useState<Array<{ language: string; text: string }> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const messages = () =>
    Object.fromEntries(Object.entries(texts).filter(([, text]) => text.trim() !== '')) as Record<
      string,
      string
    >;

  const preview = async () => {
    setProblem(null);
    try {
      const result = await api.preview(
        kind,
        ['de', 'en'],
        kind === 'announcement' ? { messages: messages() } : { linkValidDays: linkDays },
      );
      setPreviews(result.previews);
    } catch (error) {
      setPreviews(null);
      setProblem(errorText(error));
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setProblem(t('cmp.form.nameMissing'));
    if (audience === 'csv' && !csv) return setProblem(t('cmp.form.fileMissing'));
    if (kind === 'announcement' && !texts.default?.trim()) return setProblem(t('cmp.form.textMissing'));
    const input: CampaignInput = {
      name: name.trim(),
      kind,
      channel,
      audience:
        audience === 'all'
          ? { kind: 'all' }
          : audience === 'csv'
            ? { kind: 'csv', csv: csv! }
            : {
                kind: 'search',
                ...(noDevice ? { noDevice: true } : {}),
                ...(language.trim() ? { language: language.trim() } : {}),
              },
      ratePerSecond: rate,
      ...(kind === 'invitation' ? { linkValidDays: linkDays } : { messages: messages() }),
    };
    setBusy(true);
    setProblem(null);
    try {
      const created = await api.create(input);
      navigate({ name: 'campaign', id: created.campaign.id });
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="campaigns">
      <p>
        <a href={href({ name: 'campaigns' })}>← {t('cmp.detail.back')}</a>
      </p>
      <PageHeading>{t('cmp.form.title')}</PageHeading>
      <form className="card campaign-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-name`}>{t('cmp.form.name')}</label>
          <input
            id={`${ids}-name`}
            value={name}
            maxLength={200}
            required
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <fieldset>
          <legend>{t('cmp.form.kind')}</legend>
          {(['invitation', 'announcement'] as const).map((k) => (
            <label key={k} className="radio">
              <input type="radio" name={`${ids}-kind`} checked={kind === k} onChange={() => setKind(k)} />{' '}
              {t(kindKey(k))}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${ids}-channel`}>{t('cmp.form.channel')}</label>
          <select
            id={`${ids}-channel`}
            value={channel}
            onChange={(e) => setChannel(e.target.value as CampaignChannel)}
          >
            {(['sms_else_email', 'sms', 'email'] as const).map((c) => (
              <option key={c} value={c}>
                {t(channelKey(c))}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>{t('cmp.form.audience')}</legend>
          {(['search', 'all', 'csv'] as const).map((a) => (
            <label key={a} className="radio">
              <input
                type="radio"
                name={`${ids}-audience`}
                checked={audience === a}
                onChange={() => setAudience(a)}
              />{' '}
              {t(`cmp.audience.${a}` as MessageKey)}
            </label>
          ))}
          {audience === 'search' && (
            <div className="campaign-sub">
              <label className="check">
                <input type="checkbox" checked={noDevice} onChange={(e) => setNoDevice(e.target.checked)} />{' '}
                {t('cmp.form.noDevice')}
              </label>
              <div className="field">
                <label htmlFor={`${ids}-language`}>{t('cmp.form.language')}</label>
                <input
                  id={`${ids}-language`}
                  value={language}
                  maxLength={3}
                  size={4}
                  pattern="[a-zA-Z]{2,3}"
                  onChange={(e) => setLanguage(e.target.value)}
                />
              </div>
            </div>
          )}
          {audience === 'csv' && (
            <div className="campaign-sub field">
              <label htmlFor={`${ids}-file`}>{t('cmp.form.file')}</label>
              <input
                id={`${ids}-file`}
                type="file"
                accept=".csv,text/csv"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) void file.text().then(setCsv);
                }}
              />
              {csv !== null && (
                <p className="muted small">
                  {t('cmp.form.fileRead', { count: csv.split(/\r?\n/).filter((l) => l.trim()).length })}
                </p>
              )}
            </div>
          )}
        </fieldset>
        {kind === 'announcement' ? (
          <fieldset>
            <legend>{t('cmp.kind.announcement')}</legend>
            <p className="muted small" id={`${ids}-hint`}>
              {t('cmp.form.messageHint')}
            </p>
            {(
              [
                ['default', 'cmp.form.messageDefault'],
                ['de', 'cmp.form.messageDe'],
                ['en', 'cmp.form.messageEn'],
              ] as const
            ).map(([language, label]) => (
              <div className="field" key={language}>
                <label htmlFor={`${ids}-text-${language}`}>{t(label)}</label>
                <textarea
                  id={`${ids}-text-${language}`}
                  rows={3}
                  maxLength={480}
                  aria-describedby={`${ids}-hint`}
                  value={texts[language] ?? ''}
                  onChange={(e) => setTexts({ ...texts, [language]: e.target.value })}
                />
              </div>
            ))}
          </fieldset>
        ) : (
          <p className="muted">{t('cmp.form.invitationHint')}</p>
        )}
        <div className="campaign-numbers">
          <div className="field">
            <label htmlFor={`${ids}-rate`}>{t('cmp.form.rate')}</label>
            <input
              id={`${ids}-rate`}
              type="number"
              min={1}
              max={1000}
              value={rate}
              aria-describedby={`${ids}-rate-hint`}
              onChange={(e) => setRate(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))}
            />
            <p className="field-hint" id={`${ids}-rate-hint`}>
              {t('cmp.form.rateHint')}
            </p>
          </div>
          {kind === 'invitation' && (
            <div className="field">
              <label htmlFor={`${ids}-days`}>{t('cmp.form.linkDays')}</label>
              <input
                id={`${ids}-days`}
                type="number"
                min={1}
                max={30}
                value={linkDays}
                onChange={(e) => setLinkDays(Math.max(1, Math.min(30, Number(e.target.value) || 1)))}
              />
            </div>
          )}
        </div>
        <p className="actions">
          <button type="button" className="button" onClick={() => void preview()}>
            {t('cmp.form.preview')}
          </button>
        </p>
        {previews && (
          <div className="campaign-previews" aria-live="polite">
            {previews.map((p) => (
              <figure key={p.language} className="campaign-preview">
                <figcaption>{t('cmp.form.previewFor', { language: p.language })}</figcaption>
                <p lang={p.language}>{p.text}</p>
              </figure>
            ))}
          </div>
        )}
        {problem && (
          <p className="notice error" role="alert">
            {problem}
          </p>
        )}
        <p className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {t('cmp.form.create')}
          </button>
          <a className="button" href={href({ name: 'campaigns' })}>
            {t('cmp.form.cancel')}
          </a>
        </p>
      </form>
    </section>
  );
}

const funnelSteps = ['sent', 'delivered', 'opened', 'enrolled'] as const;

function CampaignView({ api, id, canWrite }: { api: CampaignApi; id: string; canWrite: boolean }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const [detail, setDetail] = useState<CampaignDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api
      .get(id)
      .then((d) => {
        setDetail(d);
        setError(null);
      })
      .catch(setError);
  }, [api, id]);
  useEffect(load, [load]);
  // While it sends (and after, as customers open links and enrol), the numbers refresh.
  useEffect(() => {
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [load]);

  const change = async (what: CampaignChange) => {
    if (what === 'cancel' && !window.confirm(t('cmp.detail.cancelConfirm'))) return;
    setBusy(true);
    try {
      setDetail(await api.change(id, what));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!detail) {
    return error ? (
      <p className="notice error">{errorText(error)}</p>
    ) : (
      <p className="muted">{t('app.loading')}</p>
    );
  }
  const { campaign, funnel, progress } = detail;
  const share = (n: number) => (funnel.sent === 0 ? '–' : `${Math.round((n / funnel.sent) * 100)} %`);
  const summary = funnelSteps.map((s) => `${t(`cmp.funnel.${s}` as MessageKey)} ${funnel[s]}`).join(', ');
  const reasons = Object.entries(funnel.reasons);
  const actions: Array<[CampaignChange, MessageKey, string]> = [];
  if (campaign.status === 'draft') actions.push(['start', 'cmp.detail.start', 'button primary']);
  if (campaign.status === 'running') actions.push(['pause', 'cmp.detail.pause', 'button']);
  if (campaign.status === 'paused') actions.push(['resume', 'cmp.detail.resume', 'button primary']);
  if (['draft', 'running', 'paused'].includes(campaign.status))
    actions.push(['cancel', 'cmp.detail.cancel', 'button danger']);

  return (
    <section className="campaigns" data-testid="campaign-detail">
      <p>
        <a href={href({ name: 'campaigns' })}>← {t('cmp.detail.back')}</a>
      </p>
      <PageHeading>{campaign.name}</PageHeading>
      <p>
        <span className={`badge campaign-${campaign.status}`} data-testid="campaign-status">
          {t(statusKey(campaign.status))}
        </span>{' '}
        {t('cmp.detail.summary', {
          kind: t(kindKey(campaign.kind)),
          channel: t(channelKey(campaign.channel)),
          rate: campaign.ratePerSecond,
        })}{' '}
        <span className="muted small">{formatDateTime(campaign.createdAt)}</span>
      </p>
      {detail.unmatched && detail.unmatched.count > 0 && (
        <p className="notice warning">{t('cmp.form.unmatched', { count: detail.unmatched.count })}</p>
      )}
      {error ? <p className="notice error">{errorText(error)}</p> : null}
      <div className="card">
        <label htmlFor={`${ids}-progress`} className="campaign-progress-label">
          {t('cmp.detail.progress')}:{' '}
          <span data-testid="campaign-progress">
            {t('cmp.detail.progressText', {
              done: progress.done,
              total: progress.total,
              percent: progress.percent,
            })}
          </span>
        </label>
        <progress id={`${ids}-progress`} className="campaign-progress" max={100} value={progress.percent} />
        {!campaign.audienceComplete && campaign.status !== 'draft' && (
          <p className="muted small">{t('cmp.detail.reading')}</p>
        )}
        {canWrite && actions.length > 0 && (
          <p className="actions">
            {actions.map(([what, label, className]) => (
              <button
                key={what}
                type="button"
                className={className}
                disabled={busy}
                onClick={() => void change(what)}
              >
                {t(label)}
              </button>
            ))}
          </p>
        )}
      </div>
      <div className="card">
        <h2 id={`${ids}-funnel`}>{t('cmp.detail.funnel')}</h2>
        <div className="campaign-chart">
          <Bar
            role="img"
            aria-label={t('cmp.detail.chartLabel', { summary })}
            data={{
              labels: funnelSteps.map((s) => t(`cmp.funnel.${s}` as MessageKey)),
              datasets: [
                {
                  label: t('cmp.detail.count'),
                  data: funnelSteps.map((s) => funnel[s]),
                  backgroundColor: ['#1f4fd1', '#2f6fde', '#0b6b2e', '#6b4a00'],
                },
              ],
            }}
            options={{
              responsive: true,
              maintainAspectRatio: false,
              animation: false,
              scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
            }}
          />
        </div>
        <table className="campaign-funnel" aria-labelledby={`${ids}-funnel`} data-testid="campaign-funnel">
          <thead>
            <tr>
              <th scope="col">{t('cmp.detail.step')}</th>
              <th scope="col">{t('cmp.detail.count')}</th>
              <th scope="col">{t('cmp.detail.share')}</th>
            </tr>
          </thead>
          <tbody>
            {funnelSteps.map((s) => (
              <tr key={s} data-step={s}>
                <th scope="row">{t(`cmp.funnel.${s}` as MessageKey)}</th>
                <td>{funnel[s]}</td>
                <td>{share(funnel[s])}</td>
              </tr>
            ))}
            {(['pending', 'skipped', 'failed'] as const).map((s) => (
              <tr key={s} data-step={s} className="muted">
                <th scope="row">{t(`cmp.funnel.${s}` as MessageKey)}</th>
                <td>{funnel[s]}</td>
                <td />
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">{t('cmp.detail.deliveredNote')}</p>
        {reasons.length > 0 && (
          <>
            <h3>{t('cmp.detail.reasons')}</h3>
            <ul>
              {reasons.map(([reason, count]) => (
                <li key={reason}>
                  {knownReasons.includes(reason) ? t(`cmp.reason.${reason}` as MessageKey) : reason}: {count}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
