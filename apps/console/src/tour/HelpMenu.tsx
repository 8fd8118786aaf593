// The Help menu in the top bar: replay the first-run tour, or go and practise a call.
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { href } from '../router.ts';

export function HelpMenu({ onTour, canPractise }: { onTour: () => void; canPractise: boolean }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLElement>('button, a')?.focus();
  }, [open]);

  // A click elsewhere, or Escape, closes the menu; Escape puts focus back on its button.
  useEffect(() => {
    if (!open) return;
    const onClick = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('click', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('click', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="help-menu">
      <button
        ref={button}
        type="button"
        className="button small help-button"
        aria-expanded={open}
        aria-controls="help-menu-list"
        onClick={() => setOpen(!open)}
        title={t('help.menu')}
      >
        {/* A question mark keeps the top bar on one row; the name is read out and shown on hover. */}
        <span aria-hidden="true">?</span>
        <span className="visually-hidden">{t('help.menu')}</span>
      </button>
      {open && (
        <ul id="help-menu-list" ref={menu} className="help-menu-list">
          <li>
            <button
              type="button"
              className="button link"
              onClick={() => {
                setOpen(false);
                button.current?.focus();
                onTour();
              }}
            >
              {t('help.tour')}
            </button>
          </li>
          {canPractise && (
            <li>
              <a href={href({ name: 'practice' })} onClick={() => setOpen(false)}>
                {t('help.practice')}
              </a>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
