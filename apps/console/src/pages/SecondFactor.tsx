/**
 * The operator's second factor: a passkey (WebAuthn, through @simplewebauthn/browser) or the code
 * of an authenticator app after the password (while the session waits for it the server allows
 * nothing else, SECOND_FACTOR_REQUIRED), and setting one up, at sign-in where the tenant requires
 * it or later from the account page. A lost phone or key is an admin's reset (Operators page),
 * never something a session with only the password can do.
 */
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import QRCode from 'qrcode';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { SecondFactorStatus, Session, TotpSetup } from '../api/types.ts';
import { PageHeading, useErrorText } from '../components/common.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n.tsx';

/** The code field and its problem, told on the field and announced. */
function CodeForm({
  submitLabel,
  onSubmit,
  autoFocus,
}: {
  submitLabel: string;
  onSubmit: (code: string) => Promise<void>;
  autoFocus: boolean;
}) {
  const { t } = useI18n();
  const generic = useErrorText();
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const digits = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits)) {
      setProblem(t('mfa.error.format'));
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(digits);
    } catch (err) {
      setProblem(
        isApiError(err, 'WRONG_CODE', 'CODE_REPLAYED', 'RATE_LIMITED')
          ? t(`mfa.error.${err.code as 'WRONG_CODE' | 'CODE_REPLAYED' | 'RATE_LIMITED'}`)
          : generic(err),
      );
      setCode('');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card settings" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={`${id}-code`}>{t('mfa.code')}</label>
        <input
          ref={input}
          id={`${id}-code`}
          name="code"
          className="mono code-input"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          value={code}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(e) => setCode(e.target.value)}
        />
        <span className="field-problem" id={`${id}-problem`} role="alert">
          {problem ?? ''}
        </span>
      </div>
      <button type="submit" className="button primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** What a failed passkey prompt means to the operator. */
function usePasskeyError() {
  const { t } = useI18n();
  const generic = useErrorText();
  return (error: unknown): string => {
    if (isApiError(error, 'WEBAUTHN_ASSERTION_FAILED', 'WEBAUTHN_REGISTRATION_FAILED'))
      return t('mfa.error.passkey');
    if (isApiError(error, 'RATE_LIMITED')) return t('mfa.error.RATE_LIMITED');
    if (isApiError(error)) return generic(error);
    // The browser's refusals: the prompt was closed, timed out, or the key is already registered.
    return t('mfa.error.passkeyCancelled');
  };
}

/** A button that runs a passkey prompt, with its outcome told next to it. */
function PasskeyButton({
  label,
  run,
  primary,
  autoFocus,
}: {
  label: string;
  run: () => Promise<void>;
  primary: boolean;
  autoFocus: boolean;
}) {
  const { t } = useI18n();
  const describe = usePasskeyError();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (autoFocus) button.current?.focus();
  }, [autoFocus]);
  if (!browserSupportsWebAuthn()) return <p className="muted">{t('mfa.error.passkeyUnsupported')}</p>;
  return (
    <div className="passkey">
      <button
        ref={button}
        type="button"
        className={primary ? 'button primary' : 'button'}
        disabled={busy}
        onClick={async () => {
          setError(null);
          setBusy(true);
          try {
            await run();
          } catch (err) {
            setError(describe(err));
            button.current?.focus();
          } finally {
            setBusy(false);
          }
        }}
      >
        {label}
      </button>
      <p className="field-problem passkey-problem" role="alert">
        {error ?? ''}
      </p>
    </div>
  );
}

/** Creating a passkey: the browser's prompt, then the server keeps the credential. */
function CreatePasskey({
  api,
  onCreated,
  primary,
  label,
}: {
  api: ConsoleApi;
  onCreated: () => Promise<void> | void;
  primary: boolean;
  label?: string;
}) {
  const { t } = useI18n();
  return (
    <PasskeyButton
      label={label ?? t('mfa.createPasskey')}
      primary={primary}
      autoFocus={false}
      run={async () => {
        const { options } = await api.passkeyRegistrationOptions();
        const response = await startRegistration({ optionsJSON: options });
        await api.registerPasskey(
          response,
          navigator.platform ? `Passkey (${navigator.platform})` : 'Passkey',
        );
        await onCreated();
      }}
    />
  );
}

/** Setting up an authenticator app: the QR code and key (shown once), then a first code. */
export function TotpEnrolment({
  api,
  onEnrolled,
}: {
  api: ConsoleApi;
  onEnrolled: () => Promise<void> | void;
}) {
  const { t } = useI18n();
  const generic = useErrorText();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const start = async () => {
    setError(null);
    try {
      const started = await api.startTotp();
      setSetup(started);
      setQr(await QRCode.toDataURL(started.otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 220 }));
    } catch (err) {
      setError(generic(err));
    }
  };

  return (
    <div>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {!setup ? (
        <button type="button" className="button primary" onClick={() => void start()}>
          {t('mfa.start')}
        </button>
      ) : (
        <>
          <p>{t('mfa.scan')}</p>
          {qr && <img src={qr} width={220} height={220} alt={t('mfa.qrAlt')} className="totp-qr" />}
          <SecretOnce
            text={t('mfa.key')}
            secret={setup.secret}
            what={t('mfa.secretName')}
            testId="totp-secret"
          />
          <CodeForm
            submitLabel={t('mfa.confirm')}
            autoFocus={false}
            onSubmit={async (code) => {
              await api.confirmTotp(code);
              await onEnrolled();
            }}
          />
        </>
      )}
    </div>
  );
}

/** The page a session sees while it waits for the second factor (or its set-up). */
export function SecondFactorGate({
  api,
  session,
  onSession,
}: {
  api: ConsoleApi;
  session: Session;
  /** The session after the step: it may work now. */
  onSession: (session: Session) => void;
}) {
  const { t } = useI18n();
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const reload = async () => onSession(await api.session());
  useEffect(() => {
    api.secondFactor().then(setStatus, () => setStatus({ required: false, totp: true, passkeys: 0 }));
  }, [api]);

  if (session.pendingStep === 'second_factor_enrolment') {
    return (
      <div className="account">
        <PageHeading>{t('mfa.enrolTitle')}</PageHeading>
        <p className="notice warning">{t('mfa.enrolRequired')}</p>
        <p>{t('mfa.passkeyExplain')}</p>
        <CreatePasskey api={api} onCreated={reload} primary={true} />
        <h2 className="or-heading">{t('mfa.orApp')}</h2>
        <p>{t('mfa.enrolIntro')}</p>
        <TotpEnrolment api={api} onEnrolled={reload} />
      </div>
    );
  }
  if (!status) return <p className="muted">{t('app.loading')}</p>;
  const passkeys = status.passkeys > 0;
  return (
    <div className="account">
      <PageHeading>{passkeys ? t('mfa.passkeyTitle') : t('mfa.verifyTitle')}</PageHeading>
      {passkeys && (
        <>
          <p>{t('mfa.passkeyIntro')}</p>
          <PasskeyButton
            label={t('mfa.usePasskey')}
            primary={true}
            autoFocus={true}
            run={async () => {
              const { options } = await api.passkeyAssertionOptions();
              const response = await startAuthentication({ optionsJSON: options });
              await api.verifyPasskey(response);
              await reload();
            }}
          />
        </>
      )}
      {status.totp && (
        <>
          <p>{passkeys ? t('mfa.orCode') : t('mfa.verifyIntro', { tenant: session.tenant.name })}</p>
          <CodeForm
            submitLabel={t('mfa.verify')}
            autoFocus={!passkeys}
            onSubmit={async (code) => {
              await api.verifySecondFactor(code);
              await reload();
            }}
          />
        </>
      )}
      <p className="muted">{t('mfa.lost')}</p>
    </div>
  );
}

/** The account page's section: which factors are set up, and adding one. */
export function SecondFactorSection({ api }: { api: ConsoleApi }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = () => api.secondFactor().then(setStatus, () => setStatus(null));
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once
  useEffect(() => {
    void load();
  }, [api]);
  if (!status) return null;
  return (
    <section className="account-section" aria-labelledby="second-factor-heading">
      <h2 id="second-factor-heading">{t('mfa.status')}</h2>
      {done && (
        <p className="notice ok" role="status">
          {done}
        </p>
      )}
      {status.passkeys > 0 && <p>{t('mfa.passkeysOn', { count: status.passkeys })}</p>}
      {status.totp && <p>{t('mfa.statusOn')}</p>}
      {status.passkeys === 0 && !status.totp && <p>{t('mfa.statusOff')}</p>}
      <p className="muted">{t('mfa.passkeyExplain')}</p>
      <CreatePasskey
        api={api}
        primary={status.passkeys === 0}
        label={status.passkeys > 0 ? t('mfa.addPasskey') : t('mfa.createPasskey')}
        onCreated={async () => {
          setDone(t('mfa.passkeyAdded'));
          await load();
        }}
      />
      {!status.totp && (
        <>
          <h3 className="or-heading">{t('mfa.orApp')}</h3>
          <TotpEnrolment
            api={api}
            onEnrolled={async () => {
              setDone(t('mfa.enrolled'));
              await load();
            }}
          />
        </>
      )}
    </section>
  );
}
