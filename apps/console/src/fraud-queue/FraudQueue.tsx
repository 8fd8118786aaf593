// The fraud queue page: open cases oldest first, with filters, and taking a case in one click.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Session } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import { PagedTable, usePagedList } from '../components/paged-list.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { href, navigate } from '../router.ts';
import { type CaseFilter, createFraudApi, type FraudCase, type SignalKind, signalKinds } from './api.ts';
import type { FraudQueueLive } from './live.tsx';
import './fraud-queue.css';

export function FraudQueue({ session, live }: { session: Session; live: FraudQueueLive }) {
  const { t, formatDateTime } = useI18n();
  const api = useMemo(() => createFraudApi(session.csrfToken), [session.csrfToken]);
  const [status, setStatus] = useState<'open' | 'resolved' | 'all'>('open');
  const [assignee, setAssignee] = useState('');
  const [kind, setKind] = useState('');
  const [error, setError] = useState<unknown>(null);
  const mayWrite = session.permissions.includes('fraud-cases:write');

  const fetchPage = useCallback(
    (cursor: string | undefined) => {
      const filter: CaseFilter = {
        status,
        ...(assignee ? { assignee } : {}),
        ...(kind ? { kind: kind as SignalKind } : {}),
        limit: 50,
        ...(cursor ? { cursor } : {}),
      };
      return api.list(filter);
    },
    [api, status, assignee, kind],
  );
  const list = usePagedList(fetchPage);
  // The queue changed (a case opened, was taken or resolved): read it again with the filter as set.
  // biome-ignore lint/correctness/useExhaustiveDependencies: live.version is what triggers the reload
  useEffect(() => {
    if (live.version > 0) list.reload();
  }, [live.version]);

  const take = async (c: FraudCase) => {
    setError(null);
    try {
      await api.assign(c.id, session.operator.id, c.assignee?.id ?? null);
      navigate({ name: 'fraudCase', id: c.id });
    } catch (err) {
      setError(err);
      list.reload();
    }
  };

  return (
    <div className="fraud-queue">
      <PageHeading>{t('fq.title')}</PageHeading>
      <p className="muted">{t('fq.intro')}</p>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          list.reload();
        }}
      >
        <label className="field">
          <span>{t('fq.filter.status')}</span>
          <select name="status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="open">{t('fq.status.open')}</option>
            <option value="resolved">{t('fq.status.resolved')}</option>
            <option value="all">{t('fq.status.all')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('fq.filter.assignee')}</span>
          <select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">{t('fq.filter.any')}</option>
            <option value="me">{t('fq.filter.me')}</option>
            <option value="unassigned">{t('fq.filter.unassigned')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('fq.filter.kind')}</span>
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">{t('fq.filter.any')}</option>
            {signalKinds.map((k) => (
              <option key={k} value={k}>
                {t(`fq.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button primary">
          {t('fq.filter.apply')}
        </button>
      </form>
      <ErrorNotice error={error} />
      <PagedTable list={list} empty={t('fq.empty')} regionLabel={t('fq.title')}>
        <table data-testid="fraud-queue-table">
          <thead>
            <tr>
              <th scope="col">{t('fq.col.opened')}</th>
              <th scope="col">{t('fq.col.customer')}</th>
              <th scope="col">{t('fq.col.signal')}</th>
              <th scope="col">{t('fq.col.signals')}</th>
              <th scope="col">{t('fq.col.assignee')}</th>
              <th scope="col">{t('fq.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((c) => (
              <tr key={c.id} data-case={c.id}>
                <td>
                  <a href={href({ name: 'fraudCase', id: c.id })}>{formatDateTime(c.openedAt)}</a>
                </td>
                <td>{c.customerName ?? c.customerId}</td>
                <td>{t(`fq.kind.${c.firstKind}`)}</td>
                <td>{c.signalCount}</td>
                <td>
                  {c.assignee ? (
                    (c.assignee.name ?? c.assignee.id)
                  ) : mayWrite && c.status === 'open' ? (
                    <button type="button" className="button small" onClick={() => void take(c)}>
                      {t('fq.take')}
                    </button>
                  ) : (
                    t('fq.unassigned')
                  )}
                </td>
                <td>
                  <span className={`badge case-${c.status}`}>{t(`fq.status.${c.status}`)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedTable>
    </div>
  );
}
