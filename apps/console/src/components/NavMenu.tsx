/**
 * A group of header links behind one button (the administration pages): the WAI-ARIA
 * disclosure-navigation pattern. The button says whether the list is open (aria-expanded) and
 * names it (aria-controls); the links stay links, reached with Tab or the arrow keys. Escape
 * closes the list and puts the focus back on the button. Following a link closes it (the new
 * page's heading then takes the focus, as after any link in the header); so does a click
 * elsewhere, or the focus moving on past the list. While one of its pages is open, the
 * button looks like the current page's link and says so to screen readers (aria-current).
 */
import {
  type KeyboardEvent,
  type ReactNode,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';

export interface NavMenuLink {
  href: string;
  label: string;
  current: boolean;
}

export function NavMenu({
  label,
  links,
  routeKey,
}: {
  label: string;
  links: NavMenuLink[];
  /** Changes with every navigation, which closes the list. */
  routeKey: string;
}): ReactNode {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const holdsCurrent = links.some((link) => link.current);

  // Any navigation (a link in the list, the browser's Back, a link on the page) closes the list.
  // Focus that was in the list would be lost with it: it goes back to the button.
  const close = () => {
    const active = document.activeElement;
    if (active !== button.current && root.current?.contains(active)) button.current?.focus();
    setOpen(false);
  };
  const closeOnNavigation = useRef(close);
  closeOnNavigation.current = close;
  useEffect(() => {
    if (routeKey) closeOnNavigation.current();
  }, [routeKey]);

  // A click (or touch) anywhere else closes it.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const items = () => [...(root.current?.querySelectorAll<HTMLAnchorElement>('ul a') ?? [])];
  const focusItem = (index: number) => {
    const all = items();
    all[(index + all.length) % all.length]?.focus();
  };

  // The link to focus once the list is shown (opened with an arrow key).
  const focusOnOpen = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (!open || focusOnOpen.current === null) return;
    focusItem(focusOnOpen.current);
    focusOnOpen.current = null;
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLAnchorElement);
    const onButton = document.activeElement === button.current;
    let handled = true;
    if (event.key === 'Escape' && open) {
      close();
      button.current?.focus();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && onButton) {
      // From the button, the arrows open the list at its first (or last) page.
      const index = event.key === 'ArrowUp' ? -1 : 0;
      if (open) focusItem(index);
      else {
        focusOnOpen.current = index;
        setOpen(true);
      }
    } else if (at >= 0 && (event.key === 'ArrowDown' || event.key === 'ArrowRight')) {
      focusItem(at + 1);
    } else if (at >= 0 && (event.key === 'ArrowUp' || event.key === 'ArrowLeft')) {
      focusItem(at - 1);
    } else if (at >= 0 && event.key === 'Home') {
      focusItem(0);
    } else if (at >= 0 && event.key === 'End') {
      focusItem(-1);
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      // Escape here is the menu's, not a dialog's or the page's.
      event.stopPropagation();
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the keys are the button's and the links'; this only hears them bubble up.
    <div
      className="nav-menu"
      ref={root}
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Tab past the last link (or Shift+Tab before the button) closes the list.
        const next = event.relatedTarget as Node | null;
        if (next && !root.current?.contains(next)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="nav-menu-button"
        aria-expanded={open}
        aria-controls={listId}
        aria-current={holdsCurrent ? 'true' : undefined}
        onClick={() => setOpen(!open)}
      >
        {label}
        <svg className="nav-menu-chevron" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
          <path d="M2.5 4.5 6 8l3.5-3.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
        </svg>
      </button>
      <ul id={listId} className="nav-menu-list" hidden={!open}>
        {links.map((link) => (
          <li key={link.href}>
            <a href={link.href} aria-current={link.current ? 'page' : undefined} onClick={close}>
              {link.label}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
