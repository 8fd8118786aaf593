import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import type { Activation, SentActivation } from '../api/types.ts';
import { ErrorNotice } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';

/** Creates a one-time activation and shows it as a QR code, a link and a code. */
export function Enroll({
  api,
  customerId,
  tenantName,
  phone,
  email,
  onClose,
}: {
  api: ConsoleApi;
  customerId: string;
  tenantName: string;
  /** Where the link can be sent; null when the customer has none on file. */
  phone: string | null;
  email: string | null;
  onClose: () => void;
}) {
  const { t, formatDateTime } = useI18n();
  const [activation, setActivation] = useState<Activation | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<SentActivation | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const created = await api.createActivation(customerId);
      setActivation(created);
      setQr(await QRCode.toDataURL(created.qrPayload, { errorCorrectionLevel: 'M', margin: 2, width: 240 }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const send = async (channel: 'sms' | 'email') => {
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      setSent(await api.sendActivation(customerId, channel));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="enroll card" aria-labelledby="enroll-heading">
      <h2 id="enroll-heading" ref={heading} tabIndex={-1}>
        {t('enroll.title')}
      </h2>
      <p>{t('enroll.intro', { tenant: tenantName })}</p>
      <ErrorNotice error={error} />
      {activation && qr ? (
        <div className="activation" data-testid="activation">
          <img src={qr} alt={t('enroll.qr')} width={240} height={240} className="qr" />
          <dl>
            <dt>{t('enroll.link')}</dt>
            <dd>
              <a
                href={activation.link}
                data-testid="activation-link"
                target="_blank"
                rel="noreferrer noopener"
              >
                {activation.link}
              </a>
            </dd>
            <dt>{t('enroll.code')}</dt>
            <dd className="mono">{activation.code}</dd>
            <dd className="muted">{t('enroll.expires', { time: formatDateTime(activation.expiresAt) })}</dd>
          </dl>
        </div>
      ) : null}
      {sent ? (
        <p className="notice ok" role="status" data-testid="activation-sent">
          {t(sent.channel === 'sms' ? 'enroll.sentSms' : 'enroll.sentEmail', {
            to: sent.sentTo,
            time: formatDateTime(sent.expiresAt),
          })}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="button primary" onClick={() => void create()} disabled={busy}>
          {activation ? t('enroll.again') : t('enroll.create')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void send('sms')}
          disabled={busy || !phone}
          {...(!phone ? { title: t('enroll.noPhone') } : {})}
        >
          {t('enroll.sendSms')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void send('email')}
          disabled={busy || !email}
          {...(!email ? { title: t('enroll.noEmail') } : {})}
        >
          {t('enroll.sendEmail')}
        </button>
        <button type="button" className="button" onClick={onClose}>
          {t('app.close')}
        </button>
      </div>
    </section>
  );
}
