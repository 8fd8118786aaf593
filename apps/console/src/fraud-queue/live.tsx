// The fraud queue's live alert for supervisors: a calm banner in a polite live region on every
// page when a case opens, and the open-case count beside the queue's navigation entry.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Session } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { href } from '../router.ts';
import { createFraudApi, type FraudCaseChange, type SignalKind } from './api.ts';
import './fraud-queue.css';

interface Alert {
  caseId: string;
  customer: string;
  kind: SignalKind;
  change: 'opened' | 'signal_added';
}

/** How long to wait before reading the stream again after it ended or failed (ms), at most. */
const maxBackoffMs = 30_000;

/**
 * Follows the tenant's fraud queue while the console is open: the count of open cases, the
 * newest alert, and `version`, which moves on every change so open queue screens reload.
 */
export function useFraudQueueLive(session: Session | null) {
  const allowed = session?.permissions.includes('fraud-cases:read') ?? false;
  const api = useMemo(() => (session ? createFraudApi(session.csrfToken) : null), [session]);
  const [openCount, setOpenCount] = useState<number | null>(null);
  const [alert, setAlert] = useState<Alert | null>(null);
  const [version, setVersion] = useState(0);

  const count = useCallback(async () => {
    if (!api) return;
    const page = await api.list({ status: 'open', limit: 200 });
    setOpenCount(page.nextCursor ? 200 : page.items.length);
  }, [api]);

  useEffect(() => {
    if (!allowed || !api) return;
    const stop = new AbortController();
    let backoff = 1000;
    const onChange = async (change: FraudCaseChange) => {
      setVersion((v) => v + 1);
      void count().catch(() => {});
      if ((change.change === 'opened' || change.change === 'signal_added') && change.signalKind) {
        const detail = await api.get(change.caseId).catch(() => null);
        setAlert({
          caseId: change.caseId,
          customer: detail?.customerName ?? change.customerId,
          kind: change.signalKind,
          change: change.change,
        });
      }
    };
    (async () => {
      while (!stop.signal.aborted) {
        try {
          // Read the count afresh on every (re)connection: changes made while away are not replayed.
          await count();
          await api.events((change) => void onChange(change), stop.signal);
          backoff = 1000;
        } catch {
          // The server is away or the session ended; try again later.
        }
        if (stop.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    })();
    return () => stop.abort();
  }, [allowed, api, count]);

  return { allowed, openCount, alert, dismiss: () => setAlert(null), version };
}

export type FraudQueueLive = ReturnType<typeof useFraudQueueLive>;

/**
 * The alert itself. The live region is always in the page, so screen readers announce what
 * enters it; it is polite (an agent on a call is not interrupted mid-sentence).
 */
export function FraudAlertBanner({ live }: { live: FraudQueueLive }) {
  const { t } = useI18n();
  const { alert } = live;
  return (
    <div role="status" aria-live="polite" className="fraud-alert-region" data-testid="fraud-alert-region">
      {alert && (
        <div className="fraud-alert" data-testid="fraud-alert">
          <p>
            <span aria-hidden="true" className="fraud-alert-mark">
              !
            </span>
            {t(alert.change === 'opened' ? 'fq.alert.opened' : 'fq.alert.signal', {
              customer: alert.customer,
              kind: t(`fq.kind.${alert.kind}`),
            })}
          </p>
          <div className="fraud-alert-actions">
            <a
              className="button small primary"
              href={href({ name: 'fraudCase', id: alert.caseId })}
              onClick={live.dismiss}
            >
              {t('fq.alert.open')}
            </a>
            <button type="button" className="button small" onClick={live.dismiss}>
              {t('fq.alert.dismiss')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** The open-case count beside the navigation entry (the number is also in its accessible name). */
export function OpenCaseBadge({ count }: { count: number | null }) {
  const { t } = useI18n();
  if (!count) return null;
  return (
    <span className="nav-count" data-testid="fraud-open-count">
      <span aria-hidden="true">{count >= 200 ? '200+' : count}</span>
      <span className="visually-hidden">
        {t('fq.navOpen', { count: count >= 200 ? '200+' : String(count) })}
      </span>
    </span>
  );
}
