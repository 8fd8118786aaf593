// The first-run tour of the console: where "Verify caller" is and what to say. Shown once per
// operator (remembered by the server, and in this browser), dismissible with Escape, replayed
// from the Help menu.
import { useCallback, useEffect, useRef, useState } from 'react';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import './tour.css';

interface TourStep {
  id: 'welcome' | 'search' | 'verify' | 'say' | 'fallback' | 'practice';
  /** The element the step points at, when it is on the screen. */
  target?: string;
}

const steps: TourStep[] = [
  { id: 'welcome' },
  { id: 'search', target: '[data-tour="search"]' },
  { id: 'verify', target: '[data-tour="verify"]' },
  { id: 'say' },
  { id: 'fallback' },
  { id: 'practice', target: '[data-tour="practice"]' },
];

const storageKey = (operatorId: string) => `helpdesk-auth.tour.v1.${operatorId}`;

export function tourSeen(operatorId: string): boolean {
  try {
    return window.localStorage.getItem(storageKey(operatorId)) === 'done';
  } catch {
    // Storage refused (private mode): show the tour, do not fail.
    return false;
  }
}

export function rememberSeen(operatorId: string): void {
  try {
    window.localStorage.setItem(storageKey(operatorId), 'done');
  } catch {
    // Nothing to do: the tour shows again next time.
  }
}

const focusable = 'a[href], button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex="-1"])';

export function Tour({
  operatorId,
  tenantName,
  onClose,
  onSeen,
}: {
  operatorId: string;
  tenantName: string;
  onClose: () => void;
  /** Tells the server, so the tour does not come back in another browser. */
  onSeen: () => void;
}) {
  const { t } = useI18n();
  const [index, setIndex] = useState(0);
  const dialog = useRef<HTMLDivElement>(null);
  const title = useRef<HTMLHeadingElement>(null);
  // Focus goes back where it was (the Help button on a replay) when the tour ends.
  const returnTo = useRef<Element | null>(document.activeElement);
  const step = steps[index]!;
  const last = index === steps.length - 1;

  const close = useCallback(() => {
    rememberSeen(operatorId);
    onSeen();
    onClose();
    const back = returnTo.current;
    if (back instanceof HTMLElement && document.contains(back)) back.focus();
  }, [operatorId, onClose, onSeen]);

  // Each step's title takes focus, so a screen reader reads the step from its start.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again for each new step
  useEffect(() => {
    title.current?.focus();
  }, [index]);

  // The element the step is about is lifted above the dimmed page and brought into view.
  useEffect(() => {
    const target = step.target ? document.querySelector(step.target) : null;
    if (!target) return;
    target.classList.add('tour-target');
    target.scrollIntoView({ block: 'nearest' });
    return () => target.classList.remove('tour-target');
  }, [step]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    // Tab stays inside the dialog while it is open (aria-modal).
    if (event.key === 'Tab' && dialog.current) {
      const items = [...dialog.current.querySelectorAll<HTMLElement>(focusable)];
      if (items.length === 0) return;
      const first = items[0]!;
      const lastItem = items[items.length - 1]!;
      if (event.shiftKey && (document.activeElement === first || document.activeElement === title.current)) {
        event.preventDefault();
        lastItem.focus();
      } else if (!event.shiftKey && document.activeElement === lastItem) {
        event.preventDefault();
        first.focus();
      }
    }
  };

  const key = (part: 'title' | 'body') => `tour.${step.id}.${part}` as MessageKey;
  return (
    <div className="tour-layer">
      <div className="tour-backdrop" aria-hidden="true" onClick={close} />
      <div
        ref={dialog}
        className="tour-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="tour-title"
        aria-describedby="tour-body"
        onKeyDown={onKeyDown}
        data-testid="tour"
      >
        <p className="tour-progress">
          <span className="visually-hidden">{t('tour.label')}: </span>
          {t('tour.progress', { n: String(index + 1), total: String(steps.length) })}
        </p>
        <h2 id="tour-title" ref={title} tabIndex={-1}>
          {t(key('title'))}
        </h2>
        <div id="tour-body">
          <p>{t(key('body'), { tenant: tenantName })}</p>
          {step.id === 'verify' && (
            // What the button looks like, for when the tour runs on a page without a caller open.
            <p className="tour-sample" aria-hidden="true">
              <span className="button primary">{t('verify.start')}</span>
            </p>
          )}
        </div>
        <div className="tour-actions">
          <button type="button" className="button link" onClick={close}>
            {t('tour.skip')}
          </button>
          <span className="tour-spacer" />
          {index > 0 && (
            <button type="button" className="button" onClick={() => setIndex(index - 1)}>
              {t('tour.back')}
            </button>
          )}
          <button
            type="button"
            className="button primary"
            onClick={() => (last ? close() : setIndex(index + 1))}
          >
            {last ? t('tour.done') : t('tour.next')}
          </button>
        </div>
      </div>
    </div>
  );
}
