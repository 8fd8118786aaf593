// The practice space: start or assign a session of scenarios, follow it call by call, read the score.
import { useCallback, useEffect, useState } from 'react';
import type { Operator, Session } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/confirm-dialog.tsx';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { href, navigate } from '../router.ts';
import {
  type CallerLines,
  createPracticeApi,
  type PracticeScenario,
  type PracticeSession,
  practiceScenarios,
} from './api.ts';
import { CallerSays, ConcludeCall, PracticeBanner } from './PracticeCall.tsx';
import './practice.css';

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

function useScoreText() {
  const { t } = useI18n();
  return (s: PracticeSession) =>
    s.score
      ? t('practice.scoreShort', {
          methods: String(s.score.methodsRight),
          reactions: String(s.score.reactionsRight),
          steps: String(s.score.steps),
          time: duration(s.score.totalSeconds),
        })
      : '—';
}

export function PracticePage({
  session,
  listOperators,
  onTour,
}: {
  session: Session;
  listOperators: () => Promise<{ items: Operator[] }>;
  onTour: () => void;
}) {
  const { t, formatDateTime } = useI18n();
  const supervisor = session.permissions.includes('operators:read');
  // Resetting the practice space is the admin's alone (the server also asks for `tenant:write`).
  const admin = session.operator.role === 'admin' && session.permissions.includes('tenant:write');
  const api = createPracticeApi(session.csrfToken);
  const [sessions, setSessions] = useState<PracticeSession[] | null>(null);
  const [operators, setOperators] = useState<Operator[]>([]);
  const [chosen, setChosen] = useState<Set<PracticeScenario>>(new Set(practiceScenarios));
  const [forOperator, setForOperator] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const scoreText = useScoreText();

  const load = useCallback(() => {
    createPracticeApi(session.csrfToken)
      .sessions()
      .then((r) => setSessions(r.items), setError);
  }, [session.csrfToken]);

  useEffect(() => {
    load();
    if (supervisor)
      listOperators().then(
        (r) => setOperators(r.items.filter((o) => o.status === 'active')),
        () => {},
      );
  }, [load, supervisor, listOperators]);

  const nameOf = (id: string) =>
    operators.find((o) => o.id === id)?.displayName ??
    (id === session.operator.id ? session.operator.displayName : id);

  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const scenarios = practiceScenarios.filter((s) => chosen.has(s));
      const created = await api.create({ scenarios, ...(forOperator ? { operatorId: forOperator } : {}) });
      if (created.status === 'active') {
        navigate({ name: 'practiceSession', id: created.id });
        return;
      }
      setNotice(t('practice.assigned', { name: nameOf(created.operatorId) }));
      load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (scenario: PracticeScenario) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(scenario)) next.delete(scenario);
      else next.add(scenario);
      return next;
    });

  return (
    <div className="practice-page">
      <PageHeading>{t('practice.title')}</PageHeading>
      <p className="lead">{t('practice.intro')}</p>
      <p>
        <button type="button" className="button link" onClick={onTour}>
          {t('help.tour')}
        </button>
      </p>
      <form className="card practice-new" onSubmit={(e) => void create(e)}>
        <h2>{t('practice.new')}</h2>
        <fieldset>
          <legend>{t('practice.scenarios')}</legend>
          <ul className="practice-scenarios">
            {practiceScenarios.map((s) => (
              <li key={s}>
                <label>
                  <input type="checkbox" checked={chosen.has(s)} onChange={() => toggle(s)} />{' '}
                  {t(`practice.scenario.${s}` as MessageKey)}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        {supervisor && (
          <label className="field">
            <span>{t('practice.assignTo')}</span>
            <select value={forOperator} onChange={(e) => setForOperator(e.target.value)}>
              <option value="">{t('practice.assignTo.me')}</option>
              {operators
                .filter((o) => o.id !== session.operator.id)
                .map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.displayName} ({t(`role.${o.role}`)})
                  </option>
                ))}
            </select>
          </label>
        )}
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy || chosen.size === 0}>
            {busy ? t('practice.starting') : forOperator ? t('practice.assign') : t('practice.start')}
          </button>
        </div>
        {notice && (
          <p className="notice ok" role="status">
            {notice}
          </p>
        )}
        <ErrorNotice error={error} />
      </form>

      <section aria-labelledby="practice-sessions-title">
        <h2 id="practice-sessions-title">{t('practice.sessions')}</h2>
        {sessions && sessions.length === 0 && <p className="muted">{t('practice.sessions.none')}</p>}
        {sessions && sessions.length > 0 && (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {supervisor && <th scope="col">{t('practice.col.agent')}</th>}
                  <th scope="col">{t('practice.col.created')}</th>
                  <th scope="col">{t('practice.col.status')}</th>
                  <th scope="col">{t('practice.col.score')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('practice.open')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={s.id}>
                    {supervisor && <td>{nameOf(s.operatorId)}</td>}
                    <td>{formatDateTime(s.createdAt)}</td>
                    <td>{t(`practice.status.${s.status}`)}</td>
                    <td>{scoreText(s)}</td>
                    <td>
                      <a href={href({ name: 'practiceSession', id: s.id })}>{t('practice.open')}</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {admin && <PracticeReset csrfToken={session.csrfToken} onReset={load} />}
    </div>
  );
}

/**
 * An admin empties the tenant's practice space (`POST /v1/practice/reset`): every session, also
 * those in progress, and every made-up customer. The confirmation says what goes and what stays;
 * the outcome, with the counts the server answers, is read out politely.
 */
function PracticeReset({ csrfToken, onReset }: { csrfToken: string; onReset: () => void }) {
  const { t } = useI18n();
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState('');
  const [error, setError] = useState<unknown>(null);

  const count = (what: 'sessions' | 'customers' | 'messages', n: number) =>
    t(`practice.reset.${what}.${n === 1 ? 'one' : 'other'}` as MessageKey, { n: String(n) });

  const reset = async () => {
    setBusy(true);
    setError(null);
    setOutcome('');
    try {
      const removed = await createPracticeApi(csrfToken).reset();
      setOutcome(
        removed.sessions + removed.customers + removed.messages === 0
          ? t('practice.reset.empty')
          : t('practice.reset.done', {
              sessions: count('sessions', removed.sessions),
              customers: count('customers', removed.customers),
              messages: count('messages', removed.messages),
            }),
      );
      onReset();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card practice-reset" aria-labelledby="practice-reset-title">
      <h2 id="practice-reset-title">{t('practice.reset.title')}</h2>
      <p>{t('practice.reset.help')}</p>
      <div className="actions">
        {/* Not disabled while busy: the dialog gives the focus back to this button. */}
        <button
          type="button"
          className="button danger"
          aria-disabled={busy}
          onClick={() => {
            if (busy) return;
            setConfirm({
              title: t('practice.reset.confirm.title'),
              body: t('practice.reset.confirm.body'),
              confirmLabel: t('practice.reset.confirm.confirm'),
              onConfirm: () => void reset(),
            });
          }}
        >
          {busy ? t('practice.reset.working') : t('practice.reset.button')}
        </button>
      </div>
      <div role="status" aria-live="polite" data-testid="practice-reset-outcome">
        {outcome && <p className="notice ok">{outcome}</p>}
      </div>
      <ErrorNotice error={error} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

/** The score of a finished session, call by call. */
export function PracticeScore({ practiceSession }: { practiceSession: PracticeSession }) {
  const { t } = useI18n();
  const score = practiceSession.score;
  if (!score) return null;
  const mark = (ok: boolean) => (
    <span className={ok ? 'mark right' : 'mark wrong'}>
      {ok ? `✓ ${t('practice.score.right')}` : `✗ ${t('practice.score.wrong')}`}
    </span>
  );
  return (
    <section className="practice-score" aria-labelledby="practice-score-title" data-testid="practice-score">
      <h2 id="practice-score-title">{t('practice.score.title')}</h2>
      <dl className="score-figures">
        <div>
          <dt>{t('practice.score.methods')}</dt>
          <dd>{t('practice.score.of', { n: String(score.methodsRight), total: String(score.steps) })}</dd>
        </div>
        <div>
          <dt>{t('practice.score.reactions')}</dt>
          <dd>{t('practice.score.of', { n: String(score.reactionsRight), total: String(score.steps) })}</dd>
        </div>
        <div>
          <dt>{t('practice.score.time')}</dt>
          <dd>{duration(score.totalSeconds)}</dd>
        </div>
      </dl>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('practice.score.col.call')}</th>
              <th scope="col">{t('practice.score.col.scenario')}</th>
              <th scope="col">{t('practice.score.col.methods')}</th>
              <th scope="col">{t('practice.score.col.method')}</th>
              <th scope="col">{t('practice.score.col.reaction')}</th>
              <th scope="col">{t('practice.score.col.time')}</th>
            </tr>
          </thead>
          <tbody>
            {practiceSession.steps.map((step) => (
              <tr key={step.index}>
                <td>{step.displayName}</td>
                <td>
                  {step.scenario ? t(`practice.scenario.${step.scenario}` as MessageKey) : '—'}
                  {step.scenario && (
                    <div className="muted small">{t(`practice.hint.${step.scenario}` as MessageKey)}</div>
                  )}
                </td>
                <td>
                  {step.result && step.result.methodsUsed.length > 0
                    ? step.result.methodsUsed.map((m) => t(`fb.method.${m}` as MessageKey)).join(' → ')
                    : t('practice.score.noMethod')}
                </td>
                <td>{step.result && mark(step.result.methodRight)}</td>
                <td>{step.result && mark(step.result.reactionRight)}</td>
                <td>{step.result && t('practice.score.seconds', { s: String(step.result.seconds) })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** One session: its current call (who is on the line, what they say, how it ended) or its score. */
export function PracticeSessionView({ session, id }: { session: Session; id: string }) {
  const { t, language } = useI18n();
  const [practiceSession, setPracticeSession] = useState<PracticeSession | null>(null);
  const [lines, setLines] = useState<CallerLines | null>(null);
  const [error, setError] = useState<unknown>(null);
  const csrfToken = session.csrfToken;

  useEffect(() => {
    createPracticeApi(csrfToken).session(id).then(setPracticeSession, setError);
  }, [csrfToken, id]);

  const active = practiceSession?.status === 'active';
  useEffect(() => {
    if (!active) return;
    const read = () =>
      createPracticeApi(csrfToken)
        .caller(id)
        .then(setLines, () => {});
    void read();
    const timer = window.setInterval(read, 2500);
    return () => window.clearInterval(timer);
  }, [active, csrfToken, id]);

  if (error) return <ErrorNotice error={error} />;
  if (!practiceSession) return <p className="muted">{t('app.loading')}</p>;
  const own = practiceSession.operatorId === session.operator.id;
  const step =
    practiceSession.currentStep !== null ? practiceSession.steps[practiceSession.currentStep]! : null;

  // The same call in the embeddable verify panel, as agents see it inside another helpdesk tool.
  const openWidget = async () => {
    try {
      const { token } = await createPracticeApi(csrfToken).widgetToken(id);
      window.open(
        `/console/widget#token=${encodeURIComponent(token)}&lang=${language}`,
        '_blank',
        'noopener',
      );
    } catch (err) {
      setError(err);
    }
  };

  const start = async () => {
    try {
      setPracticeSession(await createPracticeApi(csrfToken).start(id));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="practice-page">
      <PracticeBanner />
      <PageHeading>
        {practiceSession.status === 'finished' ? t('practice.session.finished') : t('practice.session.title')}
      </PageHeading>
      {practiceSession.status === 'assigned' && (
        <div className="card">
          <p>{t('practice.session.waitingStart')}</p>
          {own && (
            <button type="button" className="button primary" onClick={() => void start()}>
              {t('practice.startAssigned')}
            </button>
          )}
        </div>
      )}
      {step && practiceSession.currentStep !== null && (
        <div className="card practice-step" data-testid="practice-step">
          <p className="muted">
            {t('practice.session.step', {
              n: String(practiceSession.currentStep + 1),
              total: String(practiceSession.steps.length),
            })}
          </p>
          <p className="practice-on-line">{t('practice.session.onLine', { name: step.displayName })}</p>
          <p>{t('practice.session.task')}</p>
          <div className="actions">
            <a className="button primary" href={href({ name: 'customer', id: step.customerId })}>
              {t('practice.session.openCaller')}
            </a>
            {own && (
              <button type="button" className="button" onClick={() => void openWidget()}>
                {t('practice.session.openWidget')}
              </button>
            )}
          </div>
        </div>
      )}
      {step && own && <CallerSays lines={lines} />}
      {step && own && (
        <ConcludeCall
          practiceSession={practiceSession}
          csrfToken={csrfToken}
          onConcluded={(next) => {
            setPracticeSession(next);
            setLines(null);
          }}
        />
      )}
      <PracticeScore practiceSession={practiceSession} />
      <p className="actions">
        <a className="button" href={href({ name: 'practice' })}>
          {t('practice.session.back')}
        </a>
      </p>
    </div>
  );
}
