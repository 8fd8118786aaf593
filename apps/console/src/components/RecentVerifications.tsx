// A customer's recent verifications, every method's: when, how, the outcome and what it was for.
import type { Verification } from '../api/types.ts';
import { actionLabel, methodKey } from '../fallbacks/shared.tsx';
import type { Translate } from '../i18n/i18n.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { href } from '../router.ts';
import { StatusBadge } from './common.tsx';

/**
 * What a verification was for, in a few words: the reason a push request showed (and the action
 * it confirmed), or the policy action a fallback method's check was for.
 */
export function verificationSubject(t: Translate, v: Verification): string {
  if (v.method !== 'push') return v.action ? actionLabel(t, v.action) : '';
  return v.actionSummary ? `${v.reason}: ${v.actionSummary}` : v.reason;
}

export function RecentVerifications({ items }: { items: Verification[] }) {
  const { t, formatDateTime } = useI18n();
  return (
    <section className="card" aria-labelledby="recent-heading">
      <h2 id="recent-heading">{t('customer.recent')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('customer.recent.none')}</p>
      ) : (
        <ul className="recent" data-testid="recent-verifications">
          {items.map((v) => (
            <li key={v.id} data-method={v.method}>
              <a href={href({ name: 'verification', id: v.id })}>{formatDateTime(v.createdAt)}</a>{' '}
              <StatusBadge status={v.status} />{' '}
              <span className="recent-method">{t(methodKey(v.method))}</span>
              {verificationSubject(t, v) && <span className="muted"> · {verificationSubject(t, v)}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
