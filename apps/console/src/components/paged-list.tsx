import { type FormEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
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
  setError(error: unknown): void;
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
    setError,
    reload: () => void load(null),
    more: cursor ? () => void load(cursor) : undefined,
  };
}

/** The filter form above a list: its fields, the time period, and "Apply". */
export function ListFilters({
  from,
  to,
  onFrom,
  onTo,
  onApply,
  children,
}: {
  from: string;
  to: string;
  onFrom(value: string): void;
  onTo(value: string): void;
  onApply(): void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply();
  };
  return (
    <form className="filters" onSubmit={submit}>
      {children}
      <label className="field">
        <span>{t('history.filter.from')}</span>
        <input type="datetime-local" value={from} onChange={(e) => onFrom(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('history.filter.to')}</span>
        <input type="datetime-local" value={to} onChange={(e) => onTo(e.target.value)} />
      </label>
      <button type="submit" className="button primary">
        {t('history.apply')}
      </button>
    </form>
  );
}

/** The list's error, its table or its "nothing found" line, and "Load more" while there is more. */
export function PagedTable<T>({
  list,
  empty,
  children,
}: {
  list: PagedList<T>;
  empty: string;
  /** The table. */
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <>
      <ErrorNotice error={list.error} />
      {list.items.length > 0 ? (
        <div className="table-wrap">{children}</div>
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
