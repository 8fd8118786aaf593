import { type RefObject, useEffect, useState } from 'react';
import { isApiError } from '../api/client.ts';
import { type MessageKey, type Translate, useI18n } from '../i18n/i18n.tsx';
import {
  type Assurance,
  type CustomerMethods,
  detailString,
  type MethodName,
  type MethodOption,
  reasonCodes,
  type UnavailableReason,
} from './api.ts';

export const methodKey = (method: MethodName): MessageKey => `fb.method.${method}`;

const knownActions = [
  'verify_caller',
  'account_enquiry',
  'reset_credentials',
  'change_phone_number',
  'enroll_device',
] as const;
export const defaultActions: readonly string[] = knownActions;

/** An action's name in the interface language; actions a tenant added keep their own name. */
export function actionLabel(t: Translate, action: string): string {
  return (knownActions as readonly string[]).includes(action)
    ? t(`fb.action.${action as (typeof knownActions)[number]}`)
    : action.replaceAll('_', ' ');
}

/** One reason a method is unavailable, in the interface language, with when it lapses. */
export function reasonText(
  t: Translate,
  formatDateTime: (iso: string) => string,
  reason: Pick<UnavailableReason, 'code' | 'until'>,
  method?: MethodName,
): string {
  const known = (reasonCodes as readonly string[]).includes(reason.code);
  // "Not enrolled" means no device with offline codes for app codes, no authenticator app for TOTP.
  const text =
    method === 'app_code' && reason.code === 'NOT_ENROLLED'
      ? t('fb.reason.appCodeNotEnrolled')
      : known
        ? t(`fb.reason.${reason.code}`)
        : reason.code;
  return reason.until ? `${text} ${t('fb.reason.until', { time: formatDateTime(reason.until) })}` : text;
}

/**
 * The method to offer after `failed` did not work: the next available one in the policy's order,
 * else an earlier available one not tried yet. Push is never offered again by this.
 */
export function nextMethod(
  methods: CustomerMethods | null,
  failed: MethodName,
  tried: ReadonlySet<MethodName> = new Set(),
): MethodOption | null {
  if (!methods) return null;
  const usable = methods.methods.filter(
    (m) => m.available && m.method !== failed && m.method !== 'push' && !tried.has(m.method),
  );
  const rank = methods.methods.find((m) => m.method === failed)?.rank ?? 0;
  return usable.find((m) => m.rank > rank) ?? usable[0] ?? null;
}

/** Seconds until `iso`, ticking once a second while `active`. */
export function useSecondsUntil(iso: string | null, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  if (!iso) return 0;
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
}

/** The text for an error answer of a fallback call; null when the screen words it itself. */
export function useFallbackErrorText() {
  const { t, formatDateTime } = useI18n();
  return (error: unknown): string => {
    if (!isApiError(error)) return t('app.error.generic', { code: 'INTERNAL' });
    switch (error.code) {
      case 'METHOD_UNAVAILABLE': {
        const reason = detailString(error, 'reason');
        return t('fb.error.METHOD_UNAVAILABLE', {
          reason: reason ? reasonText(t, formatDateTime, { code: reason as never, until: null }) : '',
        });
      }
      case 'TOO_MANY_FAILURES': {
        const until = new Date(Date.now() + (error.retryAfterSeconds ?? 3600) * 1000).toISOString();
        return t('fb.error.TOO_MANY_FAILURES', { time: formatDateTime(until) });
      }
      case 'RESEND_LIMITED':
      case 'RATE_LIMITED':
      case 'DELIVERY_FAILED':
      case 'VERIFICATION_EXPIRED':
      case 'VERIFICATION_NOT_PENDING':
      case 'CODE_REPLAYED':
        return t(`fb.error.${error.code}`);
      case 'NETWORK':
      case 'UNAUTHENTICATED':
      case 'FORBIDDEN':
      case 'NOT_FOUND':
        return t(`app.error.${error.code}`);
      default:
        return t('app.error.generic', { code: error.code });
    }
  };
}

/** The green result, as the push panel shows it: the method and the assurance it gives. */
export function PassedResult({
  method,
  assurance,
  focusRef,
  onDone,
}: {
  method: MethodName;
  assurance: Assurance;
  focusRef?: RefObject<HTMLHeadingElement | null>;
  onDone: () => void;
}) {
  const { t } = useI18n();
  return (
    <div
      className="result result-approved"
      role="status"
      data-result="approved"
      data-testid="fallback-result"
    >
      <span className="result-icon" aria-hidden="true">
        ✓
      </span>
      <h3 ref={focusRef} tabIndex={-1}>
        {t('fb.passed')}
      </h3>
      <p>
        {t('fb.passedDetail', {
          method: t(methodKey(method)),
          assurance: t(`verify.assurance.${assurance}`),
        })}
      </p>
      {assurance === 'low' && <p className="fb-weak">{t('fb.weak')}</p>}
      <div className="actions">
        <button type="button" className="button" onClick={onDone}>
          {t('verify.newVerification')}
        </button>
      </div>
    </div>
  );
}

/** "Next method: …", or the advice when none is left. */
export function NextMethodAction({
  next,
  onUse,
}: {
  next: MethodOption | null;
  onUse: (method: MethodName) => void;
}) {
  const { t } = useI18n();
  if (!next) return <p data-testid="fallback-none">{t('fb.none')}</p>;
  return (
    <button
      type="button"
      className="button primary"
      data-testid="fallback-next"
      onClick={() => onUse(next.method)}
    >
      {t('fb.next', { method: t(methodKey(next.method)) })}
    </button>
  );
}
