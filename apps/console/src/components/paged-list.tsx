import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { Page } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ErrorNotice } from './common.tsx';

/** `datetime-local` gives local time without a zone; the API wants a full date-time. */
export function toIsoOrUndefined(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export interface PagedList<T> {
  items: T[];
  /** True once the first page has answered (or failed). */
  loaded: boolean;
  error: unknown;
  /** Loads the first page again, with the filter as it is now. */
  reload(): void;
  /** Appends the next page; undefined when there is none. */
  more: (() => void) | undefined;
}

/**
 * A filtered list read a page at a time: the first page on open, the next ones on request.
 * `fetchPage` should read the filter as it is when called; an answer that arrives after a newer
 * request was made is dropped, so a slow page never overwrites a newer filter's results.
 */
export function usePagedList<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const latest = useRef(0);

  const load = useCallback(
    async (after: string | null) => {
      const request = ++latest.current;
      try {
        const page = await fetchPage(after ?? undefined);
        if (request !== latest.current) return;
        setItems((current) => (after ? [...current, ...page.items] : page.items));
        setCursor(page.nextCursor);
        setError(null);
      } catch (err) {
        if (request !== latest.current) return;
        setError(err);
        // A new filter that failed leaves no rows of the old one on screen, and nothing to page.
        if (!after) {
          setItems([]);
          setCursor(null);
        }
      } finally {
        if (request === latest.current) setLoaded(true);
      }
    },
    [fetchPage],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: load once on open; the filter form reloads
  useEffect(() => {
    void load(null);
  }, []);

  return {
    items,
    loaded,
    error,
    reload: () => void load(null),
    more: cursor ? () => void load(cursor) : undefined,
  };
}

/** What is wrong with each filter field, by the field's name; a field that is fine is absent. */
export type FilterProblems = Partial<Record<string, string>>;

/**
 * The filter form above a list: its fields, the time period, and "Apply". A filter that cannot
 * be right is not sent: `check` names what is wrong with the page's own fields (and shows it
 * beside them), the form checks the period itself, and the first field with a problem gets
 * the focus.
 */
export function ListFilters({
  from,
  to,
  onFrom,
  onTo,
  onApply,
  check,
  children,
}: {
  from: string;
  to: string;
  onFrom(value: string): void;
  onTo(value: string): void;
  onApply(): void;
  check?: () => FilterProblems;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const form = useRef<HTMLFormElement>(null);
  const [periodProblem, setPeriodProblem] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const start = toIsoOrUndefined(from);
    const end = toIsoOrUndefined(to);
    const period = start && end && end <= start ? t('filters.problem.period') : undefined;
    setPeriodProblem(period);
    const found: FilterProblems = { ...check?.(), ...(period ? { to: period } : {}) };
    // Object keys keep insertion order: the page's fields (first on screen), then the period.
    const first = Object.keys(found).find((name) => found[name]);
    if (first) {
      form.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    onApply();
  };
  return (
    <form className="filters" onSubmit={submit} ref={form} noValidate>
      {children}
      <FilterField
        name="from"
        label={t('history.filter.from')}
        type="datetime-local"
        value={from}
        onChange={onFrom}
      />
      <FilterField
        name="to"
        label={t('history.filter.to')}
        type="datetime-local"
        value={to}
        onChange={onTo}
        problem={periodProblem}
      />
      <button type="submit" className="button primary">
        {t('history.apply')}
      </button>
    </form>
  );
}

/** One filter input with its label, and what is wrong with it (announced, and tied to the input). */
export function FilterField({
  name,
  label,
  value,
  onChange,
  problem,
  type = 'text',
  placeholder,
  maxLength,
}: {
  name: string;
  label: string;
  value: string;
  onChange(value: string): void;
  problem?: string | undefined;
  type?: 'text' | 'datetime-local';
  placeholder?: string;
  maxLength?: number;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        id={`${id}-input`}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        maxLength={maxLength}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {problem && (
        <span className="field-problem" id={`${id}-problem`} role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

/** The list's error, its table or its "nothing found" line, and "Load more" while there is more. */
export function PagedTable<T>({
  list,
  empty,
  children,
  regionLabel,
}: {
  list: PagedList<T>;
  empty: string;
  /** The table. */
  children: ReactNode;
  /**
   * Names the table's box as a region that takes focus, so keyboard users can scroll a table
   * wider than the screen (axe `scrollable-region-focusable`).
   */
  regionLabel?: string;
}) {
  const { t } = useI18n();
  return (
    <>
      <ErrorNotice error={list.error} />
      {list.items.length > 0 ? (
        regionLabel ? (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to scroll it
          <section className="table-wrap" tabIndex={0} aria-label={regionLabel}>
            {children}
          </section>
        ) : (
          <div className="table-wrap">{children}</div>
        )
      ) : (
        list.loaded && !list.error && <p className="muted">{empty}</p>
      )}
      {list.more && (
        <div className="actions">
          <button type="button" className="button" onClick={list.more}>
            {t('app.loadMore')}
          </button>
        </div>
      )}
    </>
  );
}
