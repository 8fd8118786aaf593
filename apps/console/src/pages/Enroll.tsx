// The enrollment dialog: the activation link goes to the customer's phone number or e-mail
// address on file; a QR code only for a customer verified on this call or checked in a branch.
import QRCode from 'qrcode';
import { useEffect, useId, useRef, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { Activation, SentActivation } from '../api/types.ts';
import { ErrorNotice } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import './customer.css';

interface EnrolledDevice {
  deviceId: string;
  label: string;
  platform: string;
}

/**
 * Whoever holds an activation enrols a device that approves every later verification, so the
 * safe way is the first one offered: the link goes to the contact details on file, where it
 * reaches the customer and not whoever is calling. A QR code is one deliberate step away, and the
 * server hands it out only after a recent verification or an in-branch identity check
 * (docs/policy.md, "Enrolling a device"). The code is for the customer to type in, never to read
 * out. The dialog listens to the customer's device events and shows the new device the moment
 * it enrolls; Escape closes it.
 */
export function Enroll({
  api,
  customerId,
  tenantName,
  phone,
  email,
  onEnrolled,
  onClose,
}: {
  api: ConsoleApi;
  customerId: string;
  tenantName: string;
  /** Where the link can be sent; null when the customer has none on file. */
  phone: string | null;
  email: string | null;
  /** A device enrolled while the dialog was open. */
  onEnrolled: () => void;
  onClose: () => void;
}) {
  const { t, formatDateTime } = useI18n();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [activation, setActivation] = useState<Activation | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<SentActivation | null>(null);
  /** The assurance the policy needs, once the server refused a QR code without an identity check. */
  const [needsCheck, setNeedsCheck] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [checked, setChecked] = useState(false);
  const [enrolled, setEnrolled] = useState<EnrolledDevice | null>(null);
  const noteField = useRef<HTMLTextAreaElement>(null);
  const onEnrolledRef = useRef(onEnrolled);
  onEnrolledRef.current = onEnrolled;

  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
    return () => node?.close();
  }, []);

  // The button that asked is gone: the keyboard continues where the answer is needed.
  useEffect(() => {
    if (needsCheck) noteField.current?.focus();
  }, [needsCheck]);

  // The new device, live: the same event stream the console reads verifications from.
  useEffect(() => {
    const controller = new AbortController();
    const listen = async () => {
      for (let attempt = 0; !controller.signal.aborted; attempt++) {
        try {
          await api.deviceEvents(
            customerId,
            (event) => {
              if (event.type !== 'device-enrolled') return;
              setEnrolled(event.data as unknown as EnrolledDevice);
              onEnrolledRef.current();
            },
            controller.signal,
          );
        } catch {
          // The stream broke (network, server restart): listen again after a pause.
        }
        if (!controller.signal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 5000)));
        }
      }
    };
    void listen();
    return () => controller.abort();
  }, [api, customerId]);

  const showQr = async (inBranchNote?: string) => {
    setBusy(true);
    setError(null);
    try {
      const created = await api.createActivation(customerId, inBranchNote);
      setActivation(created);
      setNeedsCheck(null);
      setQr(await QRCode.toDataURL(created.qrPayload, { errorCorrectionLevel: 'M', margin: 2, width: 240 }));
    } catch (err) {
      if (isApiError(err, 'IDENTITY_CHECK_REQUIRED')) {
        const required = err.details.requiredAssurance;
        setNeedsCheck(typeof required === 'string' ? required : 'substantial');
      } else {
        setError(err);
      }
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

  const assuranceLabel = (level: string) =>
    ['low', 'moderate', 'substantial', 'high'].includes(level)
      ? t(`verify.assurance.${level as 'low' | 'moderate' | 'substantial' | 'high'}`)
      : level;

  return (
    <dialog
      ref={dialog}
      className="enroll-dialog"
      aria-labelledby={`${ids}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      data-testid="enroll-dialog"
    >
      <h2 id={`${ids}-title`}>{t('enroll.title')}</h2>
      <p>{t('enr.intro')}</p>
      <ErrorNotice error={error} />
      {phone || email ? (
        <div className="send-buttons">
          {phone && (
            <button
              type="button"
              className="button primary"
              onClick={() => void send('sms')}
              disabled={busy}
              // biome-ignore lint/a11y/noAutofocus: the safe way is where the keyboard starts
              autoFocus
            >
              {t('enr.sendSms', { to: phone })}
            </button>
          )}
          {email && (
            <button
              type="button"
              className={phone ? 'button' : 'button primary'}
              onClick={() => void send('email')}
              disabled={busy}
              {...(phone ? {} : { autoFocus: true })}
            >
              {t('enr.sendEmail', { to: email })}
            </button>
          )}
        </div>
      ) : (
        <p className="notice warning">{t('enr.noContact')}</p>
      )}
      {sent ? (
        <div role="status" data-testid="activation-sent">
          <p className="notice ok">
            {t(sent.channel === 'sms' ? 'enroll.sentSms' : 'enroll.sentEmail', {
              to: sent.sentTo,
              time: formatDateTime(sent.expiresAt),
            })}
          </p>
          {!enrolled && <p className="muted">{t('enr.waiting')}</p>}
        </div>
      ) : null}

      {enrolled ? (
        <p className="notice ok" role="status" data-testid="device-enrolled">
          ✓ {t('enr.enrolled', { label: enrolled.label, platform: enrolled.platform })}
        </p>
      ) : null}

      <section className="qr-section" aria-labelledby={`${ids}-qr`}>
        <h3 id={`${ids}-qr`}>{t('enr.qr.heading')}</h3>
        {activation && qr ? (
          <div className="activation" data-testid="activation">
            <img
              src={qr}
              alt={t('enr.qr.alt', { tenant: tenantName })}
              width={240}
              height={240}
              className="qr"
            />
            <div>
              <p>{t('enr.qr.scan', { tenant: tenantName, time: formatDateTime(activation.expiresAt) })}</p>
              <details>
                <summary>{t('enr.code.summary')}</summary>
                <p className="notice warning">{t('enr.code.warning')}</p>
                <p className="typed-code" data-testid="activation-code">
                  {activation.code}
                </p>
              </details>
              <div className="actions">
                <button type="button" className="button" onClick={() => void showQr()} disabled={busy}>
                  {t('enr.again')}
                </button>
              </div>
            </div>
          </div>
        ) : needsCheck ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void showQr(note.trim());
            }}
          >
            <p className="notice warning" role="alert" data-testid="identity-check-required">
              {t('enr.qr.refused', { assurance: assuranceLabel(needsCheck) })}
            </p>
            <fieldset>
              <legend>{t('enr.inBranch.legend')}</legend>
              <div className="field">
                <label htmlFor={`${ids}-note`}>{t('enr.inBranch.note')}</label>
                <textarea
                  id={`${ids}-note`}
                  value={note}
                  onChange={(e) => setNote(e.target.value)}
                  required
                  minLength={3}
                  maxLength={500}
                  rows={2}
                  ref={noteField}
                />
              </div>
              <label className="check">
                <input type="checkbox" checked={checked} onChange={(e) => setChecked(e.target.checked)} />
                <span>{t('enr.inBranch.confirm')}</span>
              </label>
              <button type="submit" className="button" disabled={busy || !checked || note.trim().length < 3}>
                {t('enr.inBranch.submit')}
              </button>
            </fieldset>
          </form>
        ) : (
          <>
            <p className="muted">{t('enr.qr.explain')}</p>
            <button type="button" className="button" onClick={() => void showQr()} disabled={busy}>
              {t('enr.qr.show')}
            </button>
          </>
        )}
      </section>

      <div className="close-row">
        <button type="button" className="button" onClick={onClose}>
          {t('enr.close')}
        </button>
      </div>
    </dialog>
  );
}
