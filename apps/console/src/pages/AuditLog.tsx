import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { AuditFilter, ConsoleApi } from '../api/client.ts';
import type { AuditEvent, ChainStatus } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';

function toIsoOrUndefined(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The auditor's view: the hash-chained log with filters, the chain's verification, and export. */
export function AuditLog({ api }: { api: ConsoleApi }) {
  const { t, formatDateTime } = useI18n();
  const [action, setAction] = useState('');
  const [actorId, setActorId] = useState('');
  const [targetId, setTargetId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [chain, setChain] = useState<ChainStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);

  const filter = useCallback(
    (): AuditFilter => ({
      action: action.trim() || undefined,
      actorId: actorId.trim() || undefined,
      targetId: targetId.trim() || undefined,
      from: toIsoOrUndefined(from),
      to: toIsoOrUndefined(to),
      limit: 50,
    }),
    [action, actorId, targetId, from, to],
  );

  const load = useCallback(
    async (more: string | null) => {
      try {
        const page = await api.auditEvents({ ...filter(), ...(more ? { cursor: more } : {}) });
        setItems((current) => (more ? [...current, ...page.items] : page.items));
        setCursor(page.nextCursor);
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        setLoaded(true);
      }
    },
    [api, filter],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: load once on open; the form reloads
  useEffect(() => {
    void load(null);
    api.auditChain().then(setChain, setError);
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void load(null);
  };

  return (
    <div>
      <PageHeading>{t('audit.title')}</PageHeading>
      <section className="card" aria-labelledby="chain-heading">
        <h2 id="chain-heading">{t('audit.chain')}</h2>
        {chain && (
          <p className={chain.ok ? 'notice ok' : 'notice danger'} data-testid="chain-status">
            {chain.ok
              ? t('audit.chainOk', { checked: chain.checked, headSeq: chain.headSeq })
              : t('audit.chainBroken', {
                  seq: chain.firstBroken?.seq ?? '?',
                  reason: chain.firstBroken?.reason ?? '?',
                })}
          </p>
        )}
        {/* A plain link: the browser sends the session cookie and saves the JSON Lines file. */}
        <a className="button" href="/v1/audit-events/export" download="audit-log.jsonl">
          {t('audit.export')}
        </a>
      </section>
      <form className="filters" onSubmit={submit}>
        <label className="field">
          <span>{t('audit.filter.action')}</span>
          <input
            value={action}
            onChange={(e) => setAction(e.target.value)}
            placeholder="verification.approved"
          />
        </label>
        <label className="field">
          <span>{t('audit.filter.actor')}</span>
          <input value={actorId} onChange={(e) => setActorId(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('audit.filter.target')}</span>
          <input value={targetId} onChange={(e) => setTargetId(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('history.filter.from')}</span>
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('history.filter.to')}</span>
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit" className="button primary">
          {t('history.apply')}
        </button>
      </form>
      <ErrorNotice error={error} />
      {loaded && items.length === 0 && !error ? (
        <p className="muted">{t('audit.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.col.seq')}</th>
                <th scope="col">{t('audit.col.time')}</th>
                <th scope="col">{t('audit.col.actor')}</th>
                <th scope="col">{t('audit.col.action')}</th>
                <th scope="col">{t('audit.col.target')}</th>
                <th scope="col">{t('audit.col.data')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td>{entry.seq}</td>
                  <td>{formatDateTime(entry.occurredAt)}</td>
                  <td className="small">
                    {entry.actor.type}
                    {entry.actor.id ? ` ${entry.actor.id}` : ''}
                  </td>
                  <td>{entry.action}</td>
                  <td className="small">{entry.target ? `${entry.target.type} ${entry.target.id}` : '–'}</td>
                  <td className="mono small">{JSON.stringify(entry.data)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="actions">
          <button type="button" className="button" onClick={() => void load(cursor)}>
            {t('app.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}
