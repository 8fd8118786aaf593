import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { isApiError, type VerifyBackend } from '../api/client.ts';
import type { ErrorCode, Purpose, Verification, VerificationDetail } from '../api/types.ts';
import { refusalText } from '../components/refusals.ts';
// Fallback hook: the console offers the next allowed method here (fallbacks/FallbackSlot.tsx).
import { FallbackSlot } from '../fallbacks/FallbackSlot.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { applyEvent, finalStatuses, initialProgress, type Progress, stepDone } from './progress.ts';

type PanelState =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'pending'; verification: Verification; progress: Progress; skewMs: number; cancelling: boolean }
  | { kind: 'final'; verification: VerificationDetail }
  | {
      kind: 'error';
      code: ErrorCode | 'NETWORK';
      retryAfterSeconds: number | null;
      details?: Readonly<Record<string, unknown>>;
    };

export interface VerifyPanelProps {
  backend: VerifyBackend;
  customerId: string;
  /** The company name the customer sees in their app. */
  tenantName: string;
  /** False when the customer has no active device: the panel offers enrollment instead. */
  hasDevice: boolean;
  onEnroll?: () => void;
  /** Called with each verification that reaches a final state (to refresh lists). */
  onFinished?: (verification: VerificationDetail) => void;
  /** Focus the start button when the panel appears (the customer page's first action). */
  autoFocus?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/**
 * The verify panel: one button; while pending, the code in large type, the sentence to say, a
 * countdown and live progress from the verification's event stream (no polling); then a result
 * that cannot be mistaken. The console and the embedded widget both use it.
 */
export function VerifyPanel({
  backend,
  customerId,
  tenantName,
  hasDevice,
  onEnroll,
  onFinished,
  autoFocus,
}: VerifyPanelProps) {
  const { t } = useI18n();
  const [state, setState] = useState<PanelState>({ kind: 'idle' });
  const [purpose, setPurpose] = useState<Purpose>('authenticate');
  // Until the agent edits it, the field shows the default in the interface language, and the
  // server sends the customer's phone the tenant's default in the customer's language.
  const [editedReason, setReason] = useState<string | null>(null);
  const reason = editedReason ?? t('verify.defaultReason');
  const [actionSummary, setActionSummary] = useState('');
  const stream = useRef<AbortController | null>(null);
  const focusTarget = useRef<HTMLElement | null>(null);
  const startButton = useRef<HTMLButtonElement | null>(null);
  const ids = useId();
  const now = useNow(state.kind === 'pending');

  useEffect(() => () => stream.current?.abort(), []);
  useEffect(() => {
    if (autoFocus) startButton.current?.focus();
  }, [autoFocus]);

  // Move focus to what changed, so keyboard and screen-reader users follow the flow.
  useEffect(() => {
    if (state.kind === 'pending' || state.kind === 'final' || state.kind === 'error')
      focusTarget.current?.focus();
    if (state.kind === 'idle') startButton.current?.focus();
  }, [state.kind]);

  const follow = useCallback(
    async (verification: Verification) => {
      stream.current?.abort();
      const controller = new AbortController();
      stream.current = controller;
      let final = false;
      for (let attempt = 0; !final && !controller.signal.aborted; attempt++) {
        try {
          await backend.events(
            verification.id,
            (event) => {
              setState((current) => {
                if (current.kind !== 'pending' || current.verification.id !== verification.id) return current;
                const progress = applyEvent(current.progress, event);
                if (progress.final) final = true;
                return { ...current, progress };
              });
              if (
                finalStatuses.has(event.type) ||
                (event.data.status && finalStatuses.has(event.data.status))
              )
                final = true;
            },
            controller.signal,
          );
        } catch {
          // The stream broke (network, server restart): reconnect; its first event is the current state.
        }
        if (!final && !controller.signal.aborted) await sleep(Math.min(500 * 2 ** attempt, 5000));
      }
      if (!final || controller.signal.aborted) return;
      try {
        const detail = await backend.get(verification.id);
        if (controller.signal.aborted) return;
        setState({ kind: 'final', verification: detail });
        onFinished?.(detail);
      } catch (error) {
        setState({
          kind: 'error',
          code: isApiError(error) ? error.code : 'NETWORK',
          retryAfterSeconds: null,
        });
      }
    },
    [backend, onFinished],
  );

  const start = useCallback(async () => {
    setState({ kind: 'starting' });
    try {
      const sentAt = Date.now();
      const verification = await backend.start({
        customerId,
        ...(editedReason?.trim() ? { reason: editedReason.trim() } : {}),
        purpose,
        ...(purpose === 'confirm_action' ? { actionSummary: actionSummary.trim() } : {}),
      });
      // The countdown follows the server's clock: measure how far ours is from it.
      const skewMs = (sentAt + Date.now()) / 2 - Date.parse(verification.createdAt);
      setState({ kind: 'pending', verification, progress: initialProgress, skewMs, cancelling: false });
      void follow(verification);
    } catch (error) {
      if (!isApiError(error)) throw error;
      setState({
        kind: 'error',
        code: error.code,
        retryAfterSeconds: error.retryAfterSeconds,
        details: error.details,
      });
    }
  }, [backend, customerId, editedReason, purpose, actionSummary, follow]);

  const cancel = useCallback(async () => {
    if (state.kind !== 'pending') return;
    setState({ ...state, cancelling: true });
    try {
      await backend.cancel(state.verification.id);
      // The stream reports `cancelled` and the panel shows it.
    } catch (error) {
      // Too late (already final or expired): the stream brings the real outcome.
      if (!isApiError(error, 'VERIFICATION_NOT_PENDING', 'VERIFICATION_EXPIRED')) {
        setState((current) => (current.kind === 'pending' ? { ...current, cancelling: false } : current));
      }
    }
  }, [backend, state]);

  const reset = () => {
    stream.current?.abort();
    setState({ kind: 'idle' });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void start();
  };

  const headingId = `${ids}-heading`;

  return (
    <section className="verify-panel" aria-labelledby={headingId} data-state={state.kind}>
      <h2 id={headingId}>{t('verify.title')}</h2>
      {(state.kind === 'idle' || state.kind === 'starting') &&
        (hasDevice ? (
          <form className="verify-form" onSubmit={onSubmit}>
            <fieldset className="purpose">
              <legend>{t('verify.purpose')}</legend>
              {(['authenticate', 'confirm_action'] as const).map((value) => (
                <label key={value} className="radio">
                  <input
                    type="radio"
                    name={`${ids}-purpose`}
                    value={value}
                    checked={purpose === value}
                    onChange={() => setPurpose(value)}
                  />
                  {t(`verify.purpose.${value}`)}
                </label>
              ))}
            </fieldset>
            <label className="field">
              <span>{t('verify.reason')}</span>
              <input
                value={reason}
                maxLength={200}
                onChange={(e) => setReason(e.target.value)}
                aria-describedby={`${ids}-reason-hint`}
                required
              />
            </label>
            {/* Outside the label, so the field's name stays short; read as its description. */}
            <p id={`${ids}-reason-hint`} className="muted small field-hint">
              {t('verify.reasonInCustomerLanguage')}
            </p>
            {purpose === 'confirm_action' && (
              <label className="field">
                <span>{t('verify.actionSummary')}</span>
                <input
                  value={actionSummary}
                  maxLength={200}
                  onChange={(e) => setActionSummary(e.target.value)}
                  placeholder={t('verify.actionSummaryHint')}
                  required
                />
              </label>
            )}
            <button
              ref={startButton}
              type="submit"
              data-tour="verify"
              className="button primary big"
              disabled={state.kind === 'starting'}
            >
              {state.kind === 'starting'
                ? t('verify.starting')
                : purpose === 'confirm_action'
                  ? t('verify.startAction')
                  : t('verify.start')}
            </button>
          </form>
        ) : (
          <div className="notice warning">
            <p>{t('verify.error.CUSTOMER_HAS_NO_DEVICE')}</p>
            {onEnroll && (
              <button type="button" className="button primary" onClick={onEnroll}>
                {t('customer.enroll')}
              </button>
            )}
          </div>
        ))}

      {state.kind === 'pending' && (
        <Pending
          state={state}
          now={now}
          tenantName={tenantName}
          focusRef={focusTarget}
          onCancel={() => void cancel()}
          onRetry={() => void start()}
        />
      )}

      {state.kind === 'final' && (
        <Result
          verification={state.verification}
          focusRef={focusTarget}
          onRetry={() => void start()}
          onReset={reset}
        />
      )}

      {state.kind === 'error' && (
        <div className="result result-error" role="alert">
          <h3
            ref={(node) => {
              focusTarget.current = node;
            }}
            tabIndex={-1}
          >
            {errorText(t, state.code, state.retryAfterSeconds, state.details)}
          </h3>
          <div className="actions">
            {state.code === 'CUSTOMER_HAS_NO_DEVICE' && onEnroll && (
              <button type="button" className="button primary" onClick={onEnroll}>
                {t('customer.enroll')}
              </button>
            )}
            <button type="button" className="button" onClick={reset}>
              {t('app.back')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function errorText(
  t: ReturnType<typeof useI18n>['t'],
  code: ErrorCode | 'NETWORK',
  retryAfterSeconds: number | null,
  details?: Readonly<Record<string, unknown>>,
): string {
  switch (code) {
    case 'CUSTOMER_HAS_NO_DEVICE':
    case 'VERIFICATION_NOT_PENDING':
    case 'VERIFICATION_EXPIRED':
      return t(`verify.error.${code}`);
    case 'PUSH_RATE_LIMITED':
      return t('verify.error.PUSH_RATE_LIMITED', {
        minutes: Math.max(1, Math.ceil((retryAfterSeconds ?? 60) / 60)),
      });
    case 'NETWORK':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return t(`app.error.${code}`);
    default:
      // A refusal in words (a fraud lock, too many failures), not "Something went wrong (CODE)".
      return refusalText(t, code, details) ?? t('app.error.generic', { code });
  }
}

function Pending({
  state,
  now,
  tenantName,
  focusRef,
  onCancel,
  onRetry,
}: {
  state: Extract<PanelState, { kind: 'pending' }>;
  now: number;
  tenantName: string;
  focusRef: React.RefObject<HTMLElement | null>;
  onCancel: () => void;
  onRetry: () => void;
}) {
  const { t } = useI18n();
  const { verification, progress, skewMs } = state;
  const code = verification.code ?? '';
  // Never more than the request's lifetime, whatever the clock measurement's error.
  const lifetime = Date.parse(verification.expiresAt) - Date.parse(verification.createdAt);
  const remaining = Math.min(lifetime, Date.parse(verification.expiresAt) - (now - skewMs));
  const sentence =
    verification.purpose === 'confirm_action' && verification.actionSummary
      ? t('verify.sentenceAction', { tenant: tenantName, code, action: verification.actionSummary })
      : t('verify.sentence', { tenant: tenantName, code });
  const steps = ['sent', 'delivered', 'opened'] as const;
  return (
    <div className="pending">
      <div
        className="code-block"
        ref={(node) => {
          focusRef.current = node;
        }}
        tabIndex={-1}
      >
        <span className="code-label">{t('verify.codeLabel')}</span>
        <span className="code" data-testid="verify-code">
          {code}
        </span>
      </div>
      <p className="say">
        <span className="say-label">{t('verify.say')}</span> <q data-testid="verify-sentence">{sentence}</q>
      </p>
      <p className="countdown" data-testid="verify-countdown">
        {t('verify.countdown', { time: formatRemaining(remaining) })}
      </p>
      <div className="progress" role="status" aria-live="polite" aria-label={t('verify.progress')}>
        <ol className="steps">
          {steps.map((step) => (
            <li key={step} className={stepDone(progress, step) ? 'done' : ''} data-step={step}>
              <span aria-hidden="true">{stepDone(progress, step) ? '✓' : '○'}</span>{' '}
              {t(`verify.step.${step}`)}
            </li>
          ))}
        </ol>
        {progress.reached === 'pending' && !progress.unreachable && (
          <p className="muted">{t('verify.step.waiting')}</p>
        )}
        {progress.attemptsLeft !== null && (
          <p className="notice warning" data-testid="verify-wrong-code">
            {t('verify.wrongCode', { attemptsLeft: progress.attemptsLeft })}
          </p>
        )}
      </div>
      {progress.unreachable && (
        <div className="notice warning fallback" role="alert" data-testid="verify-unreachable">
          {/* A heading of the panel's own level, so the fallback offer's heading below it follows in order. */}
          <h3 className="notice-title">{t('verify.unreachable')}</h3>
          <p>{t('verify.unreachableHelp', { tenant: tenantName })}</p>
          <FallbackSlot situation="unreachable">
            <p className="muted">{t('verify.fallbacksInConsole')}</p>
          </FallbackSlot>
          <button type="button" className="button" onClick={onRetry}>
            {t('verify.tryAgain')}
          </button>
        </div>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={onCancel} disabled={state.cancelling}>
          {t('verify.cancel')}
        </button>
      </div>
    </div>
  );
}

function Result({
  verification,
  focusRef,
  onRetry,
  onReset,
}: {
  verification: VerificationDetail;
  focusRef: React.RefObject<HTMLElement | null>;
  onRetry: () => void;
  onReset: () => void;
}) {
  const { t } = useI18n();
  const heading = (text: string) => (
    <h3
      ref={(node) => {
        focusRef.current = node;
      }}
      tabIndex={-1}
      data-testid="verify-result"
    >
      {text}
    </h3>
  );
  const again = (
    <div className="actions">
      <button type="button" className="button primary" onClick={onRetry}>
        {t('verify.tryAgain')}
      </button>
      <button type="button" className="button" onClick={onReset}>
        {t('verify.newVerification')}
      </button>
    </div>
  );
  switch (verification.status) {
    case 'approved': {
      const seconds =
        verification.finishedAt === null
          ? 0
          : (Date.parse(verification.finishedAt) - Date.parse(verification.createdAt)) / 1000;
      return (
        <div className="result result-approved" role="status" data-result="approved">
          <span className="result-icon" aria-hidden="true">
            ✓
          </span>
          {heading(
            verification.purpose === 'confirm_action'
              ? t('verify.result.approvedAction')
              : t('verify.result.approved'),
          )}
          {verification.actionSummary && <p className="action-summary">“{verification.actionSummary}”</p>}
          <p>
            {t('verify.result.approvedDetail', {
              method: t('verify.method.push'),
              assurance: verification.assurance ? t(`verify.assurance.${verification.assurance}`) : '–',
              seconds: seconds.toFixed(1),
            })}
          </p>
          <div className="actions">
            <button type="button" className="button" onClick={onReset}>
              {t('verify.newVerification')}
            </button>
          </div>
        </div>
      );
    }
    case 'denied':
      return (
        <div className="result result-denied" role="alert" data-result="denied">
          <span className="result-icon" aria-hidden="true">
            ✕
          </span>
          {heading(t('verify.result.denied'))}
          <p>{t('verify.result.deniedHelp')}</p>
          <FallbackSlot situation="denied" />
          <div className="actions">
            <button type="button" className="button" onClick={onReset}>
              {t('verify.newVerification')}
            </button>
          </div>
        </div>
      );
    case 'fraud_reported':
      return (
        <div className="result result-fraud" role="alert" data-result="fraud_reported">
          <span className="result-icon" aria-hidden="true">
            ⚠
          </span>
          {heading(t('verify.result.fraud'))}
          <p className="fraud-say">{t('verify.result.fraudSay')}</p>
          <p className="fraud-dont">
            <strong>{t('verify.result.fraudDont')}</strong>
          </p>
        </div>
      );
    case 'expired':
      return (
        <div className="result result-expired" role="alert" data-result="expired">
          <span className="result-icon" aria-hidden="true">
            <ClockIcon />
          </span>
          {heading(t('verify.result.expired'))}
          <p>{t('verify.result.expiredHelp')}</p>
          <FallbackSlot situation="expired">
            <p className="muted">{t('verify.fallbacksInConsole')}</p>
          </FallbackSlot>
          {again}
        </div>
      );
    case 'failed':
      return (
        <div className="result result-denied" role="alert" data-result="failed">
          <span className="result-icon" aria-hidden="true">
            ✕
          </span>
          {heading(t('verify.result.failed'))}
          <p>{t('verify.result.failedHelp')}</p>
          <FallbackSlot situation="failed" />
          {again}
        </div>
      );
    default:
      return (
        <div className="result result-neutral" role="status" data-result={verification.status}>
          {heading(t('verify.result.cancelled'))}
          <p>{t('verify.result.cancelledHelp')}</p>
          {again}
        </div>
      );
  }
}

/** Drawn, not a font glyph: not every agent's machine has an emoji font. */
function ClockIcon() {
  return (
    <svg
      width="40"
      height="40"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      focusable="false"
      aria-hidden="true"
    >
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 3" strokeLinecap="round" />
    </svg>
  );
}
