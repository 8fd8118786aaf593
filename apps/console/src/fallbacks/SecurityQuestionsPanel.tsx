import { type FormEvent, useEffect, useRef, useState } from 'react';
import { isApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { detailNumber, type FallbackApi, type FallbackResult, type SecurityQuestions } from './api.ts';
import { PassedResult, useFallbackErrorText } from './shared.tsx';

/** `count` questions chosen at random, so a caller cannot rely on always getting the same ones. */
function pick<T>(items: T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

/**
 * Security questions, the weakest method: the agent sees the questions, never the answers, types
 * what the caller says and learns only pass or fail (not which answer was wrong).
 */
export function SecurityQuestionsPanel({
  api,
  customerId,
  action,
  onPassed,
  onFailed,
  onDone,
  nextAction,
}: {
  api: FallbackApi;
  customerId: string;
  action: string;
  onPassed: () => void;
  onFailed: () => void;
  onDone: () => void;
  nextAction: React.ReactNode;
}) {
  const { t } = useI18n();
  const errorText = useFallbackErrorText();
  const [set, setSet] = useState<SecurityQuestions | null>(null);
  const [asked, setAsked] = useState<SecurityQuestions['questions']>([]);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'warning' | 'error'; text: string } | null>(null);
  const [blocked, setBlocked] = useState(false);
  const [result, setResult] = useState<FallbackResult | null>(null);
  const firstField = useRef<HTMLInputElement | null>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: load once per customer
  useEffect(() => {
    api.securityQuestions(customerId).then(
      (found) => {
        setSet(found);
        setAsked(pick(found.questions, found.ask).sort((a, b) => a.position - b.position));
      },
      (err) => setMessage({ kind: 'error', text: errorText(err) }),
    );
  }, [api, customerId]);
  useEffect(() => {
    if (asked.length > 0) firstField.current?.focus();
  }, [asked]);
  useEffect(() => {
    if (result) resultHeading.current?.focus();
  }, [result]);

  const check = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      setResult(
        await api.checkSecurityQuestions(
          customerId,
          action,
          asked.map((q) => ({ questionId: q.id, answer: answers[q.id] ?? '' })),
        ),
      );
      onPassed();
    } catch (err) {
      // What the caller said is not kept on screen after a check.
      setAnswers({});
      if (isApiError(err, 'ANSWERS_REJECTED')) {
        const left = detailNumber(err, 'attemptsLeft') ?? 0;
        if (left > 0) {
          setMessage({ kind: 'warning', text: t('fb.sq.rejected', { attemptsLeft: left }) });
          firstField.current?.focus();
        } else {
          setMessage({ kind: 'error', text: t('fb.sq.locked') });
          setBlocked(true);
          onFailed();
        }
      } else {
        setMessage({ kind: 'error', text: errorText(err) });
        if (isApiError(err, 'METHOD_UNAVAILABLE', 'TOO_MANY_FAILURES')) {
          setBlocked(true);
          onFailed();
        }
      }
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    return (
      <div className="fb-panel" data-testid="fallback-security_questions">
        <PassedResult
          method="security_questions"
          assurance={result.assurance}
          focusRef={resultHeading}
          onDone={onDone}
        />
      </div>
    );
  }
  return (
    <div className="fb-panel" data-testid="fallback-security_questions">
      <p className="notice warning">{t('fb.weak')}</p>
      <p>{t('fb.sq.intro')}</p>
      {set && (
        <>
          <p className="say">
            <span className="say-label">{t('fb.say')}</span>{' '}
            <q data-testid="fallback-sentence">{t('fb.sq.say', { ask: set.ask })}</q>
          </p>
          <p className="muted">{t('fb.sq.needed', { required: set.required, ask: set.ask })}</p>
        </>
      )}
      {!blocked && asked.length > 0 && (
        <form onSubmit={(e) => void check(e)} autoComplete="off">
          {asked.map((q, index) => (
            <label key={q.id} className="field">
              <span>{t('fb.sq.answer', { question: q.question })}</span>
              <input
                ref={index === 0 ? firstField : undefined}
                value={answers[q.id] ?? ''}
                maxLength={200}
                autoComplete="off"
                spellCheck={false}
                required
                onChange={(e) => setAnswers((current) => ({ ...current, [q.id]: e.target.value }))}
              />
            </label>
          ))}
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('fb.otp.checking') : t('fb.sq.check')}
          </button>
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
