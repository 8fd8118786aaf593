// A customer's call notices in their history: when, who called, why, and how the call ended.
import { useI18n } from '../i18n/i18n.tsx';
import type { CallNotice } from './api.ts';

export function CallHistory({ items }: { items: CallNotice[] }) {
  const { t, formatDateTime } = useI18n();
  return (
    <section className="card" aria-labelledby="call-history-heading">
      <h2 id="call-history-heading">{t('calls.history')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('calls.history.none')}</p>
      ) : (
        <ul className="recent" data-testid="call-history">
          {items.map((notice) => (
            <li key={notice.id} data-status={notice.status}>
              <span>{formatDateTime(notice.createdAt)}</span>{' '}
              <span className={`badge ${notice.status === 'active' ? 'ok' : ''}`}>
                {t(`calls.state.${notice.status}`)}
              </span>
              {notice.confirmation === 'confirmed' && (
                <span className="badge status-approved">{t('calls.history.confirmed')}</span>
              )}
              {notice.confirmation === 'mismatch' && (
                <span className="badge status-fraud_reported">{t('calls.history.mismatch')}</span>
              )}
              <span className="muted">
                {' '}
                · {notice.agent.displayName} · {notice.reason}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
