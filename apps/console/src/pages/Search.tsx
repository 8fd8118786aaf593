import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import type { Customer, Session } from '../api/types.ts';
import { CustomerForm } from '../components/CustomerForm.tsx';
import { CustomerImport } from '../components/CustomerImport.tsx';
import { ErrorNotice } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { navigate } from '../router.ts';

/**
 * One search box, results as you type, keyboard first: focused on load, ↑/↓ move through the
 * results (an ARIA combobox with a listbox), Enter opens the customer. Whoever may change
 * customers also gets "New customer" and the CSV import here.
 */
export function Search({ api, session }: { api: ConsoleApi; session: Session }) {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Customer[]>([]);
  const [active, setActive] = useState(0);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [searchedFor, setSearchedFor] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const ids = useId();
  const listId = `${ids}-list`;
  const [dialog, setDialog] = useState<'new' | 'import' | null>(null);
  const canWrite = session.permissions.includes('customers:write');

  useEffect(() => {
    input.current?.focus();
  }, []);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults([]);
      setSearchedFor('');
      return;
    }
    const controller = new AbortController();
    // A short pause so a fast typist sends one request, not one per key.
    const timer = setTimeout(() => {
      setSearching(true);
      api
        .searchCustomers(q)
        .then((page) => {
          if (controller.signal.aborted) return;
          setResults(page.items);
          setActive(0);
          setError(null);
          setSearchedFor(q);
        })
        .catch((err) => {
          if (!controller.signal.aborted) setError(err);
        })
        .finally(() => {
          if (!controller.signal.aborted) setSearching(false);
        });
    }, 120);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, query]);

  const open = (customer: Customer | undefined) => {
    if (customer) navigate({ name: 'customer', id: customer.id });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => Math.min(i + 1, Math.max(results.length - 1, 0)));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      open(results[active]);
    }
  };

  const expanded = results.length > 0;
  return (
    <div className="search-page">
      <div className="search-head">
        <h1>{t('search.title')}</h1>
        {canWrite && (
          <div className="actions">
            <button type="button" className="button" onClick={() => setDialog('new')}>
              {t('cf.new')}
            </button>
            <button type="button" className="button" onClick={() => setDialog('import')}>
              {t('imp.open')}
            </button>
          </div>
        )}
      </div>
      {dialog === 'new' && (
        <CustomerForm
          api={api}
          onSaved={(customer) => navigate({ name: 'customer', id: customer.id })}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'import' && <CustomerImport api={api} onClose={() => setDialog(null)} />}
      <div className="search-box" data-tour="search">
        <label htmlFor={`${ids}-input`}>{t('search.label')}</label>
        <input
          id={`${ids}-input`}
          ref={input}
          type="search"
          role="combobox"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={expanded ? `${ids}-option-${active}` : undefined}
          aria-describedby={`${ids}-hint`}
          autoComplete="off"
          spellCheck={false}
          placeholder={t('search.placeholder')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <p id={`${ids}-hint`} className="muted">
          {t('search.hint')}
        </p>
      </div>
      <ErrorNotice error={error} />
      <p className="visually-hidden" role="status" aria-live="polite">
        {searching
          ? t('search.searching')
          : searchedFor
            ? results.length
              ? t('search.results', { count: results.length })
              : t('search.noResults', { q: searchedFor })
            : ''}
      </p>
      <div id={listId} role="listbox" className="results" aria-label={t('search.label')}>
        {results.map((customer, index) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox input handles the keys (ARIA combobox pattern)
          <div
            key={customer.id}
            tabIndex={-1}
            id={`${ids}-option-${index}`}
            role="option"
            aria-selected={index === active}
            className={index === active ? 'result-row active' : 'result-row'}
            onMouseEnter={() => setActive(index)}
            onClick={() => open(customer)}
          >
            <span className="result-name">{customer.displayName}</span>
            <span className="result-meta">
              {[customer.externalId, customer.phone, customer.email].filter(Boolean).join(' · ')}
            </span>
            {customer.fraudReportedAt && (
              <span className="badge status-fraud_reported">{t('search.fraudFlag')}</span>
            )}
          </div>
        ))}
      </div>
      {searchedFor && !searching && results.length === 0 && !error && (
        <p className="muted">{t('search.noResults', { q: searchedFor })}</p>
      )}
    </div>
  );
}
