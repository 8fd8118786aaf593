// The practice marking and the made-up caller's side of the call, shown on the customer page
// (and in the widget, marking only) whenever the customer belongs to the practice space.
import './practice.css';
import { useCallback, useEffect, useState } from 'react';
import type { Session } from '../api/types.ts';
import './practice.css';
import { ErrorNotice } from '../components/common.tsx';
import './practice.css';
import { useI18n } from '../i18n/i18n.tsx';
import './practice.css';
import { href, navigate } from '../router.ts';
import './practice.css';
import {
  type CallerLines,
  createPracticeApi,
  type PracticeConclusion,
  type PracticeSession,
  practiceConclusions,
  sessionForCustomer,
} from './api.ts';

/** The persistent marking: every screen showing a practice customer carries it. */
export function PracticeBanner({ name }: { name?: string }) {
  const { t } = useI18n();
  return (
    <div className="practice-banner" data-testid="practice-banner">
      <span className="practice-badge">{t('practice.badge')}</span>
      <span>{name ? t('practice.banner', { name }) : t('practice.bannerSession')}</span>
    </div>
  );
}

/** What the caller says: the code their text message carries, their answers to the questions. */
export function CallerSays({ lines }: { lines: CallerLines | null }) {
  const { t } = useI18n();
  const nothing = !lines || (lines.messages.length === 0 && lines.answers.length === 0);
  return (
    <section className="practice-caller" aria-labelledby="practice-caller-title" aria-live="polite">
      <h2 id="practice-caller-title">{t('practice.caller.title')}</h2>
      {nothing && <p className="muted">{t('practice.caller.nothing')}</p>}
      {lines?.messages.slice(0, 1).map((m) => (
        <p key={m.at} data-testid="caller-message">
          {t('practice.caller.reads', { text: m.text })}
        </p>
      ))}
      {lines && lines.answers.length > 0 && (
        <>
          <p>{t('practice.caller.answers')}</p>
          <dl className="facts" data-testid="caller-answers">
            {lines.answers.map((a) => (
              <div key={a.question}>
                <dt>{a.question}</dt>
                <dd>{t('practice.caller.answer', { answer: a.answer })}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}

/** The three ways a practice call ends; the server judges the step from what the agent did. */
export function ConcludeCall({
  practiceSession,
  csrfToken,
  onConcluded,
}: {
  practiceSession: PracticeSession;
  csrfToken: string;
  onConcluded: (next: PracticeSession) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const step = practiceSession.currentStep;
  if (step === null) return null;
  const conclude = async (conclusion: PracticeConclusion) => {
    setBusy(true);
    setError(null);
    try {
      onConcluded(await createPracticeApi(csrfToken).conclude(practiceSession.id, step, conclusion));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="practice-end" aria-labelledby="practice-end-title">
      <h2 id="practice-end-title">{t('practice.end.title')}</h2>
      <div className="actions">
        {practiceConclusions.map((c) => (
          <button
            key={c}
            type="button"
            className={c === 'verified' ? 'button primary' : 'button'}
            disabled={busy}
            onClick={() => void conclude(c)}
          >
            {t(`practice.end.${c}`)}
          </button>
        ))}
      </div>
      {busy && <p className="muted">{t('practice.end.sending')}</p>}
      <ErrorNotice error={error} />
    </section>
  );
}

/** Where the call goes after a conclusion: the next made-up caller, or the score. */
export function afterConclusion(next: PracticeSession): void {
  if (next.currentStep !== null) {
    navigate({ name: 'customer', id: next.steps[next.currentStep]!.customerId });
  } else {
    navigate({ name: 'practiceSession', id: next.id });
  }
}

/** On the customer page of a practice customer: the marking, the caller's lines, the conclusion. */
export function PracticeCall({
  session,
  customerId,
  name,
}: {
  session: Session;
  customerId: string;
  name: string;
}) {
  const { t } = useI18n();
  const [practiceSession, setPracticeSession] = useState<PracticeSession | null>(null);
  const [lines, setLines] = useState<CallerLines | null>(null);
  const csrfToken = session.csrfToken;

  useEffect(() => {
    sessionForCustomer(createPracticeApi(csrfToken), customerId).then(setPracticeSession, () => {});
  }, [csrfToken, customerId]);

  const sessionId = practiceSession?.id;
  const readCaller = useCallback(() => {
    if (sessionId)
      createPracticeApi(csrfToken)
        .caller(sessionId)
        .then(setLines, () => {});
  }, [csrfToken, sessionId]);

  useEffect(() => {
    readCaller();
    // The caller's text message arrives while the agent works: read it again every few seconds.
    const timer = window.setInterval(readCaller, 2500);
    return () => window.clearInterval(timer);
  }, [readCaller]);

  return (
    <div className="practice-call">
      <PracticeBanner name={name} />
      {practiceSession && practiceSession.currentStep !== null && (
        <div className="practice-call-panel">
          <p className="muted">
            {t('practice.session.step', {
              n: String(practiceSession.currentStep + 1),
              total: String(practiceSession.steps.length),
            })}{' '}
            ·{' '}
            <a href={href({ name: 'practiceSession', id: practiceSession.id })}>
              {t('practice.session.title')}
            </a>
          </p>
          <CallerSays lines={lines} />
          <ConcludeCall
            practiceSession={practiceSession}
            csrfToken={session.csrfToken}
            onConcluded={afterConclusion}
          />
        </div>
      )}
    </div>
  );
}
