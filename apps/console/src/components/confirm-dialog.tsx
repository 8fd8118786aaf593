/**
 * Asks before an action that cannot be taken back (revoking an API key, disabling an operator).
 * A native modal <dialog>: the rest of the page is inert while it is open, Escape cancels, and
 * the focus starts on Cancel, so pressing Enter by habit does not confirm. The focus goes back
 * to the button that opened it.
 */
import { useEffect, useId, useRef } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => void;
}

export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (request && !element.open) {
      opener.current = document.activeElement;
      element.showModal();
      cancel.current?.focus();
    } else if (!request && element.open) {
      element.close();
    }
  }, [request]);

  const close = () => {
    onClose();
    // The row's button may have been re-rendered; focus it again when it is still there.
    const back = opener.current;
    if (back instanceof HTMLElement && back.isConnected) back.focus();
  };

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        // Escape: close through React state, so the dialog and the state agree.
        event.preventDefault();
        close();
      }}
    >
      {request && (
        <>
          <h2 id={titleId}>{request.title}</h2>
          <p id={bodyId}>{request.body}</p>
          <div className="actions">
            <button ref={cancel} type="button" className="button" onClick={close}>
              {t('confirm.cancel')}
            </button>
            <button
              type="button"
              className="button danger-solid"
              onClick={() => {
                const confirmed = request.onConfirm;
                close();
                confirmed();
              }}
            >
              {request.confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
