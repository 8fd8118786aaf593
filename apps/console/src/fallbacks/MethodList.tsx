import { useId } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { CustomerMethods, MethodName } from './api.ts';
import { actionLabel, methodKey, reasonText } from './shared.tsx';

/**
 * Every method of the policy for this caller and action, in the policy's order: which can be used
 * now, and why the others cannot (the server's reason codes, translated).
 */
export function MethodList({
  methods,
  actions,
  action,
  active,
  onAction,
  onUse,
}: {
  methods: CustomerMethods | null;
  actions: readonly string[];
  action: string;
  active: MethodName | null;
  onAction: (action: string) => void;
  onUse: (method: MethodName) => void;
}) {
  const { t, formatDateTime } = useI18n();
  const ids = useId();
  return (
    <section className="card fb-methods" aria-labelledby={`${ids}-heading`} data-testid="method-list">
      <h2 id={`${ids}-heading`}>{t('fb.methods.title')}</h2>
      <label className="field fb-action">
        <span>{t('fb.action.label')}</span>
        <select value={action} onChange={(e) => onAction(e.target.value)}>
          {actions.map((a) => (
            <option key={a} value={a}>
              {actionLabel(t, a)}
            </option>
          ))}
        </select>
      </label>
      {methods && (
        <>
          <p className="muted">
            {t('fb.methods.needs', { assurance: t(`verify.assurance.${methods.requiredAssurance}`) })}
            {methods.highRisk && ` ${t('fb.methods.highRisk')}`}
          </p>
          {methods.recommended === null && (
            <p className="notice warning" data-testid="methods-none">
              {t('fb.methods.none')}
            </p>
          )}
          <ol className="fb-method-list">
            {methods.methods.map((m) => (
              <li
                key={m.method}
                className={m.available ? 'available' : 'unavailable'}
                data-testid={`method-${m.method}`}
                aria-current={active === m.method ? 'true' : undefined}
              >
                <div className="fb-method-head">
                  <span className="fb-method-name">{t(methodKey(m.method))}</span>
                  {methods.recommended === m.method ? (
                    <span className="badge ok">{t('fb.methods.recommended')}</span>
                  ) : m.available ? (
                    <span className="badge ok">{t('fb.methods.available')}</span>
                  ) : (
                    <span className="badge">{t('fb.methods.unavailable')}</span>
                  )}
                  <span className="muted small">
                    {t('fb.methods.assurance', { assurance: t(`verify.assurance.${m.assurance}`) })}
                  </span>
                  {m.available && active !== m.method && (
                    <button
                      type="button"
                      className="button small"
                      aria-label={`${t('fb.methods.use')}: ${t(methodKey(m.method))}`}
                      onClick={() => onUse(m.method)}
                    >
                      {t('fb.methods.use')}
                    </button>
                  )}
                </div>
                {m.reasons.length > 0 && (
                  <ul className="fb-reasons">
                    {m.reasons.map((r) => (
                      <li key={r.code} data-reason={r.code}>
                        {reasonText(t, formatDateTime, r, m.method)}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
