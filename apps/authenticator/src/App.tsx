import type { VerificationDecision } from '@helpdesk-auth/core';
import type { DeviceClient, DeviceRecord, DeviceState, VerifiedRequest } from '@helpdesk-auth/device-sdk';
import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { callNoticeIdPattern } from './call-notices.ts';
import { CallScreen } from './calls.tsx';
import { closeNotification, createClient, defaultDeviceLabel, errorCode, subscribeToPush } from './device.ts';
import { clearHistory, type HistoryEntry, loadHistory, recordRequest, recordStatus } from './history.ts';
import {
  type I18n,
  I18nContext,
  type Language,
  languageNames,
  languages,
  type MessageKey,
  preferredLanguage,
  saveLanguage,
  translate,
  useI18n,
} from './i18n.ts';
import { formatRemaining, Notice, Screen, useNow } from './ui.tsx';

// ---------------------------------------------------------------------------------------------
// Routing: paths under /app/
// ---------------------------------------------------------------------------------------------

type Route =
  | { name: 'home' }
  | { name: 'activate' }
  | { name: 'request'; id: string }
  | { name: 'history' }
  | { name: 'code' }
  | { name: 'device' }
  /** "Is the company calling me?": a notice named by a push or the live channel, or the check. */
  | { name: 'call'; id: string | null };

function parseRoute(pathname: string, hash = ''): Route {
  const path = pathname.replace(/^\/app\/?/, '').replace(/\/+$/, '');
  // The call screen is the app's page with `#call` (or `#call=<notice id>`): the fragment never
  // reaches the server, which answers the app's page for /app/ whatever follows.
  const call = new URLSearchParams(hash.replace(/^#/, '')).get('call');
  if (path === '' && call !== null) return { name: 'call', id: callNoticeIdPattern.test(call) ? call : null };
  if (path === 'activate') return { name: 'activate' };
  if (path === 'history') return { name: 'history' };
  if (path === 'device') return { name: 'device' };
  if (path === 'code') return { name: 'code' };
  const request = /^request\/(ver_[A-Za-z0-9]+)$/.exec(path);
  if (request?.[1]) return { name: 'request', id: request[1] };
  return { name: 'home' };
}

function routePath(route: Route): string {
  switch (route.name) {
    case 'home':
      return '/app/';
    case 'request':
      return `/app/request/${route.id}`;
    case 'call':
      return route.id ? `/app/#call=${route.id}` : '/app/#call';
    default:
      return `/app/${route.name}`;
  }
}

/** Reads the activation code from the fragment once, then removes it from the address bar. */
function takeActivationFromUrl(): string | null {
  const code = new URLSearchParams(window.location.hash.slice(1)).get('code');
  if (code === null) return null;
  window.history.replaceState(null, '', window.location.pathname);
  return code;
}

// Read before anything renders, so the code leaves the address bar at once.
const initialActivation = takeActivationFromUrl();

// ---------------------------------------------------------------------------------------------
// Small pieces
// ---------------------------------------------------------------------------------------------

/**
 * iPhones and iPads deliver Web Push only to a web app opened from the Home Screen (iOS 16.4 and
 * later); in a browser tab the permission is never offered. iPadOS reports itself as a Mac with
 * a touch screen.
 */
function needsHomeScreen(): boolean {
  const ios =
    /iPhone|iPad|iPod/.test(navigator.userAgent) ||
    (navigator.userAgent.includes('Macintosh') && navigator.maxTouchPoints > 1);
  const standalone =
    (navigator as Navigator & { standalone?: boolean }).standalone === true ||
    window.matchMedia('(display-mode: standalone)').matches;
  return ios && !standalone;
}

function HomeScreenHint() {
  const { t } = useI18n();
  if (!needsHomeScreen()) return null;
  return (
    <div className="notice notice-info" data-testid="home-screen-hint">
      <h2>{t('homeScreenTitle')}</h2>
      <p>{t('homeScreenText')}</p>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Enrollment
// ---------------------------------------------------------------------------------------------

type EnrollStep = 'code' | 'notify' | 'working' | 'unlock' | 'ready';

function Enrollment({
  client,
  initialCode,
  onEnrolled,
  onFinished,
  removedNotice,
}: {
  client: DeviceClient;
  initialCode: string | null;
  onEnrolled(state: DeviceState): void;
  onFinished(): void;
  removedNotice: boolean;
}) {
  const { t } = useI18n();
  const [step, setStep] = useState<EnrollStep>('code');
  const [code, setCode] = useState(initialCode ?? '');
  const [label, setLabel] = useState(defaultDeviceLabel);
  const [error, setError] = useState<string | null>(null);
  const [company, setCompany] = useState('');
  const [pushOn, setPushOn] = useState(false);
  const [unlockNote, setUnlockNote] = useState<string | null>(null);

  function submitCode(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      client.parseActivation(code);
    } catch {
      setError(t('activationUnreadable'));
      return;
    }
    setStep('notify');
  }

  async function enroll(withNotifications: boolean) {
    setStep('working');
    setError(null);
    const { push } = withNotifications ? await subscribeToPush() : { push: null };
    try {
      const state = await client.enroll(code, {
        label: label.trim() || defaultDeviceLabel(),
        platform: 'web',
        push,
      });
      await navigator.storage?.persist?.().catch(() => false);
      setCompany(state.tenant.name);
      setPushOn(push !== null);
      onEnrolled(state);
      setStep('unlock');
    } catch (caught) {
      const codeName = errorCode(caught);
      setError(
        codeName === 'ACTIVATION_INVALID' ||
          codeName === 'ACTIVATION_USED' ||
          codeName === 'INVALID_ACTIVATION'
          ? t('activationInvalid')
          : codeName === 'RATE_LIMITED'
            ? t('rateLimited')
            : codeName === 'NETWORK_ERROR'
              ? t('offline')
              : t('errorGeneric'),
      );
      setStep('code');
    }
  }

  async function setUpUnlock() {
    setUnlockNote(null);
    try {
      await client.registerWebAuthn(navigator.credentials);
      setStep('ready');
    } catch (caught) {
      const name = errorCode(caught);
      setUnlockNote(
        name === 'WEBAUTHN_CANCELLED'
          ? t('unlockCancelled')
          : name === 'WEBAUTHN_UNAVAILABLE'
            ? t('unlockUnavailable')
            : t('errorGeneric'),
      );
    }
  }

  if (step === 'notify' || step === 'working') {
    return (
      <Screen title={t('notifyTitle')}>
        <p>{t('notifyText')}</p>
        <HomeScreenHint />
        {step === 'working' ? (
          <p className="busy" role="status">
            {t('enrolling')}
          </p>
        ) : (
          <div className="actions">
            <button type="button" className="primary" onClick={() => void enroll(true)}>
              {t('notifyAllow')}
            </button>
            <button type="button" className="secondary" onClick={() => void enroll(false)}>
              {t('notifySkip')}
            </button>
          </div>
        )}
      </Screen>
    );
  }
  if (step === 'unlock') {
    return (
      <Screen title={t('unlockTitle')}>
        <p>{t('unlockText')}</p>
        {unlockNote && <Notice kind="warning">{unlockNote}</Notice>}
        <div className="actions">
          <button type="button" className="primary" onClick={() => void setUpUnlock()}>
            {t('unlockSetUp')}
          </button>
          <button type="button" className="secondary" onClick={() => setStep('ready')}>
            {t('unlockLater')}
          </button>
        </div>
      </Screen>
    );
  }
  if (step === 'ready') {
    return (
      <Screen title={t('readyTitle', { company })}>
        <p>{t('readyText', { company })}</p>
        <p className="emphasis">{t('readyNever')}</p>
        {!pushOn && <Notice kind="info">{t('readyNoPush')}</Notice>}
        <div className="actions">
          <button type="button" className="primary" onClick={onFinished}>
            {t('done')}
          </button>
        </div>
      </Screen>
    );
  }
  return (
    <Screen title={t('welcomeTitle')}>
      {removedNotice && <Notice kind="info">{t('removed')}</Notice>}
      <p>{t('welcomeIntro')}</p>
      {initialCode && !error && <Notice kind="info">{t('codeFromLink')}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <form onSubmit={submitCode} noValidate>
        <label htmlFor="activation-code">{t('activationCode')}</label>
        <input
          id="activation-code"
          name="activation-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          aria-describedby="activation-hint"
          required
        />
        <p id="activation-hint" className="hint">
          {t('activationHint')}
        </p>
        <label htmlFor="device-label">{t('deviceName')}</label>
        <input
          id="device-label"
          name="device-label"
          value={label}
          maxLength={100}
          onChange={(e) => setLabel(e.target.value)}
          aria-describedby="device-label-hint"
        />
        <p id="device-label-hint" className="hint">
          {t('deviceNameHint')}
        </p>
        <div className="actions">
          <button type="submit" className="primary">
            {t('continue')}
          </button>
        </div>
      </form>
    </Screen>
  );
}

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

type Outcome = 'approved' | 'denied' | 'fraud_reported' | 'failed';

function RequestScreen({
  client,
  state,
  id,
  liveStatus,
  onSeen,
  onDecided,
  onHome,
}: {
  client: DeviceClient;
  state: DeviceState;
  id: string;
  liveStatus: string | undefined;
  onSeen(request: VerifiedRequest): void;
  onDecided(id: string, status: string): void;
  onHome(): void;
}) {
  const { t, time } = useI18n();
  const [request, setRequest] = useState<VerifiedRequest | null>(null);
  const [loadError, setLoadError] = useState<MessageKey | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<VerificationDecision | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'warning'; text: string } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  // The request's expiry is the server's: counted down on its time, so a phone whose clock is off
  // still shows the minutes left.
  const now = useNow(1000, client.serverTime);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const fetched = await client.fetchRequest(id);
      setRequest(fetched);
      onSeen(fetched);
      void closeNotification(id);
    } catch (caught) {
      const name = errorCode(caught);
      setLoadError(
        // A key set that does not verify leaves the request as unchecked as a bad signature.
        name === 'REQUEST_SIGNATURE_INVALID' || name === 'KEY_SET_INVALID'
          ? 'notTrusted'
          : name === 'NOT_FOUND'
            ? 'notFound'
            : name === 'NETWORK_ERROR'
              ? 'networkFailed'
              : 'errorGeneric',
      );
    }
  }, [client, id, onSeen]);

  useEffect(() => {
    void load();
  }, [load]);

  // A final status from the live channel closes the request on screen.
  useEffect(() => {
    if (!liveStatus || liveStatus === 'pending') return;
    setRequest((current) =>
      current ? { ...current, status: liveStatus as VerifiedRequest['status'] } : current,
    );
  }, [liveStatus]);

  const company = request?.tenantName ?? state.tenant.name;

  // An open request puts the focus in the code field, once: the code is what the customer came to
  // type. (The field's description reads out the question with it.)
  const requestOpen = request !== null && request.status === 'pending' && outcome === null;
  const focused = useRef(false);
  useEffect(() => {
    if (!requestOpen || focused.current) return;
    focused.current = true;
    codeInput.current?.focus();
  }, [requestOpen]);

  if (outcome) {
    const titles: Record<Outcome, MessageKey> = {
      approved: 'approvedTitle',
      denied: 'deniedTitle',
      fraud_reported: 'fraudTitle',
      failed: 'failedTitle',
    };
    const texts: Record<Outcome, MessageKey> = {
      approved: 'approvedText',
      denied: 'deniedText',
      fraud_reported: 'fraudText',
      failed: 'failedText',
    };
    return (
      <Screen title={t(titles[outcome])}>
        <div className={`result result-${outcome}`}>
          <p>{t(texts[outcome], { company })}</p>
        </div>
        <div className="actions">
          <button type="button" className="secondary" onClick={onHome}>
            {t('backHome')}
          </button>
        </div>
      </Screen>
    );
  }

  if (!request) {
    return (
      <Screen title={loadError ? t('requestTitle', { company }) : t('loading')}>
        {loadError && (
          <>
            <Notice kind="error">{t(loadError, { company })}</Notice>
            <div className="actions">
              {loadError === 'networkFailed' && (
                <button type="button" className="primary" onClick={() => void load()}>
                  {t('retryNow')}
                </button>
              )}
              <button type="button" className="secondary" onClick={onHome}>
                {t('backHome')}
              </button>
            </div>
          </>
        )}
      </Screen>
    );
  }

  const remaining = request.expiresAt.getTime() - now;
  const expired = request.status === 'expired' || (request.status === 'pending' && remaining <= 0);
  const open = request.status === 'pending' && !expired;
  const useUnlock = state.webauthn !== undefined;

  async function decide(decision: VerificationDecision) {
    if (!request || busy) return;
    setMessage(null);
    if (decision === 'approve' && !new RegExp(`^[0-9]{${request.codeLength}}$`).test(code)) {
      setMessage({ kind: 'error', text: t('codeLength', { digits: request.codeLength }) });
      codeInput.current?.focus();
      return;
    }
    setBusy(decision);
    try {
      const result = await client.decide(request, {
        decision,
        code,
        // Deny and report fraud stay one tap: the device key signs them (the server accepts
        // either proof for them). Approval is signed by the unlock when it is set up.
        credentials: decision === 'approve' && useUnlock ? navigator.credentials : undefined,
      });
      onDecided(request.id, result.status);
      if (result.status === 'pending') return;
      setOutcome(result.status as Outcome);
    } catch (caught) {
      const name = errorCode(caught);
      const details = (caught as { details?: { attemptsLeft?: number } }).details;
      switch (name) {
        case 'WRONG_CODE':
          setCode('');
          setMessage({ kind: 'error', text: t('wrongCode', { attempts: details?.attemptsLeft ?? 0 }) });
          codeInput.current?.focus();
          break;
        case 'INVALID_CODE':
          setMessage({ kind: 'error', text: t('codeLength', { digits: request.codeLength }) });
          break;
        case 'WEBAUTHN_CANCELLED':
          setMessage({ kind: 'warning', text: t('unlockCancelledDecision') });
          break;
        case 'DEVICE_PROOF_INVALID':
          setMessage({ kind: 'error', text: t('tooSlow') });
          break;
        case 'USER_VERIFICATION_REQUIRED':
          setMessage({ kind: 'error', text: t('uvRequired', { company }) });
          break;
        case 'NETWORK_ERROR':
          setMessage({ kind: 'error', text: t('networkFailed', { company }) });
          break;
        case 'VERIFICATION_EXPIRED':
          setRequest({ ...request, status: 'expired' });
          onDecided(request.id, 'expired');
          break;
        case 'VERIFICATION_NOT_PENDING':
          await load();
          break;
        default:
          setMessage({ kind: 'error', text: t('errorGeneric') });
      }
    } finally {
      setBusy(null);
    }
  }

  return (
    <Screen title={t('requestTitle', { company })} focusHeading={!open} className="request-screen">
      <p className="question" id="request-question">
        {t('question', { company })}
      </p>
      <dl className="facts request-facts">
        <div>
          <dt>{t('agent')}</dt>
          <dd>{request.agentName}</dd>
        </div>
        <div>
          <dt>{t('reason')}</dt>
          <dd>{request.reason}</dd>
        </div>
        {request.actionSummary !== null && (
          <div>
            <dt>{t('action')}</dt>
            <dd className="action-summary">{request.actionSummary}</dd>
          </div>
        )}
        <div className="half">
          <dt>{t('started')}</dt>
          <dd>{time(request.issuedAt)}</dd>
        </div>
        {open && (
          <div className="half">
            <dt>{t('expiresIn')}</dt>
            <dd>
              <time dateTime={request.expiresAt.toISOString()}>{formatRemaining(remaining)}</time>
            </dd>
          </div>
        )}
      </dl>

      {!open && (
        <>
          <Notice kind="warning">
            {expired ? t('expired') : t('answered', { status: t(`status_${request.status}` as MessageKey) })}
          </Notice>
          <div className="actions">
            <button type="button" className="secondary" onClick={onHome}>
              {t('backHome')}
            </button>
          </div>
        </>
      )}

      {open && (
        <form
          className="decision"
          onSubmit={(event) => {
            event.preventDefault();
            void decide('approve');
          }}
          noValidate
        >
          <label htmlFor="code">{t('codeLabel', { digits: request.codeLength })}</label>
          <input
            id="code"
            ref={codeInput}
            className="code-input"
            name="code"
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, request.codeLength))}
            inputMode="numeric"
            pattern="[0-9]*"
            autoComplete="one-time-code"
            maxLength={request.codeLength}
            aria-describedby="request-question code-hint"
            aria-invalid={message?.kind === 'error' ? true : undefined}
            disabled={busy !== null}
          />
          <p id="code-hint" className="hint">
            {t('codeHint')}
          </p>
          {message && <Notice kind={message.kind}>{message.text}</Notice>}
          {busy === 'approve' && useUnlock && (
            <p className="busy" role="status">
              {t('waitingForUnlock')}
            </p>
          )}
          <div className="actions decision-actions">
            <button type="submit" className="primary" disabled={busy !== null}>
              {busy === 'approve' ? t('sending') : useUnlock ? t('approve') : t('approveNoUnlock')}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy !== null}
              onClick={() => void decide('deny')}
            >
              {busy === 'deny' ? t('sending') : t('deny')}
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy !== null}
              onClick={() => void decide('report_fraud')}
            >
              {busy === 'report_fraud' ? t('sending') : t('fraud')}
            </button>
          </div>
        </form>
      )}
    </Screen>
  );
}

// ---------------------------------------------------------------------------------------------
// Home, history, device
// ---------------------------------------------------------------------------------------------

type Connection =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  | { kind: 'offline' }
  | { kind: 'retrying'; at: number };

/** Six digits as two groups of three, the way people read them out. */
function groupDigits(code: string): string {
  return code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

/**
 * The offline code: computed on this device from the secret it got at enrollment, every second,
 * with no network. The digits are announced one by one; the countdown is not announced (it would
 * talk every second), but the new code is, when it changes.
 */
function CodeScreen({ client, state }: { client: DeviceClient; state: DeviceState }) {
  const { t } = useI18n();
  const now = useNow(1000);
  const [current, setCurrent] = useState<{ code: string; secondsLeft: number } | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: recomputed every second (now) and after setup (attempt)
  useEffect(() => {
    let live = true;
    client.offlineCode().then(
      (next) => {
        if (!live) return;
        setMissing(false);
        setCurrent({ code: next.code, secondsLeft: next.secondsLeft });
      },
      (error: unknown) => {
        if (live && errorCode(error) === 'OFFLINE_CODE_UNAVAILABLE') setMissing(true);
      },
    );
    return () => {
      live = false;
    };
  }, [client, now, attempt]);

  async function setUp() {
    if (!navigator.onLine) {
      setNote(t('codeSetUpOffline'));
      return;
    }
    setBusy(true);
    setNote(null);
    try {
      await client.obtainOfflineSecret();
      setAttempt((n) => n + 1);
    } catch (error) {
      setNote(errorCode(error) === 'NETWORK_ERROR' ? t('codeSetUpOffline') : t('codeUnavailable'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen title={t('codeTitle')}>
      <p>{t('codeIntro', { company: state.tenant.name })}</p>
      {missing ? (
        <>
          <Notice kind="info">{t('codeMissing')}</Notice>
          {note && <Notice kind="warning">{note}</Notice>}
          <button type="button" onClick={() => void setUp()} disabled={busy}>
            {t('codeSetUp')}
          </button>
        </>
      ) : (
        current && (
          <div className="card offline-code">
            <p className="offline-code-digits" aria-live="polite" aria-atomic="true" data-code={current.code}>
              <span aria-hidden="true">{groupDigits(current.code)}</span>
              <span className="visually-hidden">
                {t('offlineCodeLabel', { digits: current.code.split('').join(' ') })}
              </span>
            </p>
            <p className="offline-code-timer">
              <span>{t('codeChangesIn', { seconds: current.secondsLeft })}</span>
              <span className="offline-code-bar" aria-hidden="true">
                <span style={{ width: `${(current.secondsLeft / 30) * 100}%` }} />
              </span>
            </p>
          </div>
        )
      )}
      <p className="emphasis">{t('codeNever')}</p>
    </Screen>
  );
}

function ConnectionBanner({
  connection,
  company,
  onRetry,
  onShowCode,
}: {
  connection: Connection;
  company: string;
  onRetry(): void;
  /** Absent on the code screen itself. */
  onShowCode?: () => void;
}) {
  const { t } = useI18n();
  const now = useNow(1000);
  if (connection.kind === 'connected') return null;
  if (connection.kind === 'connecting') {
    return (
      <div className="banner" role="status">
        {t('connecting')}
      </div>
    );
  }
  const text =
    connection.kind === 'offline'
      ? t('offline')
      : t('reconnecting', { company, seconds: Math.max(0, Math.ceil((connection.at - now) / 1000)) });
  return (
    <div className="banner banner-warning" role="status">
      <span>{text}</span>
      <span className="banner-actions">
        {onShowCode && (
          <button type="button" className="secondary small" onClick={onShowCode}>
            {t('offlineShowCode')}
          </button>
        )}
        <button type="button" className="secondary small" onClick={onRetry}>
          {t('retryNow')}
        </button>
      </span>
    </div>
  );
}

function Home({
  device,
  pending,
  onOpen,
  notice,
}: {
  notice: string | null;
  device: DeviceRecord | null;
  pending: VerifiedRequest[];
  onOpen(id: string): void;
}) {
  const { t, time } = useI18n();
  return (
    <Screen title={t('homeTitle')}>
      {notice && <Notice kind="info">{notice}</Notice>}
      {pending.length === 0 ? (
        <p className="empty">{t('waiting')}</p>
      ) : (
        <ul className="list">
          {pending.map((request) => (
            <li key={request.id}>
              <button type="button" className="list-item" onClick={() => onOpen(request.id)}>
                <span className="list-title">{t('openRequest', { company: request.tenantName })}</span>
                <span className="list-meta">
                  {request.reason} · {time(request.issuedAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {device && device.push === null && <Notice kind="info">{t('noPushNote')}</Notice>}
      {device && device.push === null && <HomeScreenHint />}
      <section className="card" aria-labelledby="how-title">
        <h2 id="how-title">{t('howItWorks')}</h2>
        <p>{t('howItWorksText')}</p>
        <p className="emphasis">{t('readyNever')}</p>
      </section>
    </Screen>
  );
}

/**
 * A request that ended while the app was closed still reads "pending" here: the device learns
 * final statuses only from its live channel (fetching the request again would record it as opened).
 */
function shownStatus(entry: HistoryEntry): string {
  if (entry.status !== 'pending') return entry.status;
  return entry.expiresAt && Date.parse(entry.expiresAt) < Date.now() ? 'closed' : 'pending';
}

function History({ entries }: { entries: HistoryEntry[] }) {
  const { t, dateTime } = useI18n();
  return (
    <Screen title={t('historyTitle')}>
      <p className="hint">{t('historyNote')}</p>
      {entries.length === 0 ? (
        <p className="empty">{t('historyEmpty')}</p>
      ) : (
        <ul className="list">
          {entries.map((entry) => (
            <li key={entry.id} className="list-item static">
              <span className="list-title">
                {entry.tenantName}: {entry.reason}
              </span>
              <span className="list-meta">
                {dateTime(new Date(entry.startedAt))} · {entry.agentName}
              </span>
              <span className={`badge badge-${shownStatus(entry)}`}>
                {t(`status_${shownStatus(entry)}` as MessageKey)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Screen>
  );
}

function DeviceScreen({
  client,
  state,
  device,
  onChanged,
  onRemoved,
}: {
  client: DeviceClient;
  state: DeviceState;
  device: DeviceRecord | null;
  onChanged(record: DeviceRecord | null): void;
  onRemoved(): void;
}) {
  const { t } = useI18n();
  const [label, setLabel] = useState(state.label);
  const [note, setNote] = useState<{ kind: 'success' | 'error' | 'warning'; text: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  async function rename(event: FormEvent) {
    event.preventDefault();
    setNote(null);
    setBusy(true);
    try {
      onChanged(await client.rename(label.trim()));
      setNote({ kind: 'success', text: t('renamed') });
    } catch (caught) {
      setNote({
        kind: 'error',
        text:
          errorCode(caught) === 'NETWORK_ERROR'
            ? t('networkFailed', { company: state.tenant.name })
            : t('errorGeneric'),
      });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setNote(null);
    try {
      await client.revoke();
      onRemoved();
    } catch (caught) {
      setNote({
        kind: 'error',
        text:
          errorCode(caught) === 'NETWORK_ERROR'
            ? t('networkFailed', { company: state.tenant.name })
            : t('errorGeneric'),
      });
      setBusy(false);
    }
  }

  async function setUpUnlock() {
    setNote(null);
    try {
      onChanged(await client.registerWebAuthn(navigator.credentials));
    } catch (caught) {
      const name = errorCode(caught);
      setNote({
        kind: 'warning',
        text:
          name === 'WEBAUTHN_CANCELLED'
            ? t('unlockCancelled')
            : name === 'WEBAUTHN_UNAVAILABLE'
              ? t('unlockUnavailable')
              : t('errorGeneric'),
      });
    }
  }

  async function turnOnNotifications() {
    setNote(null);
    setBusy(true);
    try {
      const outcome = await subscribeToPush();
      if (outcome.push === null) {
        setNote({
          kind: 'warning',
          text: outcome.reason === 'denied' ? t('notificationsDenied') : t('notificationsUnavailable'),
        });
        return;
      }
      onChanged(await client.updatePush(outcome.push));
    } catch (caught) {
      setNote({
        kind: 'error',
        text:
          errorCode(caught) === 'NETWORK_ERROR'
            ? t('networkFailed', { company: state.tenant.name })
            : t('errorGeneric'),
      });
    } finally {
      setBusy(false);
    }
  }

  const unlockOn = device ? device.webauthn : state.webauthn !== undefined;
  return (
    <Screen title={t('deviceTitle')}>
      <dl className="facts stacked">
        <div>
          <dt>{t('company')}</dt>
          <dd>{state.tenant.name}</dd>
        </div>
        <div>
          <dt>{t('notifications')}</dt>
          <dd>{device?.push ? t('notificationsOn') : t('notificationsOff')}</dd>
        </div>
        <div>
          <dt>{t('unlock')}</dt>
          <dd>{unlockOn ? t('unlockOn') : t('unlockOff')}</dd>
        </div>
      </dl>
      {(!unlockOn || device?.push === null) && (
        <div className="actions">
          {!unlockOn && (
            <button type="button" className="secondary" onClick={() => void setUpUnlock()}>
              {t('unlockSetUp')}
            </button>
          )}
          {device?.push === null && (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void turnOnNotifications()}
            >
              {t('notificationsTurnOn')}
            </button>
          )}
        </div>
      )}
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <form onSubmit={rename} className="card">
        <label htmlFor="rename-label">{t('deviceName')}</label>
        <input
          id="rename-label"
          value={label}
          maxLength={100}
          onChange={(e) => setLabel(e.target.value)}
          required
        />
        <div className="actions">
          <button type="submit" className="secondary" disabled={busy || label.trim() === ''}>
            {t('rename')}
          </button>
        </div>
      </form>
      <section className="card" aria-labelledby="remove-title">
        <h2 id="remove-title">{t('removeTitle')}</h2>
        <p>{t('removeText')}</p>
        <div className="actions">
          {confirming ? (
            <>
              <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
                {t('removeConfirm')}
              </button>
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => setConfirming(false)}
              >
                {t('cancel')}
              </button>
            </>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              {t('remove')}
            </button>
          )}
        </div>
      </section>
    </Screen>
  );
}

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

export function App() {
  const [language, setLanguageState] = useState<Language>(preferredLanguage);
  const i18n = useMemo<I18n>(() => {
    const locale = language === 'de' ? 'de-DE' : 'en-GB';
    return {
      language,
      setLanguage: (next) => {
        saveLanguage(next);
        setLanguageState(next);
      },
      t: (key, params) => translate(language, key, params),
      time: (date) => date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }),
      dateTime: (date) => date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }),
    };
  }, [language]);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = translate(language, 'appName');
  }, [language]);

  const client = useMemo(createClient, []);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname, window.location.hash));
  const [state, setState] = useState<DeviceState | null | undefined>(undefined);
  const [enrolling, setEnrolling] = useState(false);
  const [removed, setRemoved] = useState(false);
  const [device, setDevice] = useState<DeviceRecord | null>(null);
  const [pending, setPending] = useState<VerifiedRequest[]>([]);
  const [statuses, setStatuses] = useState<Record<string, string>>({});
  // The same, readable at once: a live event can arrive before React has re-rendered with the
  // last one (a new request right after the shown one was cancelled).
  const statusesRef = useRef<Record<string, string>>({});
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [connection, setConnection] = useState<Connection>({ kind: 'connecting' });
  // Call notices the live channel said have ended: an open notice screen stops vouching for them.
  const [endedCalls, setEndedCalls] = useState<ReadonlySet<string>>(() => new Set());
  const wake = useRef<(() => void) | null>(null);
  const routeRef = useRef(route);
  routeRef.current = route;

  const navigate = useCallback((next: Route) => {
    window.history.pushState(null, '', routePath(next));
    setRoute(next);
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname, window.location.hash));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    void client.state().then(
      (loaded) => setState(loaded),
      () => setState(null),
    );
  }, [client]);

  useEffect(() => {
    if (state) setHistory(loadHistory(state.deviceId));
  }, [state]);

  const forgetDevice = useCallback(async () => {
    const deviceId = state?.deviceId;
    await client.forget().catch(() => undefined);
    if (deviceId) clearHistory(deviceId);
    setState(null);
    setDevice(null);
    setPending([]);
    setRemoved(true);
    navigate({ name: 'activate' });
  }, [client, navigate, state?.deviceId]);

  const onSeen = useCallback(
    (request: VerifiedRequest) => {
      if (!state) return;
      setHistory(recordRequest(state.deviceId, request));
      statusesRef.current = { ...statusesRef.current, [request.id]: request.status };
      setStatuses((s) => ({ ...s, [request.id]: request.status }));
    },
    [state],
  );

  const onStatus = useCallback(
    (id: string, status: string) => {
      if (!state) return;
      statusesRef.current = { ...statusesRef.current, [id]: status };
      setStatuses((s) => ({ ...s, [id]: status }));
      setHistory(recordStatus(state.deviceId, id, status));
      if (status !== 'pending') setPending((list) => list.filter((r) => r.id !== id));
    },
    [state],
  );

  const showRequest = useCallback(
    async (id: string) => {
      if (!state) return;
      try {
        const request = await client.fetchRequest(id);
        setHistory(recordRequest(state.deviceId, request));
        if (request.status !== 'pending') return;
        setPending((list) => [request, ...list.filter((r) => r.id !== id)]);
        const current = routeRef.current;
        // Open it, unless the customer is in the middle of another request.
        if (
          current.name !== 'request' ||
          current.id === id ||
          statusesRef.current[current.id] !== 'pending'
        ) {
          navigate({ name: 'request', id });
        }
      } catch {
        // Shown when the live channel or a retry brings it again.
      }
    },
    [client, navigate, state],
  );
  /** A call notice arrived: show it, unless the customer is answering a verification request. */
  const showCall = useCallback(
    (id: string) => {
      const current = routeRef.current;
      if (current.name === 'request' && statusesRef.current[current.id] === 'pending') return;
      void closeNotification(id);
      navigate({ name: 'call', id });
    },
    [navigate],
  );
  const showCallRef = useRef(showCall);
  showCallRef.current = showCall;
  const showRequestRef = useRef(showRequest);
  showRequestRef.current = showRequest;
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;

  // The live channel, with reconnects: 1 s, doubling to 30 s; at once when the network returns.
  const enrolled = state !== null && state !== undefined && !enrolling;
  useEffect(() => {
    if (!enrolled) return;
    const controller = new AbortController();
    const { signal } = controller;
    let delay = 1_000;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake.current = null;
          resolve();
        }
        wake.current = done;
        signal.addEventListener('abort', done, { once: true });
      });
    // Going offline does not always break an open stream at once; drop it, so the app says it is
    // offline and reconnects (and catches up) when the network returns.
    let attempt: AbortController | null = null;
    const onOnline = () => wake.current?.();
    const onOffline = () => {
      setConnection({ kind: 'offline' });
      attempt?.abort();
    };
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);

    void (async () => {
      while (!signal.aborted) {
        attempt = new AbortController();
        const stream = AbortSignal.any([signal, attempt.signal]);
        try {
          if (!navigator.onLine) throw new Error('offline');
          setConnection({ kind: 'connecting' });
          const record = await client.device();
          setDevice(record);
          await client.listen({
            signal: stream,
            // Pending requests are fetched once the stream is open, so none started while
            // connecting is missed.
            onOpen: async () => {
              const waiting = (await client.pendingRequests()).filter((r) => r.status === 'pending');
              setPending(waiting);
              setConnection({ kind: 'connected' });
              delay = 1_000;
              const newest = waiting[0];
              if (newest && routeRef.current.name === 'home') await showRequestRef.current(newest.id);
              // An announced call the customer has not seen (the push was missed): show it too.
              else if (routeRef.current.name === 'home') {
                const call = await client.currentCall().catch(() => null);
                if (call?.active && routeRef.current.name === 'home') showCallRef.current(call.notice.id);
              }
            },
            onEvent: async (event) => {
              if (event.type === 'verification') {
                if (event.status === 'pending') await showRequestRef.current(event.id);
                else onStatusRef.current(event.id, event.status);
              } else if (event.type === 'call_notice') {
                showCallRef.current(event.id);
              } else if (event.type === 'call_notice_ended') {
                const ended = event.id;
                setEndedCalls((set) => new Set(set).add(ended));
              } else if (event.type === 'device-revoked' && event.deviceId === record.id) {
                await forgetDevice();
              }
            },
          });
          if (signal.aborted) return;
          // The stream ended (the server restarted, a proxy closed it, the network went): reconnect soon.
          if (!navigator.onLine) setConnection({ kind: 'offline' });
          await sleep(navigator.onLine ? 1_000 : delay);
        } catch (caught) {
          if (signal.aborted) return;
          const name = errorCode(caught);
          if (name === 'DEVICE_REVOKED' || name === 'NOT_ENROLLED') {
            await forgetDevice();
            return;
          }
          if (!navigator.onLine) setConnection({ kind: 'offline' });
          else setConnection({ kind: 'retrying', at: Date.now() + delay });
          await sleep(delay);
          delay = Math.min(delay * 2, 30_000);
        }
      }
    })();
    return () => {
      controller.abort();
      attempt?.abort();
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
    };
  }, [client, enrolled, forgetDevice]);

  // The service worker forwards push messages to an open app (when its live channel is down).
  useEffect(() => {
    if (!enrolled || !('serviceWorker' in navigator)) return;
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: string; id?: string } | null;
      if (data?.type === 'verification' && typeof data.id === 'string') void showRequestRef.current(data.id);
      if (data?.type === 'call_notice' && typeof data.id === 'string' && callNoticeIdPattern.test(data.id))
        showCallRef.current(data.id);
      if (data?.type === 'call_notice_ended' && typeof data.id === 'string') {
        const ended = data.id;
        setEndedCalls((set) => new Set(set).add(ended));
      }
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }, [enrolled]);

  let body: ReactNode;
  if (state === undefined) {
    body = <p className="busy">{i18n.t('loading')}</p>;
  } else if (state === null || enrolling) {
    body = (
      <Enrollment
        client={client}
        initialCode={initialActivation}
        removedNotice={removed}
        onEnrolled={(next) => {
          setEnrolling(true);
          setRemoved(false);
          setState(next);
        }}
        onFinished={() => {
          void client.state().then((latest) => {
            setState(latest);
            setEnrolling(false);
            navigate({ name: 'home' });
          });
        }}
      />
    );
  } else if (route.name === 'request') {
    body = (
      <RequestScreen
        key={route.id}
        client={client}
        state={state}
        id={route.id}
        liveStatus={statuses[route.id]}
        onSeen={onSeen}
        onDecided={onStatus}
        onHome={() => navigate({ name: 'home' })}
      />
    );
  } else if (route.name === 'call') {
    body = (
      <CallScreen
        key={route.id ?? 'check'}
        client={client}
        company={state.tenant.name}
        noticeId={route.id}
        endedIds={endedCalls}
        onHome={() => navigate({ name: 'home' })}
      />
    );
  } else if (route.name === 'history') {
    body = <History entries={history} />;
  } else if (route.name === 'code') {
    body = <CodeScreen client={client} state={state} />;
  } else if (route.name === 'device') {
    body = (
      <DeviceScreen
        client={client}
        state={state}
        device={device}
        onChanged={(record) => {
          if (record) setDevice(record);
          void client.state().then((latest) => latest && setState(latest));
        }}
        onRemoved={() => void forgetDevice()}
      />
    );
  } else {
    body = (
      <Home
        notice={
          initialActivation !== null && route.name === 'activate'
            ? i18n.t('alreadyEnrolled', { company: state.tenant.name })
            : null
        }
        device={device}
        pending={pending}
        onOpen={(id) => navigate({ name: 'request', id })}
      />
    );
  }

  const showNav = state !== null && state !== undefined && !enrolling;
  const navItems: { route: Route; label: MessageKey }[] = [
    { route: { name: 'home' }, label: 'navHome' },
    { route: { name: 'code' }, label: 'navCode' },
    { route: { name: 'history' }, label: 'navHistory' },
    { route: { name: 'device' }, label: 'navDevice' },
  ];
  return (
    <I18nContext.Provider value={i18n}>
      <a className="skip-link" href="#main">
        {i18n.t('skipToContent')}
      </a>
      <header className="top">
        <div className="brand">
          <img src="/app/icons/icon.svg" alt="" width="32" height="32" />
          <span>{showNav ? state.tenant.name : i18n.t('appShortName')}</span>
        </div>
        <label className="language">
          <span className="visually-hidden">{i18n.t('language')}</span>
          <select value={language} onChange={(e) => i18n.setLanguage(e.target.value as Language)}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {languageNames[l]}
              </option>
            ))}
          </select>
        </label>
      </header>
      {showNav && (
        <nav className="tabs" aria-label={i18n.t('mainNav')}>
          {navItems.map((item) => {
            const current =
              item.route.name === route.name || (item.route.name === 'home' && route.name === 'request');
            return (
              <a
                key={item.route.name}
                href={routePath(item.route)}
                aria-current={current ? 'page' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(item.route);
                }}
              >
                {i18n.t(item.label)}
              </a>
            );
          })}
        </nav>
      )}
      {showNav && (
        <ConnectionBanner
          connection={connection}
          company={state.tenant.name}
          onRetry={() => wake.current?.()}
          {...(route.name === 'code' ? {} : { onShowCode: () => navigate({ name: 'code' }) })}
        />
      )}
      {/* On every screen but the call screen itself and a request, which is one task that must
          fit a phone screen with its own "I am not on a call: report fraud". */}
      {showNav && route.name !== 'call' && route.name !== 'request' && (
        <div className="call-ask">
          <a
            href={routePath({ name: 'call', id: null })}
            className="call-ask-link"
            onClick={(event) => {
              event.preventDefault();
              navigate({ name: 'call', id: null });
            }}
          >
            {i18n.t('callAsk', { company: state.tenant.name })}
          </a>
        </div>
      )}
      <main id="main">{body}</main>
    </I18nContext.Provider>
  );
}
