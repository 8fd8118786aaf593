// The fraud procedure an agent follows after a fraud report, and the confirmation dialog every
// supervisor action on the customer page asks for (resolve, clear, unlock, revoke). The console's
// customer page and the embedded widget both show the procedure.
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useErrorText } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import './customer.css';

/** What to do now, in order: no verification, no changes, escalate; then who resolves it. */
export function FraudProcedure({ reportedAt, children }: { reportedAt: string; children?: ReactNode }) {
  const { t, formatDateTime } = useI18n();
  const heading = useId();
  return (
    <section className="fraud-procedure" aria-labelledby={heading} data-testid="risk-fraud">
      <h2 id={heading}>
        <span aria-hidden="true">⚠ </span>
        {t('cust.fraud.title')}
      </h2>
      <p>{t('cust.fraud.when', { time: formatDateTime(reportedAt) })}</p>
      <ol>
        <li>{t('cust.fraud.step1')}</li>
        <li>{t('cust.fraud.step2')}</li>
        <li>{t('cust.fraud.step3')}</li>
      </ol>
      {children}
    </section>
  );
}

/**
 * A modal confirmation (the native <dialog>: focus stays inside, Escape cancels). With `noteLabel`
 * it asks for a note first, which `onConfirm` receives. Errors show inside the dialog; it closes
 * only when `onConfirm` succeeds.
 */
export function ConfirmDialog({
  title,
  body,
  confirmLabel,
  noteLabel,
  onConfirm,
  onClose,
}: {
  title: string;
  body: string;
  confirmLabel: string;
  noteLabel?: string;
  onConfirm: (note: string) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const first = useRef<HTMLTextAreaElement & HTMLButtonElement>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
    // The note when there is one to write, else Cancel: the safe choice has the focus.
    first.current?.focus();
    return () => node?.close();
  }, []);

  const confirm = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onConfirm(note.trim());
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-body`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      data-testid="confirm-dialog"
    >
      <form onSubmit={(event) => void confirm(event)}>
        <h2 id={`${ids}-title`}>{title}</h2>
        <p id={`${ids}-body`}>{body}</p>
        {noteLabel && (
          <div className="field">
            <label htmlFor={`${ids}-note`}>{noteLabel}</label>
            <textarea
              id={`${ids}-note`}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              required
              minLength={3}
              maxLength={1000}
              rows={3}
              ref={first}
            />
          </div>
        )}
        {error ? (
          <p className="notice error" role="alert">
            {errorText(error)}
          </p>
        ) : null}
        <div className="actions">
          <button
            type="submit"
            className="button danger"
            disabled={busy || (noteLabel !== undefined && note.trim().length < 3)}
          >
            {confirmLabel}
          </button>
          <button type="button" className="button" onClick={onClose} {...(noteLabel ? {} : { ref: first })}>
            {t('cust.confirm.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
