import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import type { Customer, CustomerLocks, Device, Session, TestPushResult, Verification } from '../api/types.ts';
import {
  type CallNotice,
  type CallPolicy,
  createConsoleCallBackend,
  listCallNotices,
  readCallPolicy,
} from '../calls/api.ts';
import { CallHistory } from '../calls/CallHistory.tsx';
// Outbound call notices: announce a call, follow it live, end it (calls/).
import { CallPanel } from '../calls/CallPanel.tsx';
import { CustomerForm } from '../components/CustomerForm.tsx';
import { CustomerSecurity } from '../components/CustomerSecurity.tsx';
import { ErrorNotice, PageHeading, useErrorText } from '../components/common.tsx';
import { RecentVerifications } from '../components/RecentVerifications.tsx';
// Push and the fallback methods the policy allows, with the methods list (fallbacks/).
import { CallerVerification } from '../fallbacks/CallerVerification.tsx';
import { CustomerCaseLink } from '../fraud-queue/FraudCasePage.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { PracticeCall } from '../practice/PracticeCall.tsx';
import { Enroll } from './Enroll.tsx';
import { ConfirmDialog, FraudProcedure } from './fraud.tsx';

/** A supervisor action waiting for its confirmation. */
type Pending =
  | { kind: 'resolve' }
  | { kind: 'clearPush' }
  | { kind: 'unlockQuestions' }
  | { kind: 'revoke'; device: Device };

export function CustomerPage({ api, session, id }: { api: ConsoleApi; session: Session; id: string }) {
  const { t, formatDateTime } = useI18n();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [recent, setRecent] = useState<Verification[]>([]);
  const [locks, setLocks] = useState<CustomerLocks | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [enrolling, setEnrolling] = useState(false);
  const [editing, setEditing] = useState(false);
  // What the last test push to each device got back, shown under it.
  const [testPushes, setTestPushes] = useState<Record<string, { ok: boolean; text: string }>>({});
  const [testing, setTesting] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  // What the last supervisor action did, as a message key, so it follows a change of language.
  const [done, setDone] = useState<Pending | null>(null);
  // Bumped after a supervisor action, so the methods list reads what the policy allows now.
  const [generation, setGeneration] = useState(0);
  // After a fraud report the methods are one deliberate step away, not recommended and focused.
  const [showMethods, setShowMethods] = useState(false);
  // Decided once, when the page opens: a fraud report made during this call leaves the panel and
  // its alarm ("what to say") where they are, with the procedure above them.
  const [gated, setGated] = useState(false);
  const gateDecided = useRef(false);
  const errorText = useErrorText();
  const can = (permission: string) =>
    session.permissions.includes(permission as Session['permissions'][number]);
  const callBackend = useMemo(() => createConsoleCallBackend(session.csrfToken, id), [session.csrfToken, id]);
  const [calls, setCalls] = useState<CallNotice[]>([]);
  const [callPolicy, setCallPolicy] = useState<CallPolicy>(() => readCallPolicy(null));
  const canReadCalls = can('calls:read');
  const refreshCalls = useCallback(() => {
    if (!canReadCalls) return;
    listCallNotices(session.csrfToken, id).then(
      (page) => setCalls(page.items),
      () => {},
    );
  }, [canReadCalls, session.csrfToken, id]);
  useEffect(() => {
    refreshCalls();
  }, [refreshCalls]);
  const canReadPolicy = can('policy:read');
  useEffect(() => {
    // The policy's call-notice defaults, when this role may read the policy; else the server's.
    if (!canReadPolicy) return;
    api.policyInForce().then(
      (p) => setCallPolicy(readCallPolicy(p.policy)),
      () => {},
    );
  }, [api, canReadPolicy]);

  const load = useCallback(async () => {
    try {
      const [c, d, v] = await Promise.all([
        api.customer(id),
        api.devices(id),
        api.verifications({ customerId: id, limit: 5 }),
      ]);
      setCustomer(c);
      if (!gateDecided.current) {
        gateDecided.current = true;
        setGated(c.fraudReportedAt !== null && c.fraudResolvedAt === null);
      }
      setDevices(d.items);
      setRecent(v.items);
      // A risk flag, not the page: the page still shows when the locks cannot be read.
      setLocks(await api.customerLocks(id).catch(() => null));
    } catch (err) {
      setError(err);
    }
  }, [api, id]);

  useEffect(() => {
    void load();
  }, [load]);

  const refreshRecent = useCallback(() => {
    void Promise.all([
      api.verifications({ customerId: id, limit: 5 }),
      api.customer(id),
      api.customerLocks(id).catch(() => null),
    ]).then(([v, c, l]) => {
      setRecent(v.items);
      setCustomer(c);
      setLocks(l);
    });
  }, [api, id]);

  const testPushText = (result: TestPushResult): { ok: boolean; text: string } => {
    if (result.outcome === 'accepted') {
      const channel = result.channel ? t(`customer.device.channel.${result.channel}`) : '';
      return { ok: true, text: t('customer.device.testPush.accepted', { channel }) };
    }
    if (result.outcome === 'gone') return { ok: false, text: t('customer.device.testPush.gone') };
    if (result.outcome === 'unreachable')
      return { ok: false, text: t('customer.device.testPush.unreachable') };
    return { ok: false, text: t('customer.device.testPush.failed', { detail: result.detail ?? '' }) };
  };

  const sendTestPush = async (device: Device) => {
    setTesting(device.id);
    try {
      const result = await api.testPush(device.id);
      setTestPushes((current) => ({ ...current, [device.id]: testPushText(result) }));
      // A gone channel was dropped: the badge should say so.
      if (result.outcome === 'gone') void load();
    } catch (err) {
      setTestPushes((current) => ({ ...current, [device.id]: { ok: false, text: errorText(err) } }));
    } finally {
      setTesting(null);
    }
  };

  if (error) return <ErrorNotice error={error} />;
  if (!customer) return <p className="muted">{t('app.loading')}</p>;

  const activeDevices = devices.filter((d) => d.status === 'active');
  const fraudOpen = customer.fraudReportedAt !== null && customer.fraudResolvedAt === null;
  const fraudResolved = customer.fraudReportedAt !== null && customer.fraudResolvedAt !== null;

  /** Runs a confirmed supervisor action, then shows the page as it is now. */
  const confirmAction = async (action: Pending, note: string) => {
    setDone(null);
    try {
      if (action.kind === 'resolve') await api.resolveFraudReport(customer.id, note);
      else if (action.kind === 'clearPush') await api.clearPushLock(customer.id);
      else if (action.kind === 'unlockQuestions') await api.unlockSecurityQuestions(customer.id);
      else await api.revokeDevice(action.device.id);
    } catch (err) {
      // Someone else resolved it first: the dialog says so, and the page catches up.
      void load();
      throw err;
    }
    setDone(action);
    await load();
    setGeneration((g) => g + 1);
  };

  const dialogText = (action: Pending) => {
    switch (action.kind) {
      case 'resolve':
        return {
          title: t('cust.confirm.resolve.title'),
          body: t('cust.confirm.resolve.body'),
          confirmLabel: t('cust.confirm.resolve.confirm'),
          noteLabel: t('cust.confirm.resolve.note'),
        };
      case 'clearPush':
        return {
          title: t('cust.confirm.clearPush.title'),
          body: t('cust.confirm.clearPush.body'),
          confirmLabel: t('cust.confirm.clearPush.confirm'),
        };
      case 'unlockQuestions':
        return {
          title: t('cust.confirm.unlockQuestions.title'),
          body: t('cust.confirm.unlockQuestions.body'),
          confirmLabel: t('cust.confirm.unlockQuestions.confirm'),
        };
      case 'revoke':
        return {
          title: t('cust.confirm.revoke.title', { device: action.device.label }),
          body: t('cust.confirm.revoke.body'),
          confirmLabel: t('cust.confirm.revoke.confirm'),
        };
    }
  };
  return (
    <div className="customer-page">
      {customer.practice && (
        <PracticeCall session={session} customerId={customer.id} name={customer.displayName} />
      )}
      <div className="customer-head">
        <PageHeading focus={false}>{customer.displayName}</PageHeading>
        {can('customers:write') && (
          <button type="button" className="button small" onClick={() => setEditing(true)}>
            {t('cf.edit')}
          </button>
        )}
        {editing && (
          <CustomerForm
            api={api}
            customer={customer}
            onSaved={(saved) => {
              setCustomer(saved);
              setEditing(false);
            }}
            onClose={() => setEditing(false)}
          />
        )}
        <dl className="facts">
          {customer.externalId && (
            <>
              <dt>{t('customer.externalId')}</dt>
              <dd>{customer.externalId}</dd>
            </>
          )}
          {customer.phone && (
            <>
              <dt>{t('customer.phone')}</dt>
              <dd>{customer.phone}</dd>
            </>
          )}
          {customer.email && (
            <>
              <dt>{t('customer.email')}</dt>
              <dd>{customer.email}</dd>
            </>
          )}
        </dl>
      </div>

      <CustomerCaseLink session={session} customerId={customer.id} />
      {fraudOpen && (
        <FraudProcedure reportedAt={customer.fraudReportedAt!}>
          {can('locks:write') && (
            <div className="actions">
              <button type="button" className="button danger" onClick={() => setPending({ kind: 'resolve' })}>
                {t('cust.action.resolve')}
              </button>
            </div>
          )}
        </FraudProcedure>
      )}
      {done && (
        <p className="notice ok" role="status" data-testid="action-done">
          {done.kind === 'resolve'
            ? t('cust.done.resolved')
            : done.kind === 'clearPush'
              ? t('cust.done.pushCleared')
              : done.kind === 'unlockQuestions'
                ? t('cust.done.questionsUnlocked')
                : t('cust.done.revoked', { device: done.device.label })}
        </p>
      )}
      {(customer.phoneChangedAt ||
        locks?.push.locked ||
        locks?.securityQuestions.locked ||
        fraudResolved) && (
        <section className="risk" aria-label={t('customer.risk')}>
          {fraudResolved && (
            <p className="notice info" data-testid="fraud-resolved">
              {t('cust.fraud.resolved', {
                time: formatDateTime(customer.fraudReportedAt!),
                resolved: formatDateTime(customer.fraudResolvedAt!),
              })}
            </p>
          )}
          {customer.phoneChangedAt && (
            <p className="notice warning">
              {t('customer.risk.phoneChanged', { time: formatDateTime(customer.phoneChangedAt) })}
            </p>
          )}
          {locks?.push.locked && (
            <div className="notice warning" data-testid="risk-push-locked">
              <p>
                {t(
                  locks.push.reason === 'PUSH_LOCKED_FRAUD'
                    ? 'cust.pushLockedFraud'
                    : 'cust.pushLockedDenials',
                )}
              </p>
              {can('locks:write') && (
                <button
                  type="button"
                  className="button small"
                  onClick={() => setPending({ kind: 'clearPush' })}
                >
                  {t('cust.action.clearPush')}
                </button>
              )}
            </div>
          )}
          {locks?.securityQuestions.locked && (
            <div className="notice warning" data-testid="risk-questions-locked">
              <p>{t('cust.questionsLocked')}</p>
              {can('locks:write') && (
                <button
                  type="button"
                  className="button small"
                  onClick={() => setPending({ kind: 'unlockQuestions' })}
                >
                  {t('cust.action.unlockQuestions')}
                </button>
              )}
            </div>
          )}
        </section>
      )}

      <div className="customer-grid">
        <div className="primary-column">
          {can('verifications:write') && fraudOpen && gated && !showMethods && (
            <div className="step-away">
              <button type="button" className="button" onClick={() => setShowMethods(true)}>
                {t('cust.fraud.showMethods')}
              </button>
              <p className="muted">{t('cust.fraud.methodsHint')}</p>
            </div>
          )}
          {can('verifications:write') && (!fraudOpen || !gated || showMethods) && (
            <CallerVerification
              key={generation}
              backend={api.verify}
              session={session}
              customerId={customer.id}
              hasDevice={activeDevices.length > 0}
              autoFocus={!fraudOpen}
              onFinished={refreshRecent}
              onRecorded={refreshRecent}
              {...(can('devices:write') && !fraudOpen ? { onEnroll: () => setEnrolling(true) } : {})}
            />
          )}
          {can('calls:write') && (
            <CallPanel
              backend={callBackend}
              policy={callPolicy}
              onChange={(notice) => {
                refreshCalls();
                // A different code reported by the app is a fraud report: the page shows it.
                if (notice.confirmation === 'mismatch') refreshRecent();
              }}
            />
          )}
          {enrolling && (
            <Enroll
              api={api}
              customerId={customer.id}
              tenantName={session.tenant.name}
              phone={customer.phone}
              email={customer.email}
              onEnrolled={() => void load()}
              onClose={() => {
                setEnrolling(false);
                void load();
              }}
            />
          )}
          {pending && (
            <ConfirmDialog
              {...dialogText(pending)}
              onConfirm={(note) => confirmAction(pending, note)}
              onClose={() => setPending(null)}
            />
          )}
        </div>
        <div className="side-column">
          <section className="card" aria-labelledby="devices-heading">
            <h2 id="devices-heading">{t('customer.devices')}</h2>
            {devices.length === 0 ? (
              <p className="muted">{t('customer.noDevices')}</p>
            ) : (
              <ul className="devices">
                {devices.map((device) => (
                  <li key={device.id} className={device.status === 'revoked' ? 'revoked' : ''}>
                    <span className="device-label">{device.label}</span>
                    <span className="muted">
                      {device.platform} ·{' '}
                      {t('customer.device.lastSeen', { time: formatDateTime(device.lastSeenAt) })}
                    </span>
                    <span
                      className={device.status === 'revoked' ? 'badge' : device.push ? 'badge ok' : 'badge'}
                    >
                      {device.status === 'revoked'
                        ? t('customer.device.revoked')
                        : device.push
                          ? t('customer.device.push')
                          : t('customer.device.liveOnly')}
                    </span>
                    {can('devices:write') && device.status === 'active' && device.push && (
                      <button
                        type="button"
                        className="button small"
                        aria-label={t('customer.device.testPush.label', { device: device.label })}
                        disabled={testing === device.id}
                        onClick={() => void sendTestPush(device)}
                      >
                        {t('customer.device.testPush')}
                      </button>
                    )}
                    {can('devices:write') && device.status === 'active' && (
                      <button
                        type="button"
                        className="button small danger"
                        aria-label={t('cust.action.revokeLabel', { device: device.label })}
                        onClick={() => setPending({ kind: 'revoke', device })}
                      >
                        {t('cust.action.revoke')}
                      </button>
                    )}
                    {testPushes[device.id] && (
                      <p
                        className={testPushes[device.id]!.ok ? 'notice info' : 'notice error'}
                        role={testPushes[device.id]!.ok ? 'status' : 'alert'}
                        data-testid="test-push-result"
                      >
                        {testPushes[device.id]!.text}
                      </p>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {can('devices:write') && !enrolling && !fraudOpen && (
              <button type="button" className="button" onClick={() => setEnrolling(true)}>
                {t('customer.enroll')}
              </button>
            )}
          </section>
          <RecentVerifications items={recent} />
          {canReadCalls && <CallHistory items={calls} />}
          {can('customers:write') && (
            <CustomerSecurity
              api={api}
              customerId={customer.id}
              tenantName={session.tenant.name}
              onChanged={() => setGeneration((g) => g + 1)}
            />
          )}
        </div>
      </div>
    </div>
  );
}
