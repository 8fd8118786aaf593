/**
 * Changing one's own password (`#/account`), and the forced change of a generated one: an
 * operator whose password someone else generated sees only this page until they choose their own
 * (the server refuses everything else, PASSWORD_CHANGE_REQUIRED). The rules are the server's
 * (NIST SP 800-63B rev 4: length, not common, not the e-mail address); the page checks the
 * length and the repetition before sending, so the common mistakes are told at once.
 */
import { type FormEvent, useId, useRef, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { PageHeading, useErrorText } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { SecondFactorSection } from './SecondFactor.tsx';

/** As the server's rule (platform/passwords.ts). */
const minimumLength = 15;

type FieldName = 'currentPassword' | 'newPassword' | 'repeat';

function PasswordField({
  name,
  label,
  value,
  onChange,
  problem,
  describedBy,
  autoComplete,
  inputRef,
}: {
  name: FieldName;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem: string | null;
  describedBy?: string;
  autoComplete: 'current-password' | 'new-password';
  inputRef: React.RefObject<HTMLInputElement | null>;
}) {
  const id = useId();
  const described = [problem ? `${id}-problem` : null, describedBy ?? null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        ref={inputRef}
        id={`${id}-input`}
        name={name}
        type="password"
        value={value}
        autoComplete={autoComplete}
        required
        maxLength={1024}
        aria-invalid={problem ? true : undefined}
        aria-describedby={described || undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {problem && (
        <span className="field-problem" id={`${id}-problem`}>
          {problem}
        </span>
      )}
    </div>
  );
}

export function ChangePassword({
  api,
  session,
  forced,
  onSignedOut,
}: {
  api: ConsoleApi;
  session: Session;
  /** The operator still has a generated password: nothing else is offered until it is changed. */
  forced: boolean;
  /** The change ended every session: back to the sign-in page. */
  onSignedOut: () => void;
}) {
  const { t } = useI18n();
  const generic = useErrorText();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problems, setProblems] = useState<Partial<Record<FieldName, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const rulesId = useId();
  const refs = {
    currentPassword: useRef<HTMLInputElement>(null),
    newPassword: useRef<HTMLInputElement>(null),
    repeat: useRef<HTMLInputElement>(null),
  };

  const refuse = (field: FieldName, text: string) => {
    setProblems({ [field]: text });
    refs[field].current?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setProblems({});
    if ([...next].length < minimumLength) return refuse('newPassword', t('password.error.tooShort'));
    if (next === current) return refuse('newPassword', t('password.error.same'));
    if (repeat !== next) return refuse('repeat', t('password.error.mismatch'));
    setBusy(true);
    try {
      await api.changePassword(current, next);
      setDone(true);
    } catch (err) {
      if (isApiError(err, 'INVALID_CREDENTIALS'))
        refuse('currentPassword', t('password.error.INVALID_CREDENTIALS'));
      else if (isApiError(err, 'VALIDATION_FAILED'))
        refuse('newPassword', t('password.error.VALIDATION_FAILED', { message: err.message }));
      else if (isApiError(err, 'RATE_LIMITED')) setError(t('password.error.RATE_LIMITED'));
      else setError(generic(err));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="account">
        <PageHeading>{forced ? t('password.forcedTitle') : t('password.title')}</PageHeading>
        <p className="notice ok" role="status" data-testid="password-changed">
          {t('password.changed')}
        </p>
        <button type="button" className="button primary" onClick={onSignedOut}>
          {t('signIn.submit')}
        </button>
      </div>
    );
  }

  const problemText = Object.values(problems)[0];
  return (
    <div className="account">
      <PageHeading>{forced ? t('password.forcedTitle') : t('password.title')}</PageHeading>
      {forced && <p className="notice warning">{t('password.forcedIntro')}</p>}
      <p className="muted">{session.operator.email}</p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {/* One live announcement for the field's problem; the field itself is described by it. */}
      <p className="visually-hidden" role="alert">
        {problemText ?? ''}
      </p>
      <form className="card settings" onSubmit={submit} noValidate>
        {/* Password managers fill the right account when the form names it. */}
        <input
          type="email"
          name="username"
          autoComplete="username"
          value={session.operator.email}
          readOnly
          hidden
        />
        <PasswordField
          name="currentPassword"
          label={t('password.current')}
          value={current}
          onChange={setCurrent}
          problem={problems.currentPassword ?? null}
          autoComplete="current-password"
          inputRef={refs.currentPassword}
        />
        <PasswordField
          name="newPassword"
          label={t('password.new')}
          value={next}
          onChange={setNext}
          problem={problems.newPassword ?? null}
          describedBy={rulesId}
          autoComplete="new-password"
          inputRef={refs.newPassword}
        />
        <p id={rulesId} className="muted small-text">
          {t('password.rules')}
        </p>
        <PasswordField
          name="repeat"
          label={t('password.repeat')}
          value={repeat}
          onChange={setRepeat}
          problem={problems.repeat ?? null}
          autoComplete="new-password"
          inputRef={refs.repeat}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {t('password.submit')}
        </button>
      </form>
      {!forced && <SecondFactorSection api={api} />}
    </div>
  );
}
