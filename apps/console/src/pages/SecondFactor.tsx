/**
 * The operator's second factor: the code after the password (while the session waits for it the
 * server allows nothing else, SECOND_FACTOR_REQUIRED), and setting up an authenticator app, at
 * sign-in where the tenant requires one or later from the account page. A lost phone is an
 * admin's reset (Operators page), never something a session with only the password can do.
 */
import QRCode from 'qrcode';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { Session, TotpSetup } from '../api/types.ts';
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
  const reload = async () => onSession(await api.session());

  if (session.pendingStep === 'second_factor_enrolment') {
    return (
      <div className="account">
        <PageHeading>{t('mfa.enrolTitle')}</PageHeading>
        <p className="notice warning">{t('mfa.enrolRequired')}</p>
        <p>{t('mfa.enrolIntro')}</p>
        <TotpEnrolment api={api} onEnrolled={reload} />
      </div>
    );
  }
  return (
    <div className="account">
      <PageHeading>{t('mfa.verifyTitle')}</PageHeading>
      <p>{t('mfa.verifyIntro', { tenant: session.tenant.name })}</p>
      <CodeForm
        submitLabel={t('mfa.verify')}
        autoFocus={true}
        onSubmit={async (code) => {
          await api.verifySecondFactor(code);
          await reload();
        }}
      />
      <p className="muted">{t('mfa.lost')}</p>
    </div>
  );
}

/** The account page's section: whether an app is set up, and setting one up. */
export function SecondFactorSection({ api }: { api: ConsoleApi }) {
  const { t } = useI18n();
  const [enrolled, setEnrolled] = useState<boolean | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    api.secondFactor().then(
      (status) => setEnrolled(status.totp),
      () => setEnrolled(null),
    );
  }, [api]);
  if (enrolled === null) return null;
  return (
    <section className="account-section" aria-labelledby="second-factor-heading">
      <h2 id="second-factor-heading">{t('mfa.status')}</h2>
      {done ? (
        <p className="notice ok" role="status">
          {t('mfa.enrolled')}
        </p>
      ) : enrolled ? (
        <p>{t('mfa.statusOn')}</p>
      ) : (
        <>
          <p>{t('mfa.statusOff')}</p>
          <p className="muted">{t('mfa.enrolIntro')}</p>
          <TotpEnrolment api={api} onEnrolled={() => setDone(true)} />
        </>
      )}
    </section>
  );
}
