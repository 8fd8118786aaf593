import { useCallback, useEffect, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import type { ChainStatus } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import {
  FilterField,
  ListFilters,
  PagedTable,
  toIsoOrUndefined,
  usePagedList,
} from '../components/paged-list.tsx';
import { useI18n } from '../i18n/i18n.tsx';

/** The auditor's view: the hash-chained log with filters, the chain's verification, and export. */
export function AuditLog({ api }: { api: ConsoleApi }) {
  const { t, formatDateTime } = useI18n();
  const [action, setAction] = useState('');
  const [actorId, setActorId] = useState('');
  const [targetId, setTargetId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [chain, setChain] = useState<ChainStatus | null>(null);
  const [chainError, setChainError] = useState<unknown>(null);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      api.auditEvents({
        action: action.trim() || undefined,
        actorId: actorId.trim() || undefined,
        targetId: targetId.trim() || undefined,
        from: toIsoOrUndefined(from),
        to: toIsoOrUndefined(to),
        limit: 50,
        ...(cursor ? { cursor } : {}),
      }),
    [api, action, actorId, targetId, from, to],
  );
  const list = usePagedList(fetchPage);
  const textFilters = [
    {
      name: 'action',
      label: t('audit.filter.action'),
      value: action,
      set: setAction,
      placeholder: 'verification.approved',
    },
    {
      name: 'actorId',
      label: t('audit.filter.actor'),
      value: actorId,
      set: setActorId,
      placeholder: undefined,
    },
    {
      name: 'targetId',
      label: t('audit.filter.target'),
      value: targetId,
      set: setTargetId,
      placeholder: undefined,
    },
  ];

  useEffect(() => {
    api.auditChain().then(setChain, setChainError);
  }, [api]);

  return (
    <div>
      <PageHeading>{t('audit.title')}</PageHeading>
      <section className="card" aria-labelledby="chain-heading">
        <h2 id="chain-heading">{t('audit.chain')}</h2>
        <ErrorNotice error={chainError} />
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
      <ListFilters from={from} to={to} onFrom={setFrom} onTo={setTo} onApply={list.reload}>
        {/* The server takes at most 64 characters in each; the fields say so by stopping there. */}
        {textFilters.map((field) => (
          <FilterField
            key={field.name}
            name={field.name}
            label={field.label}
            value={field.value}
            onChange={field.set}
            placeholder={field.placeholder}
            maxLength={64}
          />
        ))}
      </ListFilters>
      <PagedTable list={list} empty={t('audit.empty')}>
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
            {list.items.map((entry) => (
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
      </PagedTable>
    </div>
  );
}
