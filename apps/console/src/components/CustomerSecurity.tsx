// The customer page's set-up of the fallback factors: an authenticator app (TOTP) and security
// questions. For operators who may change customers.
import QRCode from 'qrcode';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { TotpEnrollment } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ConfirmDialog } from '../pages/fraud.tsx';
import { useErrorText } from './common.tsx';

interface Status {
  totp: { enrolled: boolean; activatedAt: string | null };
  questions: number;
}

/**
 * The secret of a new authenticator app is shown once, as a QR code and as a key to copy, until
 * the customer confirms it with a code from the app. Removing the app asks first. Questions and
 * answers are replaced as a whole; answers are never shown back (the server keeps only hashes).
 */
export function CustomerSecurity({
  api,
  customerId,
  tenantName,
  onChanged,
}: {
  api: ConsoleApi;
  customerId: string;
  tenantName: string;
  /** The methods the customer has changed: the verification panel reads what it offers again. */
  onChanged: () => void;
}) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeProblem, setCodeProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [questions, setQuestions] = useState([{ question: '', answer: '' }]);
  const [questionProblem, setQuestionProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const [totp, q] = await Promise.all([api.totpStatus(customerId), api.securityQuestions(customerId)]);
      setStatus({ totp, questions: q.questions.length });
    } catch (err) {
      setError(err);
    }
  }, [api, customerId]);

  useEffect(() => {
    void load();
  }, [load]);

  const startTotp = async () => {
    setDone(null);
    setError(null);
    setBusy(true);
    try {
      const started = await api.startCustomerTotp(customerId);
      setQr(await QRCode.toDataURL(started.otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 220 }));
      setEnrollment(started);
      setCode('');
      setCodeProblem(null);
      setCopied(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const confirmTotp = async (event: FormEvent) => {
    event.preventDefault();
    if (!enrollment) return;
    setBusy(true);
    setCodeProblem(null);
    try {
      await api.confirmCustomerTotp(customerId, enrollment.enrollmentId, code.trim());
      setEnrollment(null);
      setQr(null);
      // The status first, then the sentence: what is announced is what the card shows.
      await load();
      setDone(t('sec.totp.done'));
      onChanged();
    } catch (err) {
      setCodeProblem(
        isApiError(err, 'WRONG_CODE') || isApiError(err, 'VALIDATION_FAILED')
          ? t('sec.totp.WRONG_CODE')
          : errorText(err),
      );
    } finally {
      setBusy(false);
    }
  };

  const copyKey = async () => {
    if (!enrollment) return;
    try {
      await navigator.clipboard.writeText(enrollment.secret);
      setCopied(true);
    } catch {
      // The key stays visible to copy by hand.
    }
  };

  const saveQuestions = async (event: FormEvent) => {
    event.preventDefault();
    setQuestionProblem(null);
    const cleaned = questions.map((q) => ({ question: q.question.trim(), answer: q.answer }));
    if (cleaned.some((q) => q.question.length < 5 || q.question.length > 200 || !q.answer.trim())) {
      setQuestionProblem(t('sec.q.invalid'));
      return;
    }
    setBusy(true);
    try {
      await api.setSecurityQuestions(customerId, cleaned);
      setEditing(false);
      setQuestions([{ question: '', answer: '' }]);
      await load();
      setDone(t('sec.q.saved'));
      onChanged();
    } catch (err) {
      setQuestionProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      className="card customer-security"
      aria-labelledby={`${ids}-heading`}
      data-testid="customer-security"
    >
      <h2 id={`${ids}-heading`}>{t('sec.heading')}</h2>
      {error ? (
        <p className="notice error" role="alert">
          {errorText(error)}
        </p>
      ) : null}
      {done && (
        <p className="notice ok" role="status" data-testid="security-done">
          {done}
        </p>
      )}
      <h3>{t('sec.totp')}</h3>
      {status && (
        <p data-testid="totp-status">
          {status.totp.enrolled && status.totp.activatedAt
            ? t('sec.totp.active', { time: formatDateTime(status.totp.activatedAt) })
            : t('sec.totp.none')}
        </p>
      )}
      {enrollment && qr ? (
        <form className="totp-setup" onSubmit={(event) => void confirmTotp(event)}>
          <p>{t('sec.totp.scan')}</p>
          <img
            src={qr}
            alt={t('sec.totp.qrAlt', { tenant: tenantName })}
            width={220}
            height={220}
            className="qr"
          />
          <p>
            {t('sec.totp.key')}:{' '}
            <code className="mono secret" data-testid="totp-secret">
              {enrollment.secret}
            </code>{' '}
            <button type="button" className="button small" onClick={() => void copyKey()}>
              {t('app.copy')}
            </button>
            <span role="status">{copied ? ` ${t('app.copied')}` : ''}</span>
          </p>
          <div className="field">
            <label htmlFor={`${ids}-code`}>{t('sec.totp.code')}</label>
            <input
              id={`${ids}-code`}
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              value={code}
              aria-invalid={codeProblem ? true : undefined}
              aria-describedby={codeProblem ? `${ids}-code-problem` : undefined}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
            />
            {codeProblem && (
              <p id={`${ids}-code-problem`} className="field-problem" role="alert">
                {codeProblem}
              </p>
            )}
          </div>
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy || code.length !== 6}>
              {t('sec.totp.confirm')}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                setEnrollment(null);
                setQr(null);
              }}
            >
              {t('cf.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button type="button" className="button" disabled={busy} onClick={() => void startTotp()}>
            {status?.totp.enrolled ? t('sec.totp.replace') : t('sec.totp.setUp')}
          </button>
          {status?.totp.enrolled && (
            <button type="button" className="button danger" onClick={() => setConfirmRemove(true)}>
              {t('sec.totp.remove')}
            </button>
          )}
        </div>
      )}
      {confirmRemove && (
        <ConfirmDialog
          title={t('sec.totp.confirmRemove.title')}
          body={t('sec.totp.confirmRemove.body')}
          confirmLabel={t('sec.totp.confirmRemove.confirm')}
          onConfirm={async () => {
            await api.removeCustomerTotp(customerId);
            await load();
            setDone(t('sec.totp.removed'));
            onChanged();
          }}
          onClose={() => setConfirmRemove(false)}
        />
      )}

      <h3>{t('sec.q')}</h3>
      {status && (
        <p data-testid="questions-status">
          {status.questions ? t('sec.q.count', { count: status.questions }) : t('sec.q.none')}
        </p>
      )}
      {editing ? (
        <form onSubmit={(event) => void saveQuestions(event)} data-testid="questions-form">
          <p className="muted">{t('sec.q.hint')}</p>
          {questions.map((q, index) => {
            const n = index + 1;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: the rows have no identity but their place
              <fieldset key={index} className="question-row">
                <legend className="visually-hidden">{t('sec.q.question', { n })}</legend>
                <div className="field">
                  <label htmlFor={`${ids}-q${n}`}>{t('sec.q.question', { n })}</label>
                  <input
                    id={`${ids}-q${n}`}
                    value={q.question}
                    maxLength={200}
                    onChange={(e) =>
                      setQuestions((all) =>
                        all.map((x, i) => (i === index ? { ...x, question: e.target.value } : x)),
                      )
                    }
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${ids}-a${n}`}>{t('sec.q.answer', { n })}</label>
                  <input
                    id={`${ids}-a${n}`}
                    type="password"
                    autoComplete="off"
                    value={q.answer}
                    maxLength={200}
                    onChange={(e) =>
                      setQuestions((all) =>
                        all.map((x, i) => (i === index ? { ...x, answer: e.target.value } : x)),
                      )
                    }
                  />
                </div>
                {questions.length > 1 && (
                  <button
                    type="button"
                    className="button small"
                    onClick={() => setQuestions((all) => all.filter((_, i) => i !== index))}
                  >
                    {t('sec.q.removeOne', { n })}
                  </button>
                )}
              </fieldset>
            );
          })}
          {questionProblem && (
            <p className="field-problem" role="alert">
              {questionProblem}
            </p>
          )}
          <div className="actions">
            {questions.length < 10 && (
              <button
                type="button"
                className="button"
                onClick={() => setQuestions((all) => [...all, { question: '', answer: '' }])}
              >
                {t('sec.q.add')}
              </button>
            )}
            <button type="submit" className="button primary" disabled={busy}>
              {t('sec.q.save')}
            </button>
            <button type="button" className="button" onClick={() => setEditing(false)}>
              {t('cf.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button type="button" className="button" onClick={() => setEditing(true)}>
            {t('sec.q.edit')}
          </button>
        </div>
      )}
    </section>
  );
}
