// The call panel: announce an outbound call to the customer's app, then follow it live (delivery,
// the code to read out or to type, the customer's confirmation) and end it. Console and widget.
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { CallBackend, CallDelivery, CallNotice, CallPolicy, MutualCode } from './api.ts';
import { mutualCodes } from './api.ts';

export interface CallPanelProps {
  backend: CallBackend;
  policy: CallPolicy;
  /** Called when a notice starts, changes or ends (to refresh the history, tell the host). */
  onChange?: (notice: CallNotice) => void;
  /** Open the form at once (the widget's own panel); the console shows a button first. */
  startOpen?: boolean;
}

type PanelState =
  | { kind: 'idle' }
  | { kind: 'form' }
  | { kind: 'notice'; notice: CallNotice }
  | { kind: 'conflict'; activeId: string | null };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

function groupDigits(code: string): string {
  return code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function CallPanel({ backend, policy, onChange, startOpen }: CallPanelProps) {
  const { t } = useI18n();
  const ids = useId();
  const [state, setState] = useState<PanelState>({ kind: startOpen ? 'form' : 'idle' });
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const headingRef = useRef<HTMLHeadingElement>(null);

  // The delivery is known from the start's answer and `call.delivery` events; a notice read
  // again (GET) does not carry it, so it is kept here.
  const delivery = useRef<{ id: string; items: CallDelivery[] } | null>(null);
  const show = useCallback((notice: CallNotice) => {
    if (notice.delivery) delivery.current = { id: notice.id, items: notice.delivery };
    const known = delivery.current?.id === notice.id ? delivery.current.items : undefined;
    const shown = known && !notice.delivery ? { ...notice, delivery: known } : notice;
    setState({ kind: 'notice', notice: shown });
    onChangeRef.current?.(shown);
  }, []);
  const onDelivery = useCallback((data: unknown) => {
    const update = data as Partial<CallDelivery> & { noticeId?: string };
    const current = delivery.current;
    if (!current || update.noticeId !== current.id || typeof update.deviceId !== 'string') return;
    const items = current.items.filter((d) => d.deviceId !== update.deviceId);
    items.push({ deviceId: update.deviceId, channel: update.channel ?? null, result: update.result ?? '' });
    delivery.current = { id: current.id, items };
  }, []);

  // A notice already running for this customer (this page reopened, or a colleague's) is shown.
  useEffect(() => {
    let live = true;
    backend.active().then(
      (notice) => {
        if (live && notice) show(notice);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [backend, show]);

  const noticeId = state.kind === 'notice' && state.notice.status === 'active' ? state.notice.id : null;

  // Live: each event is a cue to read the notice again (the notice is the truth, not the event);
  // a dropped stream reconnects after a short pause.
  useEffect(() => {
    if (!noticeId) return;
    const controller = new AbortController();
    const refresh = async () => {
      try {
        const fresh = await backend.get(noticeId);
        if (!controller.signal.aborted) show(fresh);
        return fresh.status === 'active';
      } catch {
        return true;
      }
    };
    void (async () => {
      let pause = 1000;
      while (!controller.signal.aborted) {
        try {
          await backend.events(
            noticeId,
            (event) => {
              if (event.type === 'call.delivery') onDelivery(event.data);
              void refresh();
            },
            controller.signal,
          );
          pause = 1000;
        } catch {
          // Reconnect below, a little later each time the stream cannot be opened.
          pause = Math.min(pause * 2, 30_000);
        }
        if (controller.signal.aborted) return;
        if (!(await refresh())) return;
        await sleep(pause);
      }
    })();
    return () => controller.abort();
  }, [backend, noticeId, show, onDelivery]);

  const headingId = `${ids}-heading`;
  const title =
    state.kind === 'notice'
      ? state.notice.status === 'active'
        ? t('calls.active.title')
        : state.notice.status === 'ended'
          ? t('calls.ended.title')
          : t('calls.expired.title')
      : t('calls.title');

  return (
    <section className="call-panel card" aria-labelledby={headingId} data-state={state.kind}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      {state.kind === 'idle' && (
        <>
          <p className="muted">{t('calls.intro')}</p>
          <button type="button" className="button" onClick={() => setState({ kind: 'form' })}>
            {t('calls.announce')}
          </button>
        </>
      )}
      {state.kind === 'form' && (
        <AnnounceForm
          backend={backend}
          policy={policy}
          onStarted={(notice) => {
            show(notice);
            headingRef.current?.focus();
          }}
          onConflict={(activeId) => setState({ kind: 'conflict', activeId })}
          focusFirst={!startOpen}
          {...(startOpen ? {} : { onCancel: () => setState({ kind: 'idle' }) })}
        />
      )}
      {state.kind === 'conflict' && (
        <div className="notice warning" role="alert">
          <p>{t('calls.error.CALL_NOTICE_ACTIVE')}</p>
          <div className="actions">
            {state.activeId && (
              <button
                type="button"
                className="button primary"
                onClick={() => void backend.get(state.activeId!).then(show, () => {})}
              >
                {t('calls.openActive')}
              </button>
            )}
            <button type="button" className="button" onClick={() => setState({ kind: 'form' })}>
              {t('app.back')}
            </button>
          </div>
        </div>
      )}
      {state.kind === 'notice' && (
        <ActiveNotice
          notice={state.notice}
          backend={backend}
          onChanged={show}
          onAgain={() => setState({ kind: 'form' })}
        />
      )}
    </section>
  );
}

function AnnounceForm({
  backend,
  policy,
  onStarted,
  onConflict,
  onCancel,
  focusFirst,
}: {
  backend: CallBackend;
  policy: CallPolicy;
  onStarted(notice: CallNotice): void;
  onConflict(activeId: string | null): void;
  onCancel?: () => void;
  focusFirst: boolean;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [reason, setReason] = useState('');
  const [team, setTeam] = useState('');
  const [fromNumber, setFromNumber] = useState('');
  const [minutes, setMinutes] = useState(String(Math.min(15, policy.maxMinutes)));
  // Without the policy (a role that may not read it), "as the policy says" leaves the choice to
  // the server, which applies the policy's default.
  const [mode, setMode] = useState<MutualCode | 'policy'>(policy.defaultMutualCode ?? 'policy');
  const modeChoices: (MutualCode | 'policy')[] =
    policy.defaultMutualCode === null ? ['policy', ...mutualCodes] : [...mutualCodes];
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{
    field: 'reason' | 'fromNumber' | 'minutes' | null;
    text: string;
  } | null>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  const numberRef = useRef<HTMLInputElement>(null);
  const minutesRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (focusFirst) reasonRef.current?.focus();
  }, [focusFirst]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const number = fromNumber.replace(/[\s()-]/g, '');
    const length = Number(minutes);
    if (reason.trim() === '') {
      setProblem({ field: 'reason', text: t('calls.form.reasonMissing') });
      reasonRef.current?.focus();
      return;
    }
    if (number !== '' && !/^\+[1-9][0-9]{6,14}$/.test(number)) {
      setProblem({ field: 'fromNumber', text: t('calls.form.numberInvalid') });
      numberRef.current?.focus();
      return;
    }
    if (!Number.isInteger(length) || length < 1 || length > policy.maxMinutes) {
      setProblem({ field: 'minutes', text: t('calls.form.minutesInvalid', { max: policy.maxMinutes }) });
      minutesRef.current?.focus();
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      onStarted(
        await backend.start({
          reason: reason.trim(),
          ...(team.trim() ? { team: team.trim() } : {}),
          ...(number ? { fromNumber: number } : {}),
          expectedMinutes: length,
          ...(mode === 'policy' ? {} : { mutualCode: mode }),
        }),
      );
    } catch (error) {
      if (isApiError(error) && (error.code as string) === 'CALL_NOTICE_ACTIVE') {
        const activeId = error.details.activeNoticeId ?? error.details.noticeId ?? error.details.id;
        onConflict(typeof activeId === 'string' ? activeId : null);
        return;
      }
      setProblem({ field: null, text: callErrorText(t, error) });
    } finally {
      setBusy(false);
    }
  }

  const invalid = (field: 'reason' | 'fromNumber' | 'minutes') =>
    problem?.field === field ? true : undefined;
  return (
    <form className="call-form" onSubmit={submit} noValidate>
      <label className="field">
        <span>{t('calls.form.reason')}</span>
        <input
          ref={reasonRef}
          value={reason}
          maxLength={140}
          onChange={(e) => setReason(e.target.value)}
          placeholder={t('calls.form.reasonPlaceholder')}
          aria-describedby={`${ids}-reason-hint`}
          aria-invalid={invalid('reason')}
          required
        />
      </label>
      <p id={`${ids}-reason-hint`} className="muted small field-hint">
        {t('calls.form.reasonHint')}
      </p>
      <div className="field-row">
        <label className="field">
          <span>{t('calls.form.team')}</span>
          <input value={team} maxLength={60} onChange={(e) => setTeam(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('calls.form.minutes')}</span>
          <input
            ref={minutesRef}
            type="number"
            inputMode="numeric"
            min={1}
            max={policy.maxMinutes}
            value={minutes}
            onChange={(e) => setMinutes(e.target.value)}
            aria-invalid={invalid('minutes')}
          />
        </label>
      </div>
      <label className="field">
        <span>{t('calls.form.fromNumber')}</span>
        <input
          ref={numberRef}
          value={fromNumber}
          maxLength={20}
          inputMode="tel"
          autoComplete="off"
          placeholder={t('calls.form.fromNumberPlaceholder')}
          onChange={(e) => setFromNumber(e.target.value)}
          aria-describedby={`${ids}-number-hint`}
          aria-invalid={invalid('fromNumber')}
        />
      </label>
      <p id={`${ids}-number-hint`} className="muted small field-hint">
        {t('calls.form.fromNumberHint')}
      </p>
      <fieldset className="purpose call-modes">
        <legend>{t('calls.form.mode')}</legend>
        {modeChoices.map((value) => (
          <label key={value} className="radio">
            <input
              type="radio"
              name={`${ids}-mode`}
              value={value}
              checked={mode === value}
              onChange={() => setMode(value)}
            />
            <span>
              {t(`calls.mode.${value}`)}
              {policy.defaultMutualCode === value && (
                <span className="muted"> {t('calls.mode.policyDefault')}</span>
              )}
              <span className="muted small call-mode-hint">{t(`calls.mode.${value}.hint`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {problem && (
        <p className="notice error" role="alert">
          {problem.text}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('calls.starting') : t('calls.start')}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel} disabled={busy}>
            {t('calls.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function ActiveNotice({
  notice,
  backend,
  onChanged,
  onAgain,
}: {
  notice: CallNotice;
  backend: CallBackend;
  onChanged(notice: CallNotice): void;
  onAgain(): void;
}) {
  const { t, formatDateTime } = useI18n();
  const active = notice.status === 'active';
  const now = useNow(active);
  const [ending, setEnding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const remaining = new Date(notice.expiresAt).getTime() - now;

  async function end() {
    setEnding(true);
    setProblem(null);
    try {
      onChanged(await backend.end(notice.id));
    } catch (error) {
      if (isApiError(error) && (error.code as string) === 'CALL_NOTICE_NOT_ACTIVE') {
        onChanged(await backend.get(notice.id).catch(() => notice));
      } else {
        setProblem(callErrorText(t, error));
      }
    } finally {
      setEnding(false);
    }
  }

  // `delivered`: the open app heard it; `sent`: a push service accepted it; `sending`: on its way.
  const reached = notice.delivery?.filter((d) => d.result === 'delivered' || d.result === 'sent') ?? [];
  const sending = notice.delivery?.some((d) => d.result === 'sending') ?? false;
  return (
    <div
      className="call-notice"
      data-status={notice.status}
      data-confirmation={notice.confirmation ?? 'none'}
    >
      <p className="call-summary">
        {notice.team
          ? t('calls.summaryTeam', {
              agent: notice.agent.displayName,
              team: notice.team,
              reason: notice.reason,
            })
          : t('calls.summary', { agent: notice.agent.displayName, reason: notice.reason })}
      </p>
      <dl className="call-facts">
        {notice.fromNumber && (
          <>
            <dt>{t('calls.fromNumber')}</dt>
            <dd>{notice.fromNumber}</dd>
          </>
        )}
        <dt>{t('calls.status')}</dt>
        <dd data-testid="call-status">
          {active
            ? t('calls.status.activeUntil', {
                time: formatDateTime(notice.expiresAt),
                left: formatRemaining(remaining),
              })
            : notice.status === 'ended'
              ? t('calls.status.ended', { time: formatDateTime(notice.endedAt ?? notice.expiresAt) })
              : t('calls.status.expired', { time: formatDateTime(notice.expiresAt) })}
        </dd>
        {notice.delivery && (
          <>
            <dt>{t('calls.delivery')}</dt>
            <dd data-testid="call-delivery">
              {reached.length > 0
                ? t('calls.delivery.some', {
                    count: reached.length,
                    channels: [
                      ...new Set(reached.map((d) => t(`calls.channel.${d.channel ?? 'live'}`))),
                    ].join(', '),
                  })
                : sending
                  ? t('calls.delivery.sending')
                  : t('calls.delivery.none')}
            </dd>
          </>
        )}
        <dt>{t('calls.viewed')}</dt>
        <dd data-testid="call-viewed">
          {notice.viewedAt
            ? t('calls.viewed.at', { time: formatDateTime(notice.viewedAt) })
            : t('calls.viewed.not')}
        </dd>
      </dl>

      {notice.mutualCode === 'agent_reads' &&
        notice.code &&
        active &&
        (notice.confirmation === 'pending' || notice.confirmation === null) && (
          <div className="code-block call-code">
            <span className="code-label">{t('calls.code.read')}</span>
            <span className="code" data-testid="call-code">
              {groupDigits(notice.code)}
            </span>
            <p className="say">
              <span className="say-label">{t('calls.say')}</span> <q>{t('calls.say.agentReads')}</q>
            </p>
          </div>
        )}
      {notice.mutualCode === 'customer_reads' &&
        active &&
        (notice.confirmation === 'pending' || notice.confirmation === null) && (
          <CodeEntry notice={notice} backend={backend} onChanged={onChanged} />
        )}

      <div className="call-confirmation" role="status" aria-live="polite" data-testid="call-confirmation">
        {notice.confirmation === 'confirmed' && (
          <div className="result result-approved">
            <h3>{t('calls.confirmed')}</h3>
            <p>
              {t(
                notice.mutualCode === 'customer_reads'
                  ? 'calls.confirmed.customerReads'
                  : 'calls.confirmed.text',
              )}
            </p>
          </div>
        )}
        {notice.confirmation === 'pending' && active && notice.mutualCode === 'agent_reads' && (
          <p className="muted">{t('calls.waiting')}</p>
        )}
      </div>
      {notice.confirmation === 'mismatch' && (
        <div className="result result-fraud" role="alert" data-testid="call-mismatch">
          <h3>{t('calls.mismatch')}</h3>
          <p>{t('calls.mismatch.text')}</p>
        </div>
      )}
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        {active ? (
          <button type="button" className="button danger" disabled={ending} onClick={() => void end()}>
            {ending ? t('calls.ending') : t('calls.end')}
          </button>
        ) : (
          <button type="button" className="button" onClick={onAgain}>
            {t('calls.again')}
          </button>
        )}
      </div>
    </div>
  );
}

function CodeEntry({
  notice,
  backend,
  onChanged,
}: {
  notice: CallNotice;
  backend: CallBackend;
  onChanged(notice: CallNotice): void;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [locked, setLocked] = useState(notice.codeAttemptsLeft === 0);
  const input = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || code.trim() === '') return;
    setBusy(true);
    setProblem(null);
    try {
      onChanged(await backend.submitCode(notice.id, code.trim()));
    } catch (error) {
      const name = isApiError(error) ? (error.code as string) : '';
      if (name === 'CALL_CODE_INVALID') {
        const left = isApiError(error) ? error.details.attemptsLeft : undefined;
        setProblem(t('calls.code.wrong', { left: typeof left === 'number' ? left : 0 }));
        setCode('');
        input.current?.focus();
      } else if (name === 'CALL_CODE_LOCKED') {
        setLocked(true);
        setProblem(t('calls.code.locked'));
      } else {
        setProblem(callErrorText(t, error));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="call-code-entry" onSubmit={submit} noValidate>
      <label className="field">
        <span>{t('calls.code.typed')}</span>
        <input
          ref={input}
          className="code-input"
          value={code}
          onChange={(e) => setCode(e.target.value.replace(/\s/g, ''))}
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          disabled={locked || busy}
          aria-describedby={`${ids}-hint`}
          aria-invalid={problem ? true : undefined}
        />
      </label>
      <p id={`${ids}-hint`} className="muted small field-hint">
        {t('calls.code.typedHint')}
      </p>
      {problem && (
        <p className="notice error" role="alert" data-testid="call-code-problem">
          {problem}
        </p>
      )}
      <button type="submit" className="button primary" disabled={locked || busy || code === ''}>
        {busy ? t('calls.code.checking') : t('calls.code.check')}
      </button>
    </form>
  );
}

function callErrorText(t: ReturnType<typeof useI18n>['t'], error: unknown): string {
  if (!isApiError(error)) return t('app.error.generic', { code: 'INTERNAL' });
  switch (error.code as string) {
    case 'CALL_NOTICES_NOT_ALLOWED':
      return t('calls.error.CALL_NOTICES_NOT_ALLOWED');
    case 'CUSTOMER_NOT_FOUND':
      return t('calls.error.CUSTOMER_NOT_FOUND');
    case 'CALL_NOTICE_NOT_ACTIVE':
      return t('calls.error.CALL_NOTICE_NOT_ACTIVE');
    case 'CALL_CODE_NOT_EXPECTED':
      return t('calls.error.CALL_CODE_NOT_EXPECTED');
    case 'NETWORK':
      return t('app.error.NETWORK');
    case 'FORBIDDEN':
      return t('app.error.FORBIDDEN');
    case 'VALIDATION_FAILED':
      return t('app.error.VALIDATION_FAILED');
    default:
      return t('app.error.generic', { code: error.code });
  }
}
