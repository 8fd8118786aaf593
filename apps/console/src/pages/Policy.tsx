import { type KeyboardEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { ErrorNotice, PageHeading, useErrorText } from '../components/common.tsx';
import {
  createFallbackApi,
  DetailedApiError,
  type PolicyVersion,
  type PolicyVersionSummary,
} from '../fallbacks/api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import '../fallbacks/fallbacks.css';
import { PolicyForm } from './PolicyForm.tsx';

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function parseDraft(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

type Check =
  | { kind: 'idle' }
  | { kind: 'json'; message: string }
  | { kind: 'problems'; problems: string[] }
  | { kind: 'valid' };

/**
 * The verification policy (docs/policy.md): the version in force, an editor that checks the
 * document as the admin types and lists every problem, and the saved versions.
 */
export function Policy({ api: consoleApi, session }: { api: ConsoleApi; session: Session }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const api = useMemo(() => createFallbackApi(session.csrfToken), [session.csrfToken]);
  const mayWrite = session.permissions.includes('policy:write');
  const [current, setCurrent] = useState<PolicyVersion | null>(null);
  const [versions, setVersions] = useState<PolicyVersionSummary[]>([]);
  const [text, setText] = useState('');
  const [check, setCheck] = useState<Check>({ kind: 'idle' });
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [viewing, setViewing] = useState<PolicyVersion | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [view, setView] = useState<'form' | 'json'>('form');
  const tabs = useRef<Record<'form' | 'json', HTMLButtonElement | null>>({ form: null, json: null });

  // Who saved each version, by name, for roles that may list operators.
  useEffect(() => {
    if (!session.permissions.includes('operators:read')) return;
    consoleApi.operators().then(
      (r) => setNames(Object.fromEntries(r.items.map((o) => [o.id, o.displayName]))),
      () => {},
    );
  }, [consoleApi, session.permissions]);

  const load = useCallback(async () => {
    try {
      const [policy, list] = await Promise.all([api.policy(), api.policyVersions()]);
      setCurrent(policy);
      setVersions(list.versions);
      setText(pretty(policy.policy));
      setCheck({ kind: 'idle' });
    } catch (err) {
      setLoadError(err);
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  const changed = current !== null && text !== pretty(current.policy);

  // Check the document as the admin types (after a short pause), without saving it.
  useEffect(() => {
    if (!current || !changed) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setCheck({ kind: 'json', message: (err as Error).message });
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.validatePolicy(parsed).then(
        (result) => {
          if (!live) return;
          setCheck(result.valid ? { kind: 'valid' } : { kind: 'problems', problems: result.problems });
        },
        () => {},
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, text, current, changed]);

  const save = async () => {
    if (!current) return;
    setMessage(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setCheck({ kind: 'json', message: (err as Error).message });
      return;
    }
    setSaving(true);
    try {
      const saved = await api.savePolicy(parsed, current.version);
      await load();
      setMessage({ kind: 'ok', text: t('policy.saved', { version: saved.version }) });
    } catch (err) {
      if (isApiError(err, 'POLICY_VERSION_CONFLICT'))
        setMessage({ kind: 'error', text: t('policy.error.POLICY_VERSION_CONFLICT') });
      else if (isApiError(err, 'POLICY_INVALID')) {
        const validation = await api.validatePolicy(parsed).catch(() => null);
        setCheck(
          validation
            ? { kind: 'problems', problems: validation.problems }
            : { kind: 'problems', problems: [err instanceof DetailedApiError ? err.message : ''] },
        );
      } else setMessage({ kind: 'error', text: errorText(err) });
    } finally {
      setSaving(false);
    }
  };

  const show = async (version: number) => {
    try {
      setViewing(await api.policy(version));
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    }
  };

  if (loadError) return <ErrorNotice error={loadError} />;
  if (!current) return <p className="muted">{t('app.loading')}</p>;
  const invalid = check.kind === 'json' || check.kind === 'problems';
  // The form edits the parsed document; while the JSON view holds text that does not parse, it waits.
  const draft = parseDraft(text);

  return (
    <div>
      <PageHeading>{t('policy.title')}</PageHeading>
      <p>{t('policy.intro')}</p>
      <p className="notice info" data-testid="policy-current">
        {current.version === 0 || !current.updatedAt
          ? t('policy.default')
          : t('policy.current', { version: current.version, time: formatDateTime(current.updatedAt) })}
      </p>
      <div className="policy-layout">
        <section className="card policy-editor" aria-labelledby={`${ids}-editor`}>
          <h2 id={`${ids}-editor`}>{t('pf.editorTitle')}</h2>
          {!mayWrite && <p className="muted">{t('policy.readOnly')}</p>}
          <p className="muted" id={`${ids}-help`}>
            {t('policy.editorHelp')}
          </p>
          {/* Two views of one document (WAI-ARIA tabs: arrow keys move between them). */}
          <div className="tabs" role="tablist" aria-label={t('pf.tabs')}>
            {(['form', 'json'] as const).map((name) => (
              <button
                key={name}
                ref={(node) => {
                  tabs.current[name] = node;
                }}
                type="button"
                role="tab"
                id={`${ids}-tab-${name}`}
                aria-selected={view === name}
                aria-controls={`${ids}-panel-${name}`}
                tabIndex={view === name ? 0 : -1}
                onClick={() => setView(name)}
                onKeyDown={(event: KeyboardEvent) => {
                  if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
                  event.preventDefault();
                  const next =
                    event.key === 'Home'
                      ? 'form'
                      : event.key === 'End'
                        ? 'json'
                        : name === 'form'
                          ? 'json'
                          : 'form';
                  setView(next);
                  tabs.current[next]?.focus();
                }}
              >
                {t(name === 'form' ? 'pf.tab.form' : 'pf.tab.json')}
              </button>
            ))}
          </div>
          <div
            role="tabpanel"
            id={`${ids}-panel-form`}
            aria-labelledby={`${ids}-tab-form`}
            hidden={view !== 'form'}
          >
            {draft ? (
              <PolicyForm
                draft={draft}
                readOnly={!mayWrite}
                onChange={(next) => {
                  setText(pretty(next));
                  setMessage(null);
                }}
              />
            ) : (
              <p className="notice warning">{t('pf.jsonBroken')}</p>
            )}
          </div>
          <div
            role="tabpanel"
            id={`${ids}-panel-json`}
            aria-labelledby={`${ids}-tab-json`}
            hidden={view !== 'json'}
          >
            <textarea
              id={`${ids}-text`}
              aria-label={t('policy.editor')}
              value={text}
              readOnly={!mayWrite}
              spellCheck={false}
              aria-invalid={invalid}
              aria-describedby={`${ids}-help ${ids}-check`}
              onChange={(e) => {
                setText(e.target.value);
                setMessage(null);
              }}
            />
          </div>
          <div id={`${ids}-check`} aria-live="polite" data-testid="policy-check">
            {check.kind === 'json' && (
              <p className="notice error">{t('policy.invalidJson', { message: check.message })}</p>
            )}
            {check.kind === 'problems' && (
              <div className="notice error">
                <p>{t('policy.problems')}</p>
                <ul className="policy-problems">
                  {check.problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              </div>
            )}
            {check.kind === 'valid' && changed && <p className="notice ok">{t('policy.valid')}</p>}
          </div>
          {message && (
            <p
              className={message.kind === 'ok' ? 'notice info' : 'notice error'}
              role={message.kind === 'ok' ? 'status' : 'alert'}
            >
              {message.text}
            </p>
          )}
          {mayWrite && (
            <div className="actions">
              <button
                type="button"
                className="button primary"
                disabled={saving || !changed || invalid}
                onClick={() => void save()}
              >
                {saving ? t('policy.saving') : t('policy.save')}
              </button>
              <button
                type="button"
                className="button"
                disabled={!changed}
                onClick={() => {
                  setText(pretty(current.policy));
                  setCheck({ kind: 'idle' });
                }}
              >
                {t('policy.reset')}
              </button>
              <button type="button" className="button" onClick={() => void load()}>
                {t('policy.reload')}
              </button>
            </div>
          )}
        </section>
        <section className="card" aria-labelledby={`${ids}-history`}>
          <h2 id={`${ids}-history`}>{t('policy.history')}</h2>
          {versions.length === 0 ? (
            <p className="muted">{t('policy.noVersions')}</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="policy-versions">
                <thead>
                  <tr>
                    <th scope="col">{t('policy.col.version')}</th>
                    <th scope="col">{t('policy.col.time')}</th>
                    <th scope="col">{t('policy.col.by')}</th>
                  </tr>
                </thead>
                <tbody>
                  {versions.map((v) => (
                    <tr key={v.version}>
                      <td>
                        <button
                          type="button"
                          className="button small"
                          aria-label={t('policy.show', { version: v.version })}
                          onClick={() => void show(v.version)}
                        >
                          {v.version}
                        </button>
                      </td>
                      <td>{formatDateTime(v.updatedAt)}</td>
                      <td className="small">
                        {v.updatedBy.id ? (names[v.updatedBy.id] ?? v.updatedBy.id) : v.updatedBy.type}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {viewing && (
            <div data-testid="policy-viewing">
              <h3 id={`${ids}-viewing`}>{t('policy.viewing', { version: viewing.version })}</h3>
              <textarea
                className="policy-view mono"
                readOnly
                aria-labelledby={`${ids}-viewing`}
                value={pretty(viewing.policy)}
              />
              <div className="actions">
                {mayWrite && (
                  <button
                    type="button"
                    className="button small"
                    onClick={() => {
                      setText(pretty(viewing.policy));
                      setViewing(null);
                    }}
                  >
                    {t('policy.copyToEditor')}
                  </button>
                )}
                <button type="button" className="button small" onClick={() => setViewing(null)}>
                  {t('app.close')}
                </button>
              </div>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
