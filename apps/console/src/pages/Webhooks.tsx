import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { isApiError } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { PageHeading, useErrorText } from '../components/common.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import {
  createFallbackApi,
  type FallbackApi,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookEventTypes,
} from '../fallbacks/api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import '../fallbacks/fallbacks.css';

function useWebhookError() {
  const { t } = useI18n();
  const generic = useErrorText();
  return (error: unknown): string =>
    isApiError(error, 'WEBHOOK_URL_REFUSED') ? t('webhooks.error.WEBHOOK_URL_REFUSED') : generic(error);
}

function EventChoice({
  selected,
  onChange,
  legend,
}: {
  selected: string[];
  onChange: (events: string[]) => void;
  legend: string;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="webhook-events">
        {webhookEventTypes.map((type) => (
          <label key={type} className="radio">
            <input
              type="checkbox"
              checked={selected.includes(type)}
              onChange={(e) =>
                onChange(e.target.checked ? [...selected, type] : selected.filter((s) => s !== type))
              }
            />
            <span className="mono">{type}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * Webhook endpoints (docs/integrations/rest-and-webhooks.md): list, add (the secret shown once),
 * change events or switch off, rotate the secret, send a test, and the deliveries with each
 * attempt, which can be sent again.
 */
export function Webhooks({ session }: { session: Session }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useWebhookError();
  const api = useMemo(() => createFallbackApi(session.csrfToken), [session.csrfToken]);
  const mayWrite = session.permissions.includes('webhooks:write');
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ text: string; secret: string } | null>(null);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['verification.approved', 'verification.fraud_reported']);
  const [open, setOpen] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: errorText is recreated each render
  const load = useCallback(() => {
    api.webhooks().then(
      (r) => setEndpoints(r.items),
      (e) => setError(errorText(e)),
    );
  }, [api]);
  useEffect(load, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (events.length === 0) {
      setError(t('webhooks.chooseEvent'));
      return;
    }
    try {
      const created = await api.createWebhook({
        url: url.trim(),
        events,
        description: description.trim() || null,
      });
      setSecret({ text: t('webhooks.secretOnce'), secret: created.secret });
      setUrl('');
      setDescription('');
      setOpen(created.endpoint.id);
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div>
      <PageHeading>{t('webhooks.title')}</PageHeading>
      <p>{t('webhooks.intro')}</p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <SecretOnce
          text={secret.text}
          secret={secret.secret}
          what={t('secret.webhookSecret')}
          testId="webhook-secret"
          onClose={() => setSecret(null)}
        />
      )}
      <div className="table-wrap">
        <table data-testid="webhooks-table">
          <thead>
            <tr>
              <th scope="col">{t('webhooks.url')}</th>
              <th scope="col">{t('webhooks.description')}</th>
              <th scope="col">{t('webhooks.events')}</th>
              <th scope="col">{t('webhooks.status')}</th>
              <th scope="col">{t('webhooks.manage')}</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  {t('webhooks.empty')}
                </td>
              </tr>
            )}
            {endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <td className="mono small">{endpoint.url}</td>
                <td>{endpoint.description ?? '–'}</td>
                <td className="small mono">{endpoint.events.join(', ')}</td>
                <td>
                  <span className={endpoint.enabled ? 'badge ok' : 'badge'}>
                    {endpoint.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}
                  </span>
                </td>
                <td>
                  <button
                    type="button"
                    className="button small"
                    aria-expanded={open === endpoint.id}
                    aria-label={`${t('webhooks.manage')}: ${endpoint.url}`}
                    onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}
                  >
                    {t('webhooks.manage')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {endpoints
        .filter((endpoint) => endpoint.id === open)
        .map((endpoint) => (
          <EndpointDetail
            key={endpoint.id}
            api={api}
            endpoint={endpoint}
            mayWrite={mayWrite}
            onChanged={load}
            onSecret={(value, until) =>
              setSecret({
                text: t('webhooks.rotated', { time: until ? formatDateTime(until) : '–' }),
                secret: value,
              })
            }
          />
        ))}
      {mayWrite && (
        <form className="card" onSubmit={(e) => void create(e)} aria-labelledby="create-webhook-heading">
          <h2 id="create-webhook-heading">{t('webhooks.create')}</h2>
          <label className="field">
            <span>{t('webhooks.url')}</span>
            <input
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              maxLength={2048}
              placeholder="https://crm.example.com/hooks/helpdesk-auth"
            />
          </label>
          <label className="field">
            <span>{t('webhooks.description')}</span>
            <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} />
          </label>
          <EventChoice selected={events} onChange={setEvents} legend={t('webhooks.events')} />
          <button type="submit" className="button primary">
            {t('webhooks.create')}
          </button>
        </form>
      )}
    </div>
  );
}

function EndpointDetail({
  api,
  endpoint,
  mayWrite,
  onChanged,
  onSecret,
}: {
  api: FallbackApi;
  endpoint: WebhookEndpoint;
  mayWrite: boolean;
  onChanged: () => void;
  onSecret: (secret: string, previousUntil: string | null) => void;
}) {
  const { t, formatDateTime } = useI18n();
  const errorText = useWebhookError();
  const ids = useId();
  const [events, setEvents] = useState<string[]>(endpoint.events);
  const [deliveries, setDeliveries] = useState<WebhookDelivery[]>([]);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const loadDeliveries = useCallback(() => {
    api.webhookDeliveries(endpoint.id).then(
      (r) => setDeliveries(r.items),
      () => {},
    );
  }, [api, endpoint.id]);
  useEffect(loadDeliveries, [loadDeliveries]);

  const run = async (action: () => Promise<unknown>, ok: string) => {
    setMessage(null);
    try {
      await action();
      setMessage({ kind: 'ok', text: ok });
      onChanged();
      loadDeliveries();
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    }
  };

  const statusText = (status: WebhookDelivery['status']) => t(`webhooks.delivery.${status}`);

  return (
    <section className="card webhook-detail" aria-labelledby={`${ids}-heading`} data-testid="webhook-detail">
      <h2 id={`${ids}-heading`}>{t('webhooks.endpoint', { url: endpoint.url })}</h2>
      {message && (
        <p
          className={message.kind === 'ok' ? 'notice info' : 'notice error'}
          role={message.kind === 'ok' ? 'status' : 'alert'}
        >
          {message.text}
        </p>
      )}
      {mayWrite && (
        <>
          <EventChoice selected={events} onChange={setEvents} legend={t('webhooks.events')} />
          <div className="actions">
            <button
              type="button"
              className="button"
              disabled={events.length === 0}
              onClick={() => void run(() => api.updateWebhook(endpoint.id, { events }), t('webhooks.saved'))}
            >
              {t('webhooks.saveEvents')}
            </button>
            <button
              type="button"
              className="button"
              onClick={() =>
                void run(
                  () => api.updateWebhook(endpoint.id, { enabled: !endpoint.enabled }),
                  t('webhooks.saved'),
                )
              }
            >
              {endpoint.enabled ? t('webhooks.disable') : t('webhooks.enable')}
            </button>
            <button
              type="button"
              className="button"
              onClick={() =>
                void run(async () => {
                  const rotated = await api.rotateWebhookSecret(endpoint.id);
                  onSecret(rotated.secret, rotated.endpoint.previousSecretExpiresAt);
                }, t('app.saved'))
              }
            >
              {t('webhooks.rotate')}
            </button>
            <button
              type="button"
              className="button primary"
              onClick={() => void run(() => api.testWebhook(endpoint.id), t('webhooks.testQueued'))}
            >
              {t('webhooks.test')}
            </button>
          </div>
        </>
      )}
      <div className="webhook-deliveries-head">
        <h3>{t('webhooks.deliveries')}</h3>
        <button type="button" className="button small" onClick={loadDeliveries}>
          {t('webhooks.refresh')}
        </button>
      </div>
      {deliveries.length === 0 ? (
        <p className="muted">{t('webhooks.noDeliveries')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="webhook-deliveries">
            <thead>
              <tr>
                <th scope="col">{t('webhooks.col.event')}</th>
                <th scope="col">{t('webhooks.col.status')}</th>
                <th scope="col">{t('webhooks.col.created')}</th>
                <th scope="col">{t('webhooks.col.attempts')}</th>
                {mayWrite && <th scope="col">{t('webhooks.manage')}</th>}
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id} data-delivery-status={d.status}>
                  <td className="mono small">{d.eventType}</td>
                  <td>
                    <span
                      className={
                        d.status === 'succeeded'
                          ? 'badge ok'
                          : d.status === 'failed'
                            ? 'badge status-failed'
                            : 'badge'
                      }
                    >
                      {statusText(d.status)}
                    </span>
                  </td>
                  <td>{formatDateTime(d.createdAt)}</td>
                  <td>
                    <ul className="webhook-attempts">
                      {d.attempts.map((a) => (
                        <li key={a.attempt}>
                          {a.outcome === 'succeeded'
                            ? t('webhooks.attempt.succeeded', {
                                n: a.attempt,
                                status: a.statusCode ?? '–',
                                ms: a.durationMs,
                              })
                            : t('webhooks.attempt.failed', {
                                n: a.attempt,
                                error: a.error ?? (a.statusCode ? `HTTP ${a.statusCode}` : '–'),
                                ms: a.durationMs,
                              })}
                        </li>
                      ))}
                      {d.nextAttemptAt && d.status === 'pending' && (
                        <li className="muted">
                          {t('webhooks.nextAttempt', { time: formatDateTime(d.nextAttemptAt) })}
                        </li>
                      )}
                    </ul>
                  </td>
                  {mayWrite && (
                    <td>
                      <button
                        type="button"
                        className="button small"
                        aria-label={`${t('webhooks.redeliver')}: ${d.eventType} ${formatDateTime(d.createdAt)}`}
                        onClick={() =>
                          void run(() => api.redeliverWebhook(endpoint.id, d.id), t('webhooks.redelivered'))
                        }
                      >
                        {t('webhooks.redeliver')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
