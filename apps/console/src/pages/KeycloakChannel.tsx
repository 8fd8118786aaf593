/**
 * Keycloak's CIBA authentication channel (docs/integrations/keycloak.md), on the API keys page with
 * the other integrations: where Keycloak is, its realm, which of its clients may ask, the name the
 * customer's phone shows, and the channel URL to set in Keycloak (with a copy button). Removing it
 * asks first; the server's refusals are shown as it words them.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { KeycloakChannel as Channel } from '../api/types.ts';
import { useErrorText } from '../components/common.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/confirm-dialog.tsx';
import { CopyButton } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n.tsx';

export function KeycloakChannel({ api, mayWrite }: { api: ConsoleApi; mayWrite: boolean }) {
  const { t } = useI18n();
  const generic = useErrorText();
  const [channel, setChannel] = useState<Channel | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [baseUrl, setBaseUrl] = useState('');
  const [realm, setRealm] = useState('');
  const [issuer, setIssuer] = useState('');
  const [clients, setClients] = useState('');
  const [requester, setRequester] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const apply = (next: Channel | null) => {
    setChannel(next);
    setBaseUrl(next?.baseUrl ?? '');
    setRealm(next?.realm ?? '');
    setIssuer(next?.issuer ?? '');
    setClients(next?.allowedClients.join(' ') ?? '');
    setRequester(next?.requesterName ?? '');
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: apply only sets state
  useEffect(() => {
    api.keycloakChannel().then(
      (c) => {
        apply(c);
        setLoaded(true);
      },
      () => setLoaded(true),
    );
  }, [api]);

  const refused = (err: unknown) =>
    isApiError(err, 'VALIDATION_FAILED', 'CONFLICT')
      ? t('sso.error.refused', { message: err.message })
      : generic(err);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    try {
      apply(
        await api.configureKeycloakChannel({
          baseUrl: baseUrl.trim(),
          realm: realm.trim(),
          issuer: issuer.trim() || null,
          allowedClients: clients.split(/[\s,]+/).filter(Boolean),
          requesterName: requester.trim(),
        }),
      );
      setMessage({ kind: 'ok', text: t('app.saved') });
    } catch (err) {
      setMessage({ kind: 'error', text: refused(err) });
    }
  };

  if (!loaded) return null;
  return (
    <section className="card settings" aria-labelledby="keycloak-heading">
      <h2 id="keycloak-heading">{t('keycloak.title')}</h2>
      <p>{t('keycloak.intro')}</p>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
      {channel && (
        <p>
          {t('keycloak.channelUrl')} <span className="mono">{channel.channelUrl}</span>{' '}
          <CopyButton value={channel.channelUrl} what={t('keycloak.channelUrlName')} />
        </p>
      )}
      {mayWrite && (
        <form onSubmit={save}>
          <label className="field">
            <span>{t('keycloak.baseUrl')}</span>
            <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required />
          </label>
          <label className="field">
            <span>{t('keycloak.realm')}</span>
            <input value={realm} onChange={(e) => setRealm(e.target.value)} required maxLength={200} />
          </label>
          <label className="field">
            <span>{t('keycloak.issuer')}</span>
            <input type="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('keycloak.clients')}</span>
            <input value={clients} onChange={(e) => setClients(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('keycloak.requester')}</span>
            <input
              value={requester}
              onChange={(e) => setRequester(e.target.value)}
              required
              maxLength={100}
            />
          </label>
          {message && (
            <p
              className={message.kind === 'ok' ? 'notice info' : 'notice error'}
              role={message.kind === 'ok' ? 'status' : 'alert'}
            >
              {message.text}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="button primary">
              {t('keycloak.save')}
            </button>
            {channel && (
              <button
                type="button"
                className="button danger"
                onClick={() =>
                  setConfirm({
                    title: t('confirm.removeKeycloak.title'),
                    body: t('confirm.removeKeycloak.body'),
                    confirmLabel: t('keycloak.remove'),
                    onConfirm: () =>
                      void api.removeKeycloakChannel().then(
                        () => {
                          apply(null);
                          setMessage({ kind: 'ok', text: t('keycloak.removed') });
                        },
                        (err) => setMessage({ kind: 'error', text: refused(err) }),
                      ),
                  })
                }
              >
                {t('keycloak.remove')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
