// "Is my bank calling me?": the screen that shows a verified call notice (with the mutual code),
// or says that nobody from the company is calling, and reports a fake call in one tap.
import type { DeviceClient } from '@helpdesk-auth/device-sdk';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { type CallNotice, endedNoticeCodes, refusedNoticeCodes } from './call-notices.ts';
import { errorCode } from './device.ts';
import { useI18n } from './i18n.ts';
import { formatRemaining, Notice, Screen, useNow } from './ui.tsx';

type View =
  | { kind: 'checking' }
  | { kind: 'active'; notice: CallNotice }
  | { kind: 'none' }
  | { kind: 'refused' }
  | { kind: 'unreachable' }
  | { kind: 'confirmed'; notice: CallNotice }
  | { kind: 'ended'; notice: CallNotice }
  | { kind: 'reporting'; noticeId: string | null; back: View }
  | { kind: 'reported'; mismatch: boolean };

/** Six digits as two groups of three, the way people read them out. */
function groupDigits(code: string): string {
  return code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

export function CallScreen({
  client,
  company,
  noticeId,
  endedIds,
  onHome,
}: {
  client: DeviceClient;
  company: string;
  /** A notice named by a push or the live channel; without one the screen asks the server. */
  noticeId: string | null;
  /** Notices the live channel said have ended. */
  endedIds: ReadonlySet<string>;
  onHome(): void;
}) {
  const { t } = useI18n();
  const [view, setView] = useState<View>({ kind: 'checking' });

  const check = useCallback(async () => {
    setView({ kind: 'checking' });
    try {
      if (noticeId) {
        try {
          const notice = await client.fetchCallNotice(noticeId);
          setView({ kind: 'active', notice });
          return;
        } catch (caught) {
          // A notice that is over (or an old one shown again) says nothing about now: ask.
          if (!endedNoticeCodes.has(errorCode(caught) ?? '')) throw caught;
        }
      }
      const answer = await client.currentCall();
      setView(answer.notice ? { kind: 'active', notice: answer.notice } : { kind: 'none' });
    } catch (caught) {
      const name = errorCode(caught) ?? '';
      setView(refusedNoticeCodes.has(name) ? { kind: 'refused' } : { kind: 'unreachable' });
    }
  }, [client, noticeId]);

  useEffect(() => {
    void check();
  }, [check]);

  // The agent ended the call: the notice no longer vouches for anyone on the line.
  useEffect(() => {
    setView((current) =>
      (current.kind === 'active' || current.kind === 'confirmed') && endedIds.has(current.notice.id)
        ? { kind: 'ended', notice: current.notice }
        : current,
    );
  }, [endedIds]);

  const report = (noticeId: string | null) => setView((back) => ({ kind: 'reporting', noticeId, back }));

  switch (view.kind) {
    case 'checking':
      return (
        <Screen title={t('callChecking', { company })} key="checking">
          <p className="busy" role="status">
            {t('callCheckingText', { company })}
          </p>
        </Screen>
      );
    case 'active':
      return (
        <ActiveCall
          client={client}
          notice={view.notice}
          onConfirmed={() => setView({ kind: 'confirmed', notice: view.notice })}
          onMismatch={() => setView({ kind: 'reported', mismatch: true })}
          onExpired={() => setView({ kind: 'ended', notice: view.notice })}
          onReport={() => report(view.notice.id)}
        />
      );
    case 'confirmed':
      return (
        <Screen title={t('callConfirmedTitle', { company: view.notice.tenant.name })} key="confirmed">
          <div className="result result-approved" role="status">
            <p>
              {t('callConfirmedText', { company: view.notice.tenant.name, agent: view.notice.agentName })}
            </p>
          </div>
          <p className="emphasis">{t('callNeverCodes', { company: view.notice.tenant.name })}</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={onHome}>
              {t('backHome')}
            </button>
          </div>
        </Screen>
      );
    case 'ended':
      return (
        <Screen title={t('callEndedTitle')} key="ended">
          <Notice kind="info">{t('callEndedText', { company: view.notice.tenant.name })}</Notice>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void check()}>
              {t('callCheckAgain', { company: view.notice.tenant.name })}
            </button>
            <button type="button" className="secondary" onClick={() => report(null)}>
              {t('callReport')}
            </button>
          </div>
        </Screen>
      );
    case 'none':
      return (
        <Screen title={t('callNoneTitle', { company })} key="none" className="call-screen call-none">
          <div className="result result-fraud_reported" data-testid="call-none">
            <p className="call-hang-up">{t('callNoneText', { company })}</p>
          </div>
          <div className="actions">
            <button type="button" className="danger" onClick={() => report(null)}>
              {t('callReport')}
            </button>
            <button type="button" className="secondary" onClick={() => void check()}>
              {t('callCheckAgain', { company })}
            </button>
          </div>
        </Screen>
      );
    case 'refused':
      return (
        <Screen title={t('callRefusedTitle')} key="refused" className="call-screen">
          <div className="result result-fraud_reported" role="alert" data-testid="call-refused">
            <p>{t('callRefusedText', { company })}</p>
          </div>
          <div className="actions">
            <button type="button" className="danger" onClick={() => report(null)}>
              {t('callReport')}
            </button>
          </div>
        </Screen>
      );
    case 'unreachable':
      return (
        <Screen title={t('callUnreachableTitle', { company })} key="unreachable">
          <Notice kind="warning">{t('callUnreachableText', { company })}</Notice>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void check()}>
              {t('retryNow')}
            </button>
          </div>
        </Screen>
      );
    case 'reporting':
      return (
        <ReportForm
          client={client}
          company={company}
          noticeId={view.noticeId}
          onReported={() => setView({ kind: 'reported', mismatch: false })}
          onCancel={() => setView(view.back)}
        />
      );
    case 'reported':
      return (
        <Screen title={t('callReportedTitle')} key="reported" className="call-screen">
          <div className="result result-fraud_reported" role="status" data-testid="call-reported">
            <p>{t(view.mismatch ? 'callMismatchText' : 'callReportedText', { company })}</p>
          </div>
          <p className="emphasis">{t('callNeverCodes', { company })}</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={onHome}>
              {t('backHome')}
            </button>
          </div>
        </Screen>
      );
  }
}

function ActiveCall({
  client,
  notice,
  onConfirmed,
  onMismatch,
  onExpired,
  onReport,
}: {
  client: DeviceClient;
  notice: CallNotice;
  onConfirmed(): void;
  onMismatch(): void;
  onExpired(): void;
  onReport(): void;
}) {
  const { t, time } = useI18n();
  // The server's clock as the SDK knows it: the notice's expiry is the server's time.
  const now = useNow(1000, client.serverTime);
  const [busy, setBusy] = useState<'confirmed' | 'mismatch' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const company = notice.tenant.name;
  const remaining = notice.expiresAt.getTime() - now;

  useEffect(() => {
    if (remaining <= 0) onExpired();
  }, [remaining, onExpired]);

  async function answer(outcome: 'confirmed' | 'mismatch') {
    if (busy) return;
    setBusy(outcome);
    setProblem(null);
    try {
      await client.confirmCall(notice, outcome);
      if (outcome === 'confirmed') onConfirmed();
      else onMismatch();
    } catch (caught) {
      const name = errorCode(caught);
      if (name === 'CALL_NOTICE_NOT_ACTIVE') onExpired();
      else setProblem(name === 'NETWORK_ERROR' ? t('networkFailed', { company }) : t('errorGeneric'));
    } finally {
      setBusy(null);
    }
  }

  const who = notice.team
    ? t('callWhoTeam', { agent: notice.agentName, team: notice.team, reason: notice.reason })
    : t('callWho', { agent: notice.agentName, reason: notice.reason });

  return (
    <Screen title={t('callActiveTitle', { company })} key="active" className="call-screen call-active">
      <p className="call-who" data-testid="call-who">
        {who}
      </p>
      <p className="call-verified" data-testid="call-verified">
        <span aria-hidden="true">✓ </span>
        {t('callVerified', { company })}
      </p>
      <dl className="facts request-facts">
        {notice.fromNumber && (
          <div>
            <dt>{t('callFromNumber')}</dt>
            <dd className="call-number" data-testid="call-number">
              {notice.fromNumber}
            </dd>
          </div>
        )}
        <div className="half">
          <dt>{t('callUntil')}</dt>
          <dd>
            <time dateTime={notice.expiresAt.toISOString()}>{time(notice.expiresAt)}</time>
          </dd>
        </div>
        <div className="half">
          <dt>{t('expiresIn')}</dt>
          <dd>{formatRemaining(remaining)}</dd>
        </div>
      </dl>
      {notice.fromNumber && <p className="hint">{t('callNumberHint')}</p>}

      {notice.mutualCode !== 'none' && notice.code && (
        <section className="card call-code" aria-labelledby="call-code-title">
          <h2 id="call-code-title">
            {notice.mutualCode === 'agent_reads' ? t('callCodeAgentReads') : t('callCodeCustomerReads')}
          </h2>
          <p className="offline-code-digits" data-testid="call-code" data-code={notice.code}>
            <span aria-hidden="true">{groupDigits(notice.code)}</span>
            <span className="visually-hidden">{notice.code.split('').join(' ')}</span>
          </p>
          <p className="hint">
            {notice.mutualCode === 'agent_reads'
              ? t('callCodeAgentReadsHint')
              : t('callCodeCustomerReadsHint', { agent: notice.agentName })}
          </p>
          {problem && <Notice kind="error">{problem}</Notice>}
          {notice.mutualCode === 'agent_reads' && (
            <div className="actions call-actions">
              <button
                type="button"
                className="primary"
                disabled={busy !== null}
                onClick={() => void answer('confirmed')}
              >
                {busy === 'confirmed' ? t('sending') : t('callSaidThisCode')}
              </button>
              <button
                type="button"
                className="danger"
                disabled={busy !== null}
                onClick={() => void answer('mismatch')}
              >
                {busy === 'mismatch' ? t('sending') : t('callSaidOtherCode')}
              </button>
            </div>
          )}
        </section>
      )}
      <p className="emphasis">{t('callNeverCodes', { company })}</p>
      <div className="actions">
        <button type="button" className="secondary" onClick={onReport}>
          {t('callFeelsWrong')}
        </button>
      </div>
    </Screen>
  );
}

function ReportForm({
  client,
  company,
  noticeId,
  onReported,
  onCancel,
}: {
  client: DeviceClient;
  company: string;
  noticeId: string | null;
  onReported(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [numberSeen, setNumberSeen] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const problemRef = useRef<HTMLDivElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const number = numberSeen.trim();
      await client.reportCall({
        ...(noticeId ? { noticeId } : {}),
        ...(number ? { numberSeen: number } : {}),
      });
      onReported();
    } catch (caught) {
      setProblem(errorCode(caught) === 'NETWORK_ERROR' ? t('networkFailed', { company }) : t('errorGeneric'));
      problemRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen title={t('callReportTitle')} key="reporting" className="call-screen">
      <p>{t('callReportText', { company })}</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="number-seen">{t('callNumberSeen')}</label>
        <input
          id="number-seen"
          name="number-seen"
          value={numberSeen}
          maxLength={32}
          inputMode="tel"
          autoComplete="off"
          onChange={(e) => setNumberSeen(e.target.value)}
          aria-describedby="number-seen-hint"
        />
        <p id="number-seen-hint" className="hint">
          {t('callNumberSeenHint')}
        </p>
        <div ref={problemRef} tabIndex={-1}>
          {problem && <Notice kind="error">{problem}</Notice>}
        </div>
        <div className="actions">
          <button type="submit" className="danger" disabled={busy}>
            {busy ? t('sending') : t('callReportSend')}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={onCancel}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </Screen>
  );
}
