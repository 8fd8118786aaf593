/**
 * OpenID clients for CIBA (docs/integrations/ciba.md): the applications that ask a customer's
 * phone to approve a sign-in or payment. Listed with their client_id; registered with a secret
 * (shown once, with a copy button) or a key set (private_key_jwt), in poll or ping mode; a new
 * secret or a revocation asks first. Shown on the API keys page, with the other integrations.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { OidcClient } from '../api/types.ts';
import { useErrorText } from '../components/common.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/confirm-dialog.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n.tsx';

export function OidcClients({ api, mayWrite }: { api: ConsoleApi; mayWrite: boolean }) {
  const { t } = useI18n();
  const generic = useErrorText();
  const errorText = (error: unknown) =>
    isApiError(error, 'VALIDATION_FAILED')
      ? t('oidc.error.VALIDATION_FAILED', { message: error.message })
      : isApiError(error, 'CONFLICT')
        ? t('oidc.error.CONFLICT')
        : generic(error);
  const [clients, setClients] = useState<OidcClient[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ text: string; value: string } | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [name, setName] = useState('');
  const [method, setMethod] = useState<OidcClient['tokenEndpointAuthMethod']>('client_secret_basic');
  const [jwks, setJwks] = useState('');
  const [mode, setMode] = useState<OidcClient['deliveryMode']>('poll');
  const [endpoint, setEndpoint] = useState('');

  const load = useCallback(() => {
    api.oidcClients().then(
      (r) => setClients(r.items),
      (e) => setError(generic(e)),
    );
  }, [api, generic]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once
  useEffect(load, []);

  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    let keys: OidcClient['jwks'] | undefined;
    if (method === 'private_key_jwt') {
      try {
        keys = JSON.parse(jwks) as OidcClient['jwks'];
      } catch {
        setError(t('oidc.error.jwksJson'));
        return;
      }
    }
    void run(async () => {
      const created = await api.createOidcClient({
        name: name.trim(),
        tokenEndpointAuthMethod: method,
        deliveryMode: mode,
        ...(keys ? { jwks: keys } : {}),
        ...(mode === 'ping' ? { notificationEndpoint: endpoint.trim() } : {}),
      });
      setSecret(
        created.clientSecret
          ? { text: t('oidc.secretOnce', { id: created.client.id }), value: created.clientSecret }
          : null,
      );
      setName('');
      setJwks('');
      setEndpoint('');
    });
  };

  return (
    <section className="card" aria-labelledby="oidc-heading">
      <h2 id="oidc-heading">{t('oidc.title')}</h2>
      <p>{t('oidc.intro')}</p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <SecretOnce
          text={secret.text}
          secret={secret.value}
          what={t('oidc.secretName')}
          testId="oidc-secret"
          onClose={() => setSecret(null)}
        />
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
      {clients.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('oidc.name')}</th>
                <th scope="col">{t('oidc.clientId')}</th>
                <th scope="col">{t('oidc.method')}</th>
                <th scope="col">{t('oidc.mode')}</th>
                <th scope="col">{t('oidc.status')}</th>
                {mayWrite && <th scope="col">{t('operators.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {clients.map((client) => (
                <tr key={client.id}>
                  <td>{client.name}</td>
                  <td className="mono small">{client.id}</td>
                  <td className="mono small">{client.tokenEndpointAuthMethod}</td>
                  <td>{client.deliveryMode}</td>
                  <td>{t(`oidc.status.${client.status}`)}</td>
                  {mayWrite && (
                    <td>
                      {client.status !== 'revoked' &&
                        client.tokenEndpointAuthMethod === 'client_secret_basic' && (
                          <button
                            type="button"
                            className="button small"
                            aria-label={`${t('oidc.rotate')}: ${client.name}`}
                            onClick={() =>
                              setConfirm({
                                title: t('confirm.rotateClient.title', { name: client.name }),
                                body: t('confirm.rotateClient.body'),
                                confirmLabel: t('oidc.rotate'),
                                onConfirm: () =>
                                  void run(async () => {
                                    const rotated = await api.rotateOidcClientSecret(client.id);
                                    setSecret({
                                      text: t('oidc.secretOnce', { id: client.id }),
                                      value: rotated.clientSecret,
                                    });
                                  }),
                              })
                            }
                          >
                            {t('oidc.rotate')}
                          </button>
                        )}{' '}
                      {client.status !== 'revoked' && (
                        <button
                          type="button"
                          className="button small danger"
                          aria-label={`${t('oidc.revoke')}: ${client.name}`}
                          onClick={() =>
                            setConfirm({
                              title: t('confirm.revokeClient.title', { name: client.name }),
                              body: t('confirm.revokeClient.body'),
                              confirmLabel: t('oidc.revoke'),
                              onConfirm: () =>
                                void run(async () => {
                                  await api.revokeOidcClient(client.id);
                                }),
                            })
                          }
                        >
                          {t('oidc.revoke')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayWrite && (
        <form onSubmit={create} aria-labelledby="oidc-create-heading">
          <h3 id="oidc-create-heading" className="or-heading">
            {t('oidc.create')}
          </h3>
          <label className="field">
            <span>{t('oidc.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
          </label>
          <label className="field">
            <span>{t('oidc.method')}</span>
            <select
              value={method}
              onChange={(e) => setMethod(e.target.value as OidcClient['tokenEndpointAuthMethod'])}
            >
              <option value="client_secret_basic">{t('oidc.method.client_secret_basic')}</option>
              <option value="private_key_jwt">{t('oidc.method.private_key_jwt')}</option>
            </select>
          </label>
          {method === 'private_key_jwt' && (
            <label className="field">
              <span>{t('oidc.jwks')}</span>
              <textarea
                className="mono"
                rows={5}
                value={jwks}
                onChange={(e) => setJwks(e.target.value)}
                required
              />
            </label>
          )}
          <label className="field">
            <span>{t('oidc.mode')}</span>
            <select value={mode} onChange={(e) => setMode(e.target.value as OidcClient['deliveryMode'])}>
              <option value="poll">{t('oidc.mode.poll')}</option>
              <option value="ping">{t('oidc.mode.ping')}</option>
            </select>
          </label>
          {mode === 'ping' && (
            <label className="field">
              <span>{t('oidc.endpoint')}</span>
              <input type="url" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} required />
            </label>
          )}
          <button type="submit" className="button primary">
            {t('oidc.create')}
          </button>
        </form>
      )}
    </section>
  );
}
