import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { VerifyBackend } from '../api/client.ts';
import type { Session, VerificationDetail } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { VerifyPanel } from '../verify/VerifyPanel.tsx';
import { type CustomerMethods, createFallbackApi, type MethodName } from './api.ts';
import { FallbackOfferContext, type PushSituation } from './FallbackSlot.tsx';
import { MethodList } from './MethodList.tsx';
import { OtpPanel } from './OtpPanel.tsx';
import { SecurityQuestionsPanel } from './SecurityQuestionsPanel.tsx';
import { defaultActions, methodKey, NextMethodAction, nextMethod } from './shared.tsx';
import { TotpPanel } from './TotpPanel.tsx';
import './fallbacks.css';

/** Push first when the policy recommends it (or cannot be asked); otherwise the recommended method. */
function initialMethod(methods: CustomerMethods | null): MethodName {
  return methods?.recommended && methods.recommended !== 'push' ? methods.recommended : 'push';
}

/**
 * Verifying a caller on the customer page: the push panel, or the fallback method the policy
 * recommends for this caller and action, the list of every method with why it is unavailable,
 * and, when one method fails, the next one the policy allows (docs/fallbacks.md).
 */
export function CallerVerification({
  backend,
  session,
  customerId,
  hasDevice,
  onEnroll,
  onFinished,
  onRecorded,
  autoFocus,
}: {
  backend: VerifyBackend;
  session: Session;
  customerId: string;
  hasDevice: boolean;
  onEnroll?: () => void;
  onFinished?: (verification: VerificationDetail) => void;
  /** A fallback method's check passed or failed: it is a verification now (history, recent list). */
  onRecorded?: () => void;
  autoFocus?: boolean;
}) {
  const { t } = useI18n();
  const ids = useId();
  const api = useMemo(() => createFallbackApi(session.csrfToken), [session.csrfToken]);
  const [action, setAction] = useState('verify_caller');
  const [methods, setMethods] = useState<CustomerMethods | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [active, setActive] = useState<MethodName>('push');
  const [tried, setTried] = useState<ReadonlySet<MethodName>>(new Set());
  const [attempt, setAttempt] = useState(0);
  // The push request last started here, so that moving on to another method withdraws it from
  // the customer's phone instead of leaving it waiting there.
  const lastPush = useRef<string | null>(null);
  const pushBackend = useMemo<VerifyBackend>(
    () => ({
      ...backend,
      start: async (input) => {
        const started = await backend.start(input);
        lastPush.current = started.id;
        return started;
      },
    }),
    [backend],
  );

  const refresh = useCallback(async () => {
    try {
      const found = await api.methods(customerId, action);
      setMethods(found);
      return found;
    } catch {
      // Without the list (an older server, a network blip) the push panel still works.
      setMethods(null);
      return null;
    } finally {
      setLoaded(true);
    }
  }, [api, customerId, action]);

  // A new customer, action or device: start again from the method the policy recommends.
  // biome-ignore lint/correctness/useExhaustiveDependencies: an enrolled device changes what push offers
  useEffect(() => {
    let current = true;
    void refresh().then((found) => {
      if (!current) return;
      setActive(initialMethod(found));
      setTried(new Set());
    });
    return () => {
      current = false;
    };
  }, [refresh, hasDevice]);

  const use = useCallback(
    (method: MethodName) => {
      if (active === 'push' && lastPush.current) {
        // Already final (expired, denied): the server refuses, which is fine.
        void backend.cancel(lastPush.current).catch(() => {});
        lastPush.current = null;
      }
      setTried((current) => new Set([...current, active]));
      setActive(method);
      setAttempt((n) => n + 1);
    },
    [active, backend],
  );

  const failed = useCallback(() => {
    setTried((current) => new Set([...current, active]));
    void refresh();
  }, [active, refresh]);

  const pushFinished = useCallback(
    (verification: VerificationDetail) => {
      void refresh();
      onFinished?.(verification);
    },
    [refresh, onFinished],
  );

  const offer = useCallback(
    (situation: PushSituation) => {
      const next = nextMethod(methods, 'push', tried);
      return (
        <div className="fb-offer" data-testid="fallback-offer">
          <h4>{t('fb.offer.title')}</h4>
          {situation === 'denied' && <p>{t('fb.offer.denied')}</p>}
          {next ? (
            <button type="button" className="button primary" onClick={() => use(next.method)}>
              {t('fb.next', { method: t(methodKey(next.method)) })}
            </button>
          ) : (
            <p>{t('fb.offer.none')}</p>
          )}
        </div>
      );
    },
    [methods, tried, use, t],
  );

  if (!loaded) return <p className="muted">{t('app.loading')}</p>;

  const next = <NextMethodAction next={nextMethod(methods, active, tried)} onUse={use} />;
  const panelProps = {
    api,
    customerId,
    action,
    onPassed: () => {
      void refresh();
      onRecorded?.();
    },
    onFailed: () => {
      failed();
      onRecorded?.();
    },
    onDone: () => {
      setActive(initialMethod(methods));
      setTried(new Set());
      setAttempt((n) => n + 1);
    },
    nextAction: next,
  };
  const option = methods?.methods.find((m) => m.method === active);

  return (
    <>
      {active === 'push' ? (
        <FallbackOfferContext.Provider value={offer}>
          <VerifyPanel
            backend={pushBackend}
            customerId={customerId}
            tenantName={session.tenant.name}
            hasDevice={hasDevice}
            onFinished={pushFinished}
            {...(autoFocus ? { autoFocus } : {})}
            {...(onEnroll ? { onEnroll } : {})}
          />
        </FallbackOfferContext.Provider>
      ) : (
        <section
          key={`${active}-${attempt}-${action}`}
          className="verify-panel fb-method-panel"
          aria-labelledby={`${ids}-method`}
          data-method={active}
        >
          <h2 id={`${ids}-method`}>
            {t(methodKey(active))}
            {option && (
              <span className="fb-assurance muted">
                {t('fb.methods.assurance', { assurance: t(`verify.assurance.${option.assurance}`) })}
              </span>
            )}
          </h2>
          {active === 'sms_otp' && <OtpPanel {...panelProps} channel="sms" />}
          {active === 'email_otp' && <OtpPanel {...panelProps} channel="email" />}
          {active === 'totp' && <TotpPanel {...panelProps} tenantName={session.tenant.name} />}
          {active === 'app_code' && (
            <TotpPanel {...panelProps} tenantName={session.tenant.name} kind="app_code" />
          )}
          {active === 'security_questions' && <SecurityQuestionsPanel {...panelProps} />}
        </section>
      )}
      <MethodList
        methods={methods}
        actions={defaultActions}
        action={action}
        active={active}
        onAction={setAction}
        onUse={use}
      />
    </>
  );
}
