import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConsoleApi, VerificationFilter } from '../api/client.ts';
import type {
  AuditEvent,
  Customer,
  Session,
  Verification,
  VerificationDetail,
  VerificationStatus,
} from '../api/types.ts';
import { ErrorNotice, PageHeading, StatusBadge } from '../components/common.tsx';
import { customerProblem, resolveCustomer } from '../components/customer-filter.ts';
import {
  FilterField,
  type FilterProblems,
  ListFilters,
  PagedTable,
  toIsoOrUndefined,
  usePagedList,
} from '../components/paged-list.tsx';
import { verificationSubject } from '../components/RecentVerifications.tsx';
import { actionLabel, methodKey } from '../fallbacks/shared.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { href } from '../router.ts';

/** Every method, in the policy's usual order: push and each fallback. */
const methods: Verification['method'][] = [
  'push',
  'app_code',
  'totp',
  'sms_otp',
  'email_otp',
  'security_questions',
];

const statuses: VerificationStatus[] = [
  'pending',
  'approved',
  'denied',
  'fraud_reported',
  'expired',
  'cancelled',
  'failed',
];

function useCustomerNames(api: ConsoleApi, ids: string[]) {
  const [names, setNames] = useState<Record<string, string>>({});
  // Asked for already: a render while an answer is on its way must not ask again.
  const requested = useRef(new Set<string>());
  useEffect(() => {
    const missing = [...new Set(ids)].filter((id) => !requested.current.has(id));
    if (missing.length === 0) return;
    for (const id of missing) requested.current.add(id);
    void Promise.all(
      missing.map((id) =>
        api.customer(id).then(
          (c: Customer) => [id, c.displayName] as const,
          () => [id, id] as const,
        ),
      ),
    ).then((pairs) => setNames((current) => ({ ...current, ...Object.fromEntries(pairs) })));
  }, [api, ids]);
  return names;
}

export function History({ api }: { api: ConsoleApi }) {
  const { t, formatDateTime } = useI18n();
  const [status, setStatus] = useState('');
  // The customer as the agent knows them: a name or the customer number (an internal id works too).
  const [customerText, setCustomerText] = useState('');
  const [method, setMethod] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [problems, setProblems] = useState<FilterProblems>({});
  const checkFilter = (): FilterProblems => {
    setProblems({});
    return {};
  };
  const fetchPage = useCallback(
    async (cursor: string | undefined) => {
      const customer = await resolveCustomer(api, customerText.trim());
      if (customer.kind !== 'found') {
        setProblems({ customer: customerProblem(t, customerText.trim(), customer) });
        return { items: [], nextCursor: null };
      }
      const filter: VerificationFilter = {
        ...(status ? { status: status as VerificationStatus } : {}),
        ...(method ? { method: method as Verification['method'] } : {}),
        ...(customer.id ? { customerId: customer.id } : {}),
        createdAfter: toIsoOrUndefined(from),
        createdBefore: toIsoOrUndefined(to),
        limit: 25,
        ...(cursor ? { cursor } : {}),
      };
      return api.verifications(filter);
    },
    [api, t, status, method, customerText, from, to],
  );
  const list = usePagedList(fetchPage);
  const names = useCustomerNames(
    api,
    list.items.map((v) => v.customerId),
  );

  return (
    <div>
      <PageHeading>{t('history.title')}</PageHeading>
      <ListFilters
        from={from}
        to={to}
        onFrom={setFrom}
        onTo={setTo}
        onApply={list.reload}
        check={checkFilter}
      >
        <label className="field">
          <span>{t('history.filter.status')}</span>
          <select value={status} onChange={(e) => setStatus(e.target.value)} name="status">
            <option value="">{t('history.filter.any')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('history.filter.method')}</span>
          <select value={method} onChange={(e) => setMethod(e.target.value)} name="method">
            <option value="">{t('history.filter.any')}</option>
            {methods.map((m) => (
              <option key={m} value={m}>
                {t(methodKey(m))}
              </option>
            ))}
          </select>
        </label>
        <FilterField
          name="customer"
          label={t('hf.customer')}
          value={customerText}
          onChange={setCustomerText}
          problem={problems.customer}
          placeholder={t('hf.customer.placeholder')}
          maxLength={200}
        />
      </ListFilters>
      <PagedTable list={list} empty={t('history.empty')}>
        <table data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">{t('history.col.time')}</th>
              <th scope="col">{t('history.col.customer')}</th>
              <th scope="col">{t('history.col.method')}</th>
              <th scope="col">{t('history.col.reason')}</th>
              <th scope="col">{t('history.col.status')}</th>
              <th scope="col">{t('history.col.agent')}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((v) => (
              <tr key={v.id} data-method={v.method}>
                <td>
                  <a href={href({ name: 'verification', id: v.id })}>{formatDateTime(v.createdAt)}</a>
                </td>
                <td>
                  <a href={href({ name: 'customer', id: v.customerId })}>
                    {names[v.customerId] ?? v.customerId}
                  </a>
                </td>
                <td>{t(methodKey(v.method))}</td>
                <td>{verificationSubject(t, v)}</td>
                <td>
                  <StatusBadge status={v.status} />
                </td>
                <td>{v.startedBy.name}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedTable>
    </div>
  );
}

export function VerificationView({ api, session, id }: { api: ConsoleApi; session: Session; id: string }) {
  const { t, formatDateTime } = useI18n();
  const [verification, setVerification] = useState<VerificationDetail | null>(null);
  const [audit, setAudit] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const mayReadAudit = session.permissions.includes('audit:read');

  useEffect(() => {
    api.verify.get(id).then(setVerification, setError);
    if (mayReadAudit)
      api.auditEvents({ targetId: id, limit: 50 }).then((page) => setAudit(page.items), setError);
  }, [api, id, mayReadAudit]);

  if (error) return <ErrorNotice error={error} />;
  if (!verification) return <p className="muted">{t('app.loading')}</p>;
  const v = verification;
  return (
    <div className="verification-detail">
      <p>
        <a href={href({ name: 'history' })}>← {t('nav.history')}</a>
      </p>
      <PageHeading>
        {t('history.detail', { id: v.id })} <StatusBadge status={v.status} />
      </PageHeading>
      <dl className="detail-grid">
        <dt>{t('history.col.customer')}</dt>
        <dd>
          <a href={href({ name: 'customer', id: v.customerId })}>{v.customerId}</a>
        </dd>
        <dt>{t('history.field.method')}</dt>
        <dd data-testid="verification-method">{t(methodKey(v.method))}</dd>
        {v.method === 'push' ? (
          <>
            <dt>{t('history.field.purpose')}</dt>
            <dd>{t(`verify.purpose.${v.purpose}`)}</dd>
            <dt>{t('history.field.reason')}</dt>
            <dd>{v.reason}</dd>
          </>
        ) : (
          v.action && (
            <>
              <dt>{t('history.field.policyAction')}</dt>
              <dd>{actionLabel(t, v.action)}</dd>
            </>
          )
        )}
        {v.actionSummary && (
          <>
            <dt>{t('history.field.action')}</dt>
            <dd>{v.actionSummary}</dd>
          </>
        )}
        <dt>{t('history.field.startedBy')}</dt>
        <dd>{v.startedBy.name}</dd>
        <dt>{t('history.field.created')}</dt>
        <dd>{formatDateTime(v.createdAt)}</dd>
        <dt>{t('history.field.finished')}</dt>
        <dd>{v.finishedAt ? formatDateTime(v.finishedAt) : '–'}</dd>
        <dt>{t('history.field.assurance')}</dt>
        <dd>{v.assurance ? t(`verify.assurance.${v.assurance}`) : '–'}</dd>
        {/* Answers are no codes: a security-question check shows its result only. */}
        {v.method !== 'security_questions' && (
          <>
            <dt>{t('history.field.attempts')}</dt>
            <dd>
              {v.failedAttempts} / {v.maxAttempts}
            </dd>
          </>
        )}
      </dl>
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">{t('history.timeline')}</h2>
        <ol className="timeline" data-testid="timeline">
          {v.timeline.map((entry) => (
            <li key={`${entry.at}-${entry.type}-${entry.deviceId ?? ''}-${entry.channel ?? ''}`}>
              <span className="timeline-time">{formatDateTime(entry.at)}</span> <strong>{entry.type}</strong>
              {entry.channel ? ` · ${entry.channel}` : ''}
              {entry.deviceId ? ` · ${entry.deviceId}` : ''}
              {entry.detail ? ` · ${entry.detail}` : ''}
            </li>
          ))}
        </ol>
      </section>
      {mayReadAudit && (
        <section className="card" aria-labelledby="audit-heading">
          <h2 id="audit-heading">{t('history.audit')}</h2>
          {audit && audit.length === 0 && <p className="muted">{t('history.noAudit')}</p>}
          {audit && audit.length > 0 && (
            <div className="table-wrap">
              <table data-testid="verification-audit">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.col.seq')}</th>
                    <th scope="col">{t('audit.col.time')}</th>
                    <th scope="col">{t('audit.col.action')}</th>
                    <th scope="col">{t('audit.col.actor')}</th>
                    <th scope="col">{t('audit.col.data')}</th>
                  </tr>
                </thead>
                <tbody>
                  {audit.map((entry) => (
                    <tr key={entry.id}>
                      <td>{entry.seq}</td>
                      <td>{formatDateTime(entry.occurredAt)}</td>
                      <td>{entry.action}</td>
                      <td>
                        {entry.actor.type}
                        {entry.actor.id ? ` ${entry.actor.id}` : ''}
                      </td>
                      <td className="mono small">{JSON.stringify(entry.data)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
