import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import { isApiError } from '../api/client.ts';
import type { ConsoleBootstrap, ErrorCode, Session, SignInOptions } from '../api/types.ts';
import { LanguageSwitch, useErrorText } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';

const ssoErrors = ['SSO_STATE_INVALID', 'SSO_FAILED', 'SSO_ACCESS_DENIED'] as const satisfies ErrorCode[];
type SsoError = (typeof ssoErrors)[number];

/** A refused single sign-on comes back as `#ssoError=<code>`; read it once and clear the address. */
function takeSsoError(): SsoError | null {
  const match = /^#ssoError=([A-Z_]+)$/.exec(window.location.hash);
  if (!match) return null;
  history.replaceState(null, '', window.location.pathname);
  return (ssoErrors as readonly string[]).includes(match[1]!) ? (match[1] as SsoError) : 'SSO_FAILED';
}

export function SignIn({ api, onSignedIn }: { api: ConsoleApi; onSignedIn: (session: Session) => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [bootstrap, setBootstrap] = useState<ConsoleBootstrap | null>(null);
  const [tenant, setTenant] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [ssoError] = useState(takeSsoError);
  const [error, setError] = useState<string | null>(() => (ssoError ? t(`signIn.error.${ssoError}`) : null));
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const passwordField = useRef<HTMLInputElement>(null);

  // The form appears once the server has said whether this is a demo, with the focus where the
  // agent types next: the password when the demo fills the rest, otherwise the organisation.
  // Focusing the organisation first and the password a moment later split whatever the agent
  // typed in between across both fields.
  const [ready, setReady] = useState(false);
  const focused = useRef(false);
  useEffect(() => {
    // A server that does not answer soon does not keep the form away: it shows without the demo.
    const fallback = setTimeout(() => setReady(true), 3000);
    api
      .bootstrap()
      .then((b) => {
        setBootstrap(b);
        if (b.demo) {
          setTenant((current) => current || b.demo!.tenant);
          setEmail((current) => current || b.demo!.email);
        }
      })
      .catch(() => {})
      .finally(() => setReady(true));
    return () => clearTimeout(fallback);
  }, [api]);
  // Once: a demo answer arriving after the form showed fills the fields but leaves the focus.
  useEffect(() => {
    if (!ready || focused.current) return;
    focused.current = true;
    (bootstrap?.demo ? passwordField : firstField).current?.focus();
  }, [ready, bootstrap]);

  // Offer single sign-on when the organisation has it (asked once the typing pauses).
  useEffect(() => {
    const slug = tenant.trim().toLowerCase();
    setOptions(null);
    if (!/^[a-z0-9-]{1,64}$/.test(slug)) return;
    let current = true;
    const timer = setTimeout(() => {
      api.signInOptions(slug).then(
        (found) => current && setOptions(found),
        () => {},
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, tenant]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(tenant.trim(), email.trim(), password));
    } catch (err) {
      setBusy(false);
      if (isApiError(err, 'INVALID_CREDENTIALS')) setError(t('signIn.error.INVALID_CREDENTIALS'));
      else if (isApiError(err, 'RATE_LIMITED'))
        setError(
          t('signIn.error.RATE_LIMITED', {
            seconds: (err as { retryAfterSeconds: number | null }).retryAfterSeconds ?? 60,
          }),
        );
      else setError(errorText(err));
      passwordField.current?.focus();
    }
  };

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <div className="sign-in-top">
          <p className="brand">{t('app.title')}</p>
          <LanguageSwitch />
        </div>
        <h1>{t('signIn.title')}</h1>
        {bootstrap?.demo && (
          <p className="notice info" data-testid="demo-hint">
            {t('signIn.demo', { tenant: bootstrap.demo.tenant, email: bootstrap.demo.email })}
          </p>
        )}
        {options?.sso && (
          <>
            <a className="button primary big sso" href={options.sso.startUrl}>
              {t('signIn.sso')}
            </a>
            <p className="muted">{t('signIn.or')}</p>
          </>
        )}
        {!ready && <p className="muted">{t('app.loading')}</p>}
        <form onSubmit={submit} hidden={!ready}>
          <label className="field">
            <span>{t('signIn.tenant')}</span>
            <input
              ref={firstField}
              name="tenant"
              autoComplete="organization"
              value={tenant}
              onChange={(e) => setTenant(e.target.value)}
              required
            />
          </label>
          <label className="field">
            <span>{t('signIn.email')}</span>
            <input
              name="email"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
            />
          </label>
          <label className="field">
            <span>{t('signIn.password')}</span>
            <input
              ref={passwordField}
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
          {error && (
            <p className="notice error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button primary big" disabled={busy}>
            {busy ? t('signIn.busy') : t('signIn.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
