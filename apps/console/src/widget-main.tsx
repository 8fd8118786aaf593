import { StrictMode, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTransport, isApiError, type VerifyBackend } from './api/client.ts';
import type { StartVerification, Verification, VerificationDetail } from './api/types.ts';
import { type CallNotice, createWidgetCallBackend, type MutualCode, readCallPolicy } from './calls/api.ts';
import { CallPanel } from './calls/CallPanel.tsx';
import { I18nProvider, type Language, languages, useI18n } from './i18n/i18n.tsx';
import { FraudProcedure } from './pages/fraud.tsx';
import { PracticeBanner } from './practice/PracticeCall.tsx';
import { VerifyPanel } from './verify/VerifyPanel.tsx';
import './styles.css';

/**
 * The verify panel alone, for embedding (`<helpdesk-verify>` or any iframe): it acts with the
 * short-lived widget token its host obtained (POST /v1/widget-tokens), passed in the fragment
 * (`#token=...`), which never reaches server logs, and removed from the address at once.
 */

interface WidgetSession {
  tenant: { name: string };
  agentName: string;
  expiresAt: string;
  customer: {
    id: string;
    displayName: string;
    externalId: string | null;
    /** A made-up customer of the practice space: the panel says so, all the time. */
    practice: boolean;
    /** An open fraud report; null once resolved. */
    fraudReportedAt: string | null;
    phoneChangedAt: string | null;
    /** Why push is locked; the panel offers no push then. */
    pushLock: 'PUSH_LOCKED_FRAUD' | 'PUSH_LOCKED_DENIALS' | null;
  };
  devices: { label: string; platform: string; push: string | null; lastSeenAt: string }[];
  /** Whether this token may announce calls, with the policy's defaults, where the server says so. */
  callNotices?: { allowed: boolean; defaultMutualCode?: MutualCode | null; maxMinutes?: number } | null;
}

const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
let token = fragment.get('token') ?? '';
const requestedLanguage = fragment.get('lang');
history.replaceState(null, '', window.location.pathname);

/** Tells the host page what happened; never the code, only ids and outcomes. */
function tellHost(message: Record<string, unknown>) {
  if (window.parent !== window) window.parent.postMessage({ source: 'helpdesk-verify', ...message }, '*');
}

/** The verification this panel started and that has not ended yet, which the host may abandon. */
let pending: string | null = null;
/** A start on its way to the server: abandoning waits for it, so it is cancelled too. */
let starting: Promise<unknown> | null = null;
/** Set once the host abandoned this panel: it starts nothing more. */
let abandoned = false;

// The host may hand over a fresh token (after `token-expired`), or abandon this panel (it moved
// to another customer): only the embedding page may.
window.addEventListener('message', (event) => {
  if (event.source !== window.parent) return;
  const data = event.data as { source?: string; type?: string; token?: string } | null;
  if (data?.source !== 'helpdesk-verify-host') return;
  if (data.type === 'token' && typeof data.token === 'string') {
    token = data.token;
    window.dispatchEvent(new Event('helpdesk-verify-token'));
  } else if (data.type === 'abandon') {
    void abandon();
  }
});

/**
 * Cancels the running verification, so the previous customer's phone stops asking and nothing
 * can approve it any more, then tells the host whether that worked.
 */
async function abandon() {
  abandoned = true;
  await starting?.catch(() => {});
  const verificationId = pending;
  let cancelled = verificationId === null;
  if (verificationId) {
    try {
      await backend.verify.cancel(verificationId);
      cancelled = true;
    } catch {
      // Already ended, or the token expired: the host hears it was not cancelled here.
    }
  }
  pending = null;
  tellHost({ type: 'abandoned', verificationId, cancelled });
}

function createWidgetBackend(onUnauthenticated: () => void): {
  verify: VerifyBackend;
  session: () => Promise<WidgetSession>;
} {
  const transport = createTransport((): Record<string, string> => ({ authorization: `Bearer ${token}` }));
  const guard = async <T,>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (isApiError(error, 'UNAUTHENTICATED')) onUnauthenticated();
      throw error;
    }
  };
  const id = encodeURIComponent;
  return {
    session: () => guard(() => transport.json<WidgetSession>('GET', '/v1/widget/session')),
    verify: {
      start: async (input: StartVerification) => {
        if (abandoned) throw new Error('This panel was closed.');
        const request = guard(() =>
          transport.json<Verification>('POST', '/v1/widget/verifications', {
            reason: input.reason,
            ...(input.purpose ? { purpose: input.purpose } : {}),
            ...(input.actionSummary ? { actionSummary: input.actionSummary } : {}),
          }),
        );
        // Settles only once `pending` is set, so an abandon waiting for it finds the id.
        const run = request.then((started) => {
          pending = started.id;
          tellHost({ type: 'started', verificationId: started.id });
          return started;
        });
        starting = run;
        try {
          return await run;
        } finally {
          if (starting === run) starting = null;
        }
      },
      get: (vid) =>
        guard(() => transport.json<VerificationDetail>('GET', `/v1/widget/verifications/${id(vid)}`)),
      cancel: (vid) =>
        guard(() => transport.json<Verification>('POST', `/v1/widget/verifications/${id(vid)}/cancel`)),
      events: (vid, onEvent, signal) =>
        guard(() => transport.stream(`/v1/widget/verifications/${id(vid)}/events`, onEvent, signal)),
    },
  };
}

// One backend for the page: the host's "abandon" uses it outside React too.
const backend = createWidgetBackend(() => {
  tellHost({ type: 'token-expired' });
});

const callBackend = createWidgetCallBackend(
  () => token,
  async (call) => {
    try {
      return await call();
    } catch (error) {
      if (isApiError(error, 'UNAUTHENTICATED')) tellHost({ type: 'token-expired' });
      throw error;
    }
  },
);

/** What the host last heard of each call notice, so each change is told once. */
const toldCalls = new Map<string, string>();

/** Tells the host when a call is announced, confirmed, reported as a different code, or over. */
function tellCall(notice: CallNotice) {
  const step =
    notice.status !== 'active'
      ? 'ended'
      : notice.confirmation === 'confirmed'
        ? 'confirmed'
        : notice.confirmation === 'mismatch'
          ? 'mismatch'
          : 'started';
  const before = toldCalls.get(notice.id);
  if (before === step) return;
  // A notice first seen after it moved on (the panel reopened) is announced as started first.
  if (before === undefined && step !== 'started' && notice.status === 'active')
    tellHost({ type: 'call-started', noticeId: notice.id, mutualCode: notice.mutualCode });
  toldCalls.set(notice.id, step);
  if (step === 'started')
    tellHost({ type: 'call-started', noticeId: notice.id, mutualCode: notice.mutualCode });
  else if (step === 'ended') tellHost({ type: 'call-ended', noticeId: notice.id, status: notice.status });
  else tellHost({ type: `call-${step}`, noticeId: notice.id });
}

function Widget() {
  const { t, formatDateTime } = useI18n();
  const [session, setSession] = useState<WidgetSession | null>(null);
  const [problem, setProblem] = useState<'expired' | 'invalid' | null>(token ? null : 'invalid');

  useEffect(() => {
    const load = () => {
      if (!token) return;
      backend.session().then(
        (loaded) => {
          setSession(loaded);
          setProblem(null);
        },
        (error) => setProblem(isApiError(error, 'UNAUTHENTICATED') ? 'expired' : 'invalid'),
      );
    };
    load();
    // A fresh token from the host: load again (the panel may have shown "expired").
    window.addEventListener('helpdesk-verify-token', load);
    return () => window.removeEventListener('helpdesk-verify-token', load);
  }, []);

  // Keep the host's frame as tall as the panel, so a side panel never scrolls twice.
  useEffect(() => {
    const root = document.getElementById('root')!;
    const observer = new ResizeObserver(() =>
      tellHost({ type: 'resize', height: Math.ceil(root.getBoundingClientRect().height) }),
    );
    observer.observe(root);
    return () => observer.disconnect();
  }, []);

  const onFinished = useCallback((v: VerificationDetail) => {
    if (pending === v.id) pending = null;
    tellHost({ type: 'result', verificationId: v.id, status: v.status, assurance: v.assurance });
  }, []);

  if (problem) {
    return (
      <main className="widget" id="main">
        <h1 className="visually-hidden">{t('widget.title')}</h1>
        <p className="notice error" role="alert">
          {problem === 'expired' ? t('widget.expired') : t('widget.invalid')}
        </p>
      </main>
    );
  }
  if (!session) return <p className="muted widget">{t('app.loading')}</p>;
  const { customer } = session;
  const callsAllowed = session.callNotices?.allowed !== false;
  return (
    <main className="widget" id="main">
      <h1 className="visually-hidden">{t('widget.title')}</h1>
      {customer.practice && <PracticeBanner name={customer.displayName} />}
      <div className="widget-customer">
        <span className="name">{customer.displayName}</span>
        {customer.externalId && <span className="muted"> · {customer.externalId}</span>}
      </div>
      {customer.fraudReportedAt && <FraudProcedure reportedAt={customer.fraudReportedAt} />}
      {customer.phoneChangedAt && (
        <p className="notice warning">
          {t('customer.risk.phoneChanged', { time: formatDateTime(customer.phoneChangedAt) })}
        </p>
      )}
      {customer.pushLock ? (
        // No "Verify caller" that can only fail: the refusal in words, and what to do instead.
        <p className="notice warning" role="status" data-testid="widget-push-locked">
          {t(`err.reason.${customer.pushLock}`)}
        </p>
      ) : (
        <VerifyPanel
          backend={backend.verify}
          customerId={customer.id}
          tenantName={session.tenant.name}
          hasDevice={session.devices.length > 0}
          onFinished={onFinished}
        />
      )}
      {callsAllowed && <WidgetCallPanel session={session} />}
    </main>
  );
}

/**
 * The call panel, shown only when this token may read call notices: the key behind it holds
 * calls:read (else 403) on a server that has them (else 404). Starting needs calls:write, which
 * the panel's error says when it is missing.
 */
function WidgetCallPanel({ session }: { session: WidgetSession }) {
  const [offered, setOffered] = useState(false);
  useEffect(() => {
    let live = true;
    callBackend.active().then(
      () => live && setOffered(true),
      () => live && setOffered(false),
    );
    return () => {
      live = false;
    };
  }, []);
  const policy = useMemo(
    () =>
      readCallPolicy({
        callNotices: {
          defaultMutualCode: session.callNotices?.defaultMutualCode ?? null,
          maxMinutes: session.callNotices?.maxMinutes,
        },
      }),
    [session],
  );
  if (!offered) return null;
  return <CallPanel backend={callBackend} policy={policy} onChange={tellCall} />;
}

const initial =
  requestedLanguage && (languages as string[]).includes(requestedLanguage)
    ? (requestedLanguage as Language)
    : undefined;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider {...(initial ? { initial } : {})}>
      <Widget />
    </I18nProvider>
  </StrictMode>,
);
