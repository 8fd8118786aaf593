import { useCallback, useEffect, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import type { Customer, CustomerLocks, Device, Session, TestPushResult, Verification } from '../api/types.ts';
import { ErrorNotice, PageHeading, useErrorText } from '../components/common.tsx';
import { RecentVerifications } from '../components/RecentVerifications.tsx';
// Push and the fallback methods the policy allows, with the methods list (fallbacks/).
import { CallerVerification } from '../fallbacks/CallerVerification.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { Enroll } from './Enroll.tsx';

export function CustomerPage({ api, session, id }: { api: ConsoleApi; session: Session; id: string }) {
  const { t, formatDateTime } = useI18n();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [recent, setRecent] = useState<Verification[]>([]);
  const [locks, setLocks] = useState<CustomerLocks | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [enrolling, setEnrolling] = useState(false);
  // What the last test push to each device got back, shown under it.
  const [testPushes, setTestPushes] = useState<Record<string, { ok: boolean; text: string }>>({});
  const [testing, setTesting] = useState<string | null>(null);
  const errorText = useErrorText();
  const can = (permission: string) =>
    session.permissions.includes(permission as Session['permissions'][number]);

  const load = useCallback(async () => {
    try {
      const [c, d, v] = await Promise.all([
        api.customer(id),
        api.devices(id),
        api.verifications({ customerId: id, limit: 5 }),
      ]);
      setCustomer(c);
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
  return (
    <div className="customer-page">
      <div className="customer-head">
        <PageHeading focus={false}>{customer.displayName}</PageHeading>
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

      {(customer.fraudReportedAt ||
        customer.phoneChangedAt ||
        locks?.push.locked ||
        locks?.securityQuestions.locked) && (
        <section className="risk" aria-label={t('customer.risk')}>
          {customer.fraudReportedAt && (
            <p className="notice danger" data-testid="risk-fraud">
              <strong>
                ⚠ {t('customer.risk.fraud', { time: formatDateTime(customer.fraudReportedAt) })}
              </strong>
            </p>
          )}
          {customer.phoneChangedAt && (
            <p className="notice warning">
              {t('customer.risk.phoneChanged', { time: formatDateTime(customer.phoneChangedAt) })}
            </p>
          )}
          {locks?.push.locked && (
            <p className="notice warning" data-testid="risk-push-locked">
              {t(
                locks.push.reason === 'PUSH_LOCKED_FRAUD'
                  ? 'customer.risk.pushLockedFraud'
                  : 'customer.risk.pushLockedDenials',
              )}
            </p>
          )}
          {locks?.securityQuestions.locked && (
            <p className="notice warning" data-testid="risk-questions-locked">
              {t('customer.risk.questionsLocked')}
            </p>
          )}
        </section>
      )}

      <div className="customer-grid">
        <div className="primary-column">
          {can('verifications:write') && (
            <CallerVerification
              backend={api.verify}
              session={session}
              customerId={customer.id}
              hasDevice={activeDevices.length > 0}
              autoFocus
              onFinished={refreshRecent}
              onRecorded={refreshRecent}
              {...(can('devices:write') ? { onEnroll: () => setEnrolling(true) } : {})}
            />
          )}
          {enrolling && (
            <Enroll
              api={api}
              customerId={customer.id}
              tenantName={session.tenant.name}
              phone={customer.phone}
              email={customer.email}
              onClose={() => {
                setEnrolling(false);
                void load();
              }}
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
            {can('devices:write') && !enrolling && (
              <button type="button" className="button" onClick={() => setEnrolling(true)}>
                {t('customer.enroll')}
              </button>
            )}
          </section>
          <RecentVerifications items={recent} />
        </div>
      </div>
    </div>
  );
}
