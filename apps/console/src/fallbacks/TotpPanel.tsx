import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { FallbackApi, FallbackResult } from './api.ts';
import { PassedResult, useFallbackErrorText } from './shared.tsx';

/** An authenticator-app code (RFC 6238): the caller reads it out, the agent types it. */
export function TotpPanel({
  api,
  customerId,
  action,
  tenantName,
  onPassed,
  onFailed,
  onDone,
  nextAction,
}: {
  api: FallbackApi;
  customerId: string;
  action: string;
  tenantName: string;
  onPassed: () => void;
  onFailed: () => void;
  onDone: () => void;
  nextAction: React.ReactNode;
}) {
  const { t } = useI18n();
  const errorText = useFallbackErrorText();
  const ids = useId();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'warning' | 'error'; text: string } | null>(null);
  const [blocked, setBlocked] = useState(false);
  const [result, setResult] = useState<FallbackResult | null>(null);
  const codeField = useRef<HTMLInputElement>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    codeField.current?.focus();
  }, []);
  useEffect(() => {
    if (result) resultHeading.current?.focus();
  }, [result]);

  const check = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      setResult(await api.verifyTotp(customerId, code.trim(), action));
      onPassed();
    } catch (err) {
      setCode('');
      if (isApiError(err, 'WRONG_CODE')) setMessage({ kind: 'warning', text: t('fb.totp.wrong') });
      else if (isApiError(err, 'CODE_REPLAYED')) setMessage({ kind: 'warning', text: errorText(err) });
      else {
        setMessage({ kind: 'error', text: errorText(err) });
        if (isApiError(err, 'METHOD_UNAVAILABLE', 'TOO_MANY_FAILURES')) {
          setBlocked(true);
          onFailed();
        }
      }
      codeField.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    return (
      <div className="fb-panel" data-testid="fallback-totp">
        <PassedResult method="totp" assurance={result.assurance} focusRef={resultHeading} onDone={onDone} />
      </div>
    );
  }
  return (
    <div className="fb-panel" data-testid="fallback-totp">
      <p>{t('fb.totp.intro')}</p>
      <p className="say">
        <span className="say-label">{t('fb.say')}</span>{' '}
        <q data-testid="fallback-sentence">{t('fb.totp.say', { tenant: tenantName })}</q>
      </p>
      {!blocked && (
        <form className="fb-code-form" onSubmit={(e) => void check(e)}>
          <label className="field" htmlFor={`${ids}-code`}>
            <span>{t('fb.totp.codeLabel')}</span>
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
            />
            <button type="submit" className="button primary" disabled={busy || code.length !== 6}>
              {busy ? t('fb.otp.checking') : t('fb.otp.check')}
            </button>
          </div>
        </form>
      )}
      {message && (
        <p
          className={message.kind === 'warning' ? 'notice warning' : 'notice error'}
          role="alert"
          data-testid="fallback-error"
        >
          {message.text}
        </p>
      )}
      {blocked && <div className="actions">{nextAction}</div>}
    </div>
  );
}
