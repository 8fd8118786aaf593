import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { detailNumber, type FallbackApi, type MethodName, type OtpChallenge } from './api.ts';
import { PassedResult, useFallbackErrorText, useSecondsUntil } from './shared.tsx';

const deliveryStatuses = ['queued', 'sent', 'delivered', 'failed', 'undelivered'] as const;

/**
 * A one-time code by SMS or e-mail (docs/fallbacks.md): send it, tell the agent what to say,
 * take the code the caller reads out, and show the tries and new codes left. With delivery
 * `customer_link` the customer types the code on the page behind the link; the panel then follows
 * the challenge until it is verified.
 */
export function OtpPanel({
  api,
  customerId,
  action,
  channel,
  onPassed,
  onFailed,
  onDone,
  nextAction,
}: {
  api: FallbackApi;
  customerId: string;
  action: string;
  channel: 'sms' | 'email';
  onPassed: () => void;
  /** The method cannot help any more (failed, refused): the panel offers `nextAction`. */
  onFailed: () => void;
  onDone: () => void;
  nextAction: React.ReactNode;
}) {
  const { t, formatDateTime } = useI18n();
  const errorText = useFallbackErrorText();
  const ids = useId();
  const [challenge, setChallenge] = useState<OtpChallenge | null>(null);
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [wrong, setWrong] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [blocked, setBlocked] = useState(false);
  const codeField = useRef<HTMLInputElement>(null);
  const sendButton = useRef<HTMLButtonElement>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  const method: MethodName = channel === 'sms' ? 'sms_otp' : 'email_otp';
  const pending = challenge?.status === 'pending';
  const challengeId = challenge?.id;
  const resendIn = useSecondsUntil(challenge?.resendAvailableAt ?? null, pending);

  useEffect(() => {
    sendButton.current?.focus();
  }, []);
  useEffect(() => {
    if (challenge?.status === 'verified') resultHeading.current?.focus();
  }, [challenge?.status]);
  // A new code was sent: the agent types what the caller reads out.
  useEffect(() => {
    if (challengeId) codeField.current?.focus();
  }, [challengeId]);

  // With a link, the customer enters the code themselves: follow the challenge until it ends.
  const followLink = pending && challenge?.delivery === 'customer_link';
  const passed = useRef(onPassed);
  passed.current = onPassed;
  useEffect(() => {
    if (!followLink || !challengeId) return;
    const timer = setInterval(() => {
      api.getOtp(challengeId).then(
        (next) => {
          setChallenge(next);
          if (next.status === 'verified') passed.current();
        },
        () => {},
      );
    }, 2000);
    return () => clearInterval(timer);
  }, [api, followLink, challengeId]);

  const refusal = (err: unknown) => {
    setError(errorText(err));
    if (isApiError(err, 'METHOD_UNAVAILABLE', 'TOO_MANY_FAILURES', 'DELIVERY_FAILED', 'RATE_LIMITED')) {
      setBlocked(true);
      onFailed();
    }
  };

  const send = async () => {
    setBusy(true);
    setError(null);
    setWrong(null);
    setNotice(null);
    try {
      const started = await api.startOtp(customerId, channel, action);
      setChallenge(started);
      setCode('');
    } catch (err) {
      refusal(err);
    } finally {
      setBusy(false);
    }
  };

  const check = async (event: FormEvent) => {
    event.preventDefault();
    if (!challenge) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const result = await api.verifyOtp(challenge.id, code.trim());
      setChallenge(result);
      setWrong(null);
      if (result.status === 'verified') onPassed();
    } catch (err) {
      if (isApiError(err, 'WRONG_CODE')) {
        const left = detailNumber(err, 'attemptsLeft') ?? 0;
        setWrong(left);
        setCode('');
        if (left === 0) {
          setChallenge(
            await api.getOtp(challenge.id).catch(() => ({ ...challenge, status: 'failed' as const })),
          );
          onFailed();
        } else {
          setChallenge({ ...challenge, attemptsLeft: left });
          codeField.current?.focus();
        }
      } else if (isApiError(err, 'VERIFICATION_EXPIRED', 'VERIFICATION_NOT_PENDING')) {
        setError(errorText(err));
        setChallenge(
          await api.getOtp(challenge.id).catch(() => ({ ...challenge, status: 'expired' as const })),
        );
      } else {
        refusal(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    if (!challenge) return;
    setBusy(true);
    setError(null);
    setWrong(null);
    try {
      setChallenge(await api.resendOtp(challenge.id));
      setNotice(t('fb.otp.resent'));
      setCode('');
      codeField.current?.focus();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!challenge) return;
    try {
      setChallenge(await api.cancelOtp(challenge.id));
    } catch (err) {
      setError(errorText(err));
    }
  };

  const lastDelivery = challenge?.deliveries.at(-1);
  const deliveryText =
    lastDelivery && (deliveryStatuses as readonly string[]).includes(lastDelivery.status)
      ? t(`fb.otp.delivery.${lastDelivery.status as (typeof deliveryStatuses)[number]}`)
      : (lastDelivery?.status ?? '');

  return (
    <div className="fb-panel" data-testid={`fallback-${method}`}>
      {!challenge && (
        <>
          <p>{t(channel === 'sms' ? 'fb.otp.intro.sms' : 'fb.otp.intro.email')}</p>
          {error && (
            <p className="notice error" role="alert" data-testid="fallback-error">
              {error}
            </p>
          )}
          {blocked ? (
            <div className="actions">{nextAction}</div>
          ) : (
            <button
              ref={sendButton}
              type="button"
              className="button primary big"
              disabled={busy}
              onClick={() => void send()}
            >
              {busy ? t('fb.otp.sending') : t(channel === 'sms' ? 'fb.otp.send.sms' : 'fb.otp.send.email')}
            </button>
          )}
        </>
      )}

      {challenge && pending && (
        <>
          <p className="say">
            <span className="say-label">{t('fb.say')}</span>{' '}
            <q data-testid="fallback-sentence">
              {t(
                challenge.delivery === 'customer_link'
                  ? channel === 'sms'
                    ? 'fb.otp.sayLink.sms'
                    : 'fb.otp.sayLink.email'
                  : channel === 'sms'
                    ? 'fb.otp.sayRead.sms'
                    : 'fb.otp.sayRead.email',
                { destination: challenge.destination },
              )}
            </q>
          </p>
          <p className="muted">
            {t('fb.otp.validUntil', { time: formatDateTime(challenge.expiresAt) })}{' '}
            {deliveryText && t('fb.otp.delivery', { status: deliveryText })}
          </p>
          {challenge.delivery === 'customer_link' ? (
            <p className="notice info" role="status">
              {t('fb.otp.waitingLink')}
            </p>
          ) : (
            <form className="fb-code-form" onSubmit={(e) => void check(e)}>
              <label className="field" htmlFor={`${ids}-code`}>
                <span>{t('fb.otp.codeLabel')}</span>
              </label>
              <div className="fb-code-row">
                <input
                  id={`${ids}-code`}
                  ref={codeField}
                  className="fb-code-input"
                  inputMode="numeric"
                  autoComplete="off"
                  pattern="[0-9]{6}"
                  maxLength={6}
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
                  aria-describedby={`${ids}-tries`}
                />
                <button type="submit" className="button primary" disabled={busy || code.length !== 6}>
                  {busy ? t('fb.otp.checking') : t('fb.otp.check')}
                </button>
              </div>
              <p id={`${ids}-tries`} className="fb-tries" data-testid="fallback-tries">
                {t('fb.otp.triesLeft', {
                  attemptsLeft: challenge.attemptsLeft,
                  maxAttempts: challenge.maxAttempts,
                })}
              </p>
            </form>
          )}
          <div role="status" aria-live="polite">
            {wrong !== null && wrong > 0 && (
              <p className="notice warning" data-testid="fallback-wrong">
                {t('fb.otp.wrong', { attemptsLeft: wrong })}
              </p>
            )}
            {notice && <p className="notice info">{notice}</p>}
          </div>
          {error && (
            <p className="notice error" role="alert" data-testid="fallback-error">
              {error}
            </p>
          )}
          <div className="actions">
            <button
              type="button"
              className="button"
              disabled={busy || challenge.resendsLeft === 0 || resendIn > 0}
              onClick={() => void resend()}
            >
              {t('fb.otp.resend')}
            </button>
            <button type="button" className="button" onClick={() => void cancel()}>
              {t('fb.otp.cancel')}
            </button>
          </div>
          <p className="muted small" data-testid="fallback-resends">
            {challenge.resendsLeft === 0
              ? t('fb.otp.noResends')
              : resendIn > 0
                ? `${t('fb.otp.resendIn', { seconds: resendIn })} ${t('fb.otp.resendsLeft', { count: challenge.resendsLeft })}`
                : t('fb.otp.resendsLeft', { count: challenge.resendsLeft })}
          </p>
        </>
      )}

      {challenge?.status === 'verified' && (
        <PassedResult
          method={method}
          assurance={challenge.assurance}
          focusRef={resultHeading}
          onDone={onDone}
        />
      )}

      {challenge &&
        (challenge.status === 'failed' ||
          challenge.status === 'expired' ||
          challenge.status === 'cancelled') && (
          <div
            className={challenge.status === 'failed' ? 'result result-denied' : 'result result-expired'}
            role="alert"
            data-result={challenge.status}
            data-testid="fallback-result"
          >
            {challenge.status === 'failed' && (
              <span className="result-icon" aria-hidden="true">
                ✕
              </span>
            )}
            <h3>
              {challenge.status === 'failed'
                ? t('fb.otp.failed')
                : challenge.status === 'expired'
                  ? t('fb.otp.expired')
                  : t('fb.otp.cancelled')}
            </h3>
            {challenge.status === 'failed' && <p>{t('fb.otp.failedHelp')}</p>}
            <div className="actions">
              {challenge.status === 'failed' ? (
                nextAction
              ) : (
                <>
                  <button type="button" className="button primary" onClick={() => void send()}>
                    {t('fb.otp.startOver')}
                  </button>
                  {nextAction}
                </>
              )}
            </div>
          </div>
        )}
    </div>
  );
}
