// One fraud case: its customer and signals, notes, assignment, and the resolution that clears or
// keeps the customer's locks.
import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { CustomerLocks, Operator, Session } from '../api/types.ts';
import { ErrorNotice, PageHeading } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { href } from '../router.ts';
import {
  createFraudApi,
  type FraudCaseDetail,
  type LockAction,
  type Resolution,
  resolutions,
} from './api.ts';
import type { FraudQueueLive } from './live.tsx';
import './fraud-queue.css';

export function FraudCasePage({
  api,
  session,
  id,
  live,
}: {
  api: ConsoleApi;
  session: Session;
  id: string;
  live: FraudQueueLive;
}) {
  const { t, formatDateTime } = useI18n();
  const fraud = useMemo(() => createFraudApi(session.csrfToken), [session.csrfToken]);
  const [found, setFound] = useState<FraudCaseDetail | null>(null);
  const [locks, setLocks] = useState<CustomerLocks | null>(null);
  const [operators, setOperators] = useState<Operator[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const mayWrite = session.permissions.includes('fraud-cases:write');
  const ids = useId();

  const load = useCallback(async () => {
    try {
      const detail = await fraud.get(id);
      setFound(detail);
      setLocks(await api.customerLocks(detail.customerId).catch(() => null));
    } catch (err) {
      setError(err);
    }
  }, [fraud, api, id]);

  // Loads again whenever the queue changes live (another supervisor took, noted or resolved it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: live.version only triggers a reload
  useEffect(() => {
    void load();
  }, [load, live.version]);

  useEffect(() => {
    if (!mayWrite || !session.permissions.includes('operators:read')) return;
    api.operators().then(
      (page) =>
        setOperators(
          page.items.filter((o) => o.status === 'active' && (o.role === 'supervisor' || o.role === 'admin')),
        ),
      () => setOperators([]),
    );
  }, [api, mayWrite, session.permissions]);

  if (!found) return error ? <ErrorNotice error={error} /> : <p className="muted">{t('app.loading')}</p>;
  const customer = found.customerName ?? found.customerId;
  const open = found.status === 'open';

  const act = async (work: () => Promise<unknown>, after?: string) => {
    setError(null);
    setNotice(null);
    try {
      await work();
      if (after) setNotice(after);
    } catch (err) {
      if (isApiError(err, 'FRAUD_CASE_ASSIGNMENT_CHANGED')) setNotice(t('fq.case.assignChanged'));
      else if (isApiError(err, 'FRAUD_CASE_NOT_OPEN')) setNotice(t('fq.case.alreadyResolved'));
      else setError(err);
    }
    await load();
  };

  return (
    <div className="fraud-case">
      <p>
        <a href={href({ name: 'fraudQueue' })}>{t('fq.case.back')}</a>
      </p>
      <PageHeading>{t('fq.case.title', { customer })}</PageHeading>
      <div className="card">
        <dl className="facts">
          <dt>{t('fq.case.customer')}</dt>
          <dd>
            <a href={href({ name: 'customer', id: found.customerId })}>{customer}</a>
          </dd>
          <dt>{t('fq.case.opened')}</dt>
          <dd>{formatDateTime(found.openedAt)}</dd>
          <dt>{t('fq.case.status')}</dt>
          <dd>
            <span className={`badge case-${found.status}`} data-testid="case-status">
              {t(`fq.status.${found.status}`)}
            </span>
          </dd>
          <dt>{t('fq.case.assignee')}</dt>
          <dd data-testid="case-assignee">
            {found.assignee ? (found.assignee.name ?? found.assignee.id) : t('fq.unassigned')}
          </dd>
        </dl>
        {found.resolution && found.resolvedAt && (
          <p className="notice info" data-testid="case-resolved">
            {t('fq.case.resolved', {
              resolution: t(`fq.resolution.${found.resolution}`),
              time: formatDateTime(found.resolvedAt),
            })}{' '}
            {found.pushLock &&
              found.questionsLock &&
              t('fq.case.locksDone', {
                push: t(`fq.case.lockDone.${found.pushLock}`),
                questions: t(`fq.case.lockDone.${found.questionsLock}`),
              })}
          </p>
        )}
        {locks && (
          <p className="muted" data-testid="case-locks">
            {t('fq.case.currentLocks', {
              push: t(locks.push.locked ? 'fq.case.locked' : 'fq.case.notLocked'),
              questions: t(locks.securityQuestions.locked ? 'fq.case.locked' : 'fq.case.notLocked'),
            })}
          </p>
        )}
      </div>

      <div role="status" aria-live="polite">
        {notice && <p className="notice warning">{notice}</p>}
      </div>
      <ErrorNotice error={error} />

      <section className="card" aria-labelledby={`${ids}-signals`}>
        <h2 id={`${ids}-signals`}>{t('fq.case.signals')}</h2>
        <ul className="case-signals">
          {found.signals.map((s) => (
            <li key={s.id}>
              {t('fq.case.signalAt', { kind: t(`fq.kind.${s.kind}`), time: formatDateTime(s.occurredAt) })}
            </li>
          ))}
        </ul>
      </section>

      {open && mayWrite && (
        <AssignForm
          key={found.assignee?.id ?? 'nobody'}
          found={found}
          session={session}
          operators={operators}
          onAssign={(assigneeId) => act(() => fraud.assign(found.id, assigneeId, found.assignee?.id ?? null))}
        />
      )}

      <section className="card" aria-labelledby={`${ids}-notes`}>
        <h2 id={`${ids}-notes`}>{t('fq.case.notes')}</h2>
        {found.notes.length === 0 ? (
          <p className="muted">{t('fq.case.noNotes')}</p>
        ) : (
          <ul className="case-notes" data-testid="case-notes">
            {found.notes.map((n) => (
              <li key={n.id}>
                <p className="muted">
                  {t('fq.case.noteBy', {
                    author: n.author.name ?? n.author.id ?? n.author.type,
                    time: formatDateTime(n.createdAt),
                  })}
                </p>
                <p className="note-body">{n.body}</p>
              </li>
            ))}
          </ul>
        )}
        {mayWrite && <NoteForm onSave={(body) => act(() => fraud.addNote(found.id, body))} />}
      </section>

      {open && mayWrite && <ResolveForm onResolve={(input) => act(() => fraud.resolve(found.id, input))} />}
    </div>
  );
}

function AssignForm({
  found,
  session,
  operators,
  onAssign,
}: {
  found: FraudCaseDetail;
  session: Session;
  operators: Operator[];
  onAssign: (assigneeId: string | null) => Promise<void>;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [choice, setChoice] = useState(found.assignee?.id ?? '');
  const mine = found.assignee?.id === session.operator.id;
  return (
    <section className="card" aria-labelledby={`${ids}-assign`}>
      <h2 id={`${ids}-assign`}>{t('fq.case.assign')}</h2>
      {!mine && (
        <div className="actions">
          <button type="button" className="button primary" onClick={() => void onAssign(session.operator.id)}>
            {t('fq.case.assignSelf')}
          </button>
        </div>
      )}
      {operators.length > 0 && (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void onAssign(choice || null);
          }}
        >
          <label className="field">
            <span>{t('fq.case.assignTo')}</span>
            <select value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="">{t('fq.unassigned')}</option>
              {operators.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.displayName}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button">
            {t('fq.case.assignSave')}
          </button>
        </form>
      )}
    </section>
  );
}

function NoteForm({ onSave }: { onSave: (body: string) => Promise<void> }) {
  const { t } = useI18n();
  const ids = useId();
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await onSave(body.trim());
    setBody('');
    setBusy(false);
  };
  return (
    <form onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor={`${ids}-note`}>{t('fq.case.noteLabel')}</label>
        <textarea
          id={`${ids}-note`}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          rows={2}
          minLength={3}
          maxLength={2000}
          required
        />
      </div>
      <div className="actions">
        <button type="submit" className="button" disabled={busy || body.trim().length < 3}>
          {t('fq.case.saveNote')}
        </button>
      </div>
    </form>
  );
}

function ResolveForm({
  onResolve,
}: {
  onResolve: (input: {
    resolution: Resolution;
    note: string;
    pushLock: LockAction;
    questionsLock: LockAction;
  }) => Promise<void>;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [resolution, setResolution] = useState<Resolution | ''>('');
  // Nothing is cleared unless the supervisor chooses it: keeping a lock is the safe default.
  const [pushLock, setPushLock] = useState<LockAction>('keep');
  const [questionsLock, setQuestionsLock] = useState<LockAction>('keep');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!resolution) return;
    setBusy(true);
    await onResolve({ resolution, note: note.trim(), pushLock, questionsLock });
    setBusy(false);
  };
  const lockChoice = (legend: string, name: string, value: LockAction, set: (v: LockAction) => void) => (
    <fieldset className="choice">
      <legend>{legend}</legend>
      {(['keep', 'clear'] as const).map((option) => (
        <label key={option}>
          <input
            type="radio"
            name={`${ids}-${name}`}
            value={option}
            checked={value === option}
            onChange={() => set(option)}
          />{' '}
          {t(`fq.lock.${option}`)}
        </label>
      ))}
    </fieldset>
  );
  return (
    <section className="card" aria-labelledby={`${ids}-resolve`}>
      <h2 id={`${ids}-resolve`}>{t('fq.case.resolve')}</h2>
      <form onSubmit={(event) => void submit(event)} data-testid="resolve-form">
        <fieldset className="choice">
          <legend>{t('fq.case.resolution')}</legend>
          {resolutions.map((r) => (
            <label key={r}>
              <input
                type="radio"
                name={`${ids}-resolution`}
                value={r}
                checked={resolution === r}
                onChange={() => setResolution(r)}
                required
              />{' '}
              {t(`fq.resolution.${r}`)}
            </label>
          ))}
        </fieldset>
        {lockChoice(t('fq.case.pushLock'), 'push', pushLock, setPushLock)}
        {lockChoice(t('fq.case.questionsLock'), 'questions', questionsLock, setQuestionsLock)}
        <div className="field">
          <label htmlFor={`${ids}-note`}>{t('fq.case.resolveNote')}</label>
          <textarea
            id={`${ids}-note`}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            rows={3}
            minLength={3}
            maxLength={2000}
            required
          />
        </div>
        <div className="actions">
          <button
            type="submit"
            className="button primary"
            disabled={busy || !resolution || note.trim().length < 3}
          >
            {t('fq.case.resolveSave')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** On the customer page: the customer's open case, one click away, for supervisors. */
export function CustomerCaseLink({ session, customerId }: { session: Session; customerId: string }) {
  const { t } = useI18n();
  const fraud = useMemo(() => createFraudApi(session.csrfToken), [session.csrfToken]);
  const [caseId, setCaseId] = useState<string | null>(null);
  const allowed = session.permissions.includes('fraud-cases:read');
  useEffect(() => {
    if (!allowed) return;
    fraud.list({ status: 'open', customerId, limit: 1 }).then(
      (page) => setCaseId(page.items[0]?.id ?? null),
      () => setCaseId(null),
    );
  }, [allowed, fraud, customerId]);
  if (!caseId) return null;
  return (
    <p className="notice warning" data-testid="customer-fraud-case">
      {t('fq.customer.openCase')}{' '}
      <a href={href({ name: 'fraudCase', id: caseId })}>{t('fq.customer.viewCase')}</a>
    </p>
  );
}
