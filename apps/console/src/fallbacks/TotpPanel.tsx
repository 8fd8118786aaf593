import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { FallbackApi, FallbackResult } from './api.ts';
import { PassedResult, useFallbackErrorText } from './shared.tsx';

/** The texts of each kind of six-digit time-based code. */
const texts = {
  totp: {
    intro: 'fb.totp.intro',
    say: 'fb.totp.say',
    codeLabel: 'fb.totp.codeLabel',
    wrong: 'fb.totp.wrong',
  },
  app_code: {
    intro: 'fb.appCode.intro',
    say: 'fb.appCode.say',
    codeLabel: 'fb.appCode.codeLabel',
    wrong: 'fb.appCode.wrong',
  },
} as const;

/**
 * A time-based code (RFC 6238) the caller reads out and the agent types: from an authenticator
 * app (`totp`), or the offline code of the customer's enrolled app (`app_code`), which works when
 * the phone has no connection.
 */
export function TotpPanel({
  api,
  customerId,
  action,
  tenantName,
  onPassed,
  onFailed,
  onDone,
  nextAction,
  kind = 'totp',
}: {
  kind?: 'totp' | 'app_code';
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
      const verify = kind === 'app_code' ? api.verifyAppCode : api.verifyTotp;
      setResult(await verify(customerId, code.trim(), action));
      onPassed();
    } catch (err) {
      setCode('');
      if (isApiError(err, 'WRONG_CODE')) setMessage({ kind: 'warning', text: t(texts[kind].wrong) });
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
      <div className="fb-panel" data-testid={`fallback-${kind}`}>
        <PassedResult method={kind} assurance={result.assurance} focusRef={resultHeading} onDone={onDone} />
      </div>
    );
  }
  return (
    <div className="fb-panel" data-testid={`fallback-${kind}`}>
      <p>{t(texts[kind].intro, { tenant: tenantName })}</p>
      <p className="say">
        <span className="say-label">{t('fb.say')}</span>{' '}
        <q data-testid="fallback-sentence">{t(texts[kind].say, { tenant: tenantName })}</q>
      </p>
      {!blocked && (
        <form className="fb-code-form" onSubmit={(e) => void check(e)}>
          <label className="field" htmlFor={`${ids}-code`}>
            <span>{t(texts[kind].codeLabel)}</span>
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
