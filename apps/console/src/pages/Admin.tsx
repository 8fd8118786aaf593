import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type {
  ApiKey,
  Operator,
  Permission,
  Role,
  Session,
  Tenant,
  VerificationSettings,
} from '../api/types.ts';
import { ErrorNotice, PageHeading, useErrorText } from '../components/common.tsx';
import { ConfirmDialog, type ConfirmRequest } from '../components/confirm-dialog.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { KeycloakChannel } from './KeycloakChannel.tsx';
import { MessageTemplates } from './MessageTemplates.tsx';
import { OidcClients } from './OidcClients.tsx';
import { PushCredentials } from './PushCredentials.tsx';
import { ScimTokens } from './ScimTokens.tsx';
import { SsoSettings } from './SsoSettings.tsx';

type AdminPage = 'operators' | 'apiKeys' | 'settings';

export function Admin({ api, session, page }: { api: ConsoleApi; session: Session; page: AdminPage }) {
  if (page === 'operators') return <Operators api={api} session={session} />;
  if (page === 'apiKeys') return <ApiKeys api={api} session={session} />;
  return <Settings api={api} session={session} />;
}

const roles: Role[] = ['agent', 'supervisor', 'admin', 'auditor'];

/** Admin answers whose codes have their own wording; anything else gets the generic text. */
function useAdminError() {
  const { t } = useI18n();
  const generic = useErrorText();
  return (error: unknown): string => {
    if (isApiError(error, 'EMAIL_TAKEN', 'LAST_ADMIN', 'CONFLICT'))
      return t(`operators.error.${error.code as 'EMAIL_TAKEN' | 'LAST_ADMIN' | 'CONFLICT'}`);
    return generic(error);
  };
}

function Operators({ api, session }: { api: ConsoleApi; session: Session }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useAdminError();
  const [operators, setOperators] = useState<Operator[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const mayWrite = session.permissions.includes('operators:write');

  const load = useCallback(() => {
    api.operators().then(
      (r) => setOperators(r.items),
      (e) => setError(errorText(e)),
    );
  }, [api, errorText]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once
  useEffect(load, []);

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const invite = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const result = await api.inviteOperator({ email: email.trim(), displayName: displayName.trim(), role });
      setCreated(result.initialPassword ?? null);
      setEmail('');
      setDisplayName('');
    });
  };

  return (
    <div>
      <PageHeading>{t('operators.title')}</PageHeading>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <SecretOnce
          text={t('operators.createdOnce')}
          secret={created}
          what={t('secret.password')}
          testId="operator-created"
          onClose={() => setCreated(null)}
        />
      )}
      {notice && (
        <p className="notice ok" role="status">
          {notice}
        </p>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('operators.name')}</th>
              <th scope="col">{t('operators.email')}</th>
              <th scope="col">{t('operators.role')}</th>
              <th scope="col">{t('op.team')}</th>
              <th scope="col">{t('operators.status')}</th>
              <th scope="col">{t('operators.lastSignIn')}</th>
              {mayWrite && <th scope="col">{t('operators.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {operators.map((op) => (
              <tr key={op.id}>
                <td>{op.displayName}</td>
                <td>{op.email}</td>
                <td>
                  {mayWrite ? (
                    <select
                      aria-label={`${t('operators.role')}: ${op.displayName}`}
                      value={op.role}
                      onChange={(e) =>
                        void run(() => api.updateOperator(op.id, { role: e.target.value as Role }))
                      }
                    >
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    t(`role.${op.role}`)
                  )}
                </td>
                <td>
                  {mayWrite ? (
                    <input
                      className="team-input"
                      aria-label={t('op.teamOf', { name: op.displayName })}
                      defaultValue={op.team ?? ''}
                      maxLength={100}
                      onBlur={(e) => {
                        const team = e.target.value.trim() || null;
                        if (team !== (op.team ?? null)) void run(() => api.updateOperator(op.id, { team }));
                      }}
                    />
                  ) : (
                    (op.team ?? '–')
                  )}
                </td>
                <td>{op.status === 'active' ? t('operators.active') : t('operators.disabled')}</td>
                <td>{op.lastSignInAt ? formatDateTime(op.lastSignInAt) : '–'}</td>
                {mayWrite && (
                  <td>
                    <button
                      type="button"
                      className="button small"
                      aria-label={`${op.status === 'active' ? t('operators.disable') : t('operators.enable')}: ${op.displayName}`}
                      onClick={() =>
                        op.status === 'active'
                          ? // Disabling signs the operator out at once: asked first.
                            setConfirm({
                              title: t('confirm.disableOperator.title', { name: op.displayName }),
                              body: t('confirm.disableOperator.body', { name: op.displayName }),
                              confirmLabel: t('confirm.disableOperator.confirm'),
                              onConfirm: () =>
                                void run(() => api.updateOperator(op.id, { status: 'disabled' })),
                            })
                          : void run(() => api.updateOperator(op.id, { status: 'active' }))
                      }
                    >
                      {op.status === 'active' ? t('operators.disable') : t('operators.enable')}
                    </button>{' '}
                    <button
                      type="button"
                      className="button small"
                      aria-label={`${t('mfa.reset')}: ${op.displayName}`}
                      onClick={() =>
                        setConfirm({
                          title: t('confirm.resetFactor.title', { name: op.displayName }),
                          body: t('confirm.resetFactor.body'),
                          confirmLabel: t('confirm.resetFactor.confirm'),
                          onConfirm: () =>
                            void run(async () => {
                              setNotice(null);
                              await api.resetSecondFactor(op.id);
                              setNotice(t('operators.factorReset', { name: op.displayName }));
                            }),
                        })
                      }
                    >
                      {t('mfa.reset')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {mayWrite && (
        <form className="card filters" onSubmit={invite} aria-labelledby="invite-heading">
          <h2 id="invite-heading" className="full">
            {t('operators.invite')}
          </h2>
          <label className="field">
            <span>{t('operators.name')}</span>
            <input
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              required
              maxLength={200}
            />
          </label>
          <label className="field">
            <span>{t('operators.email')}</span>
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </label>
          <label className="field">
            <span>{t('operators.role')}</span>
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button primary">
            {t('operators.invite')}
          </button>
        </form>
      )}
    </div>
  );
}

function ApiKeys({ api, session }: { api: ConsoleApi; session: Session }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Permission[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const mayWrite = session.permissions.includes('api-keys:write');

  const load = useCallback(() => {
    api.apiKeys().then(
      (r) => setKeys(r.items),
      (e) => setError(errorText(e)),
    );
  }, [api, errorText]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once
  useEffect(load, []);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await api.createApiKey(name.trim(), scopes);
      setSecret(result.key);
      setName('');
      setScopes([]);
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const revoke = async (id: string) => {
    try {
      await api.revokeApiKey(id);
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div>
      <PageHeading>{t('apiKeys.title')}</PageHeading>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <SecretOnce
          text={t('apiKeys.showOnce')}
          secret={secret}
          what={t('secret.apiKey')}
          testId="api-key-secret"
          onClose={() => setSecret(null)}
        />
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('apiKeys.name')}</th>
              <th scope="col">{t('apiKeys.scopes')}</th>
              <th scope="col">{t('apiKeys.created')}</th>
              <th scope="col">{t('apiKeys.lastUsed')}</th>
              <th scope="col">{t('apiKeys.status')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td className="small">{key.scopes.join(', ')}</td>
                <td>{formatDateTime(key.createdAt)}</td>
                <td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : '–'}</td>
                <td>
                  {key.revokedAt ? (
                    t('apiKeys.revoked')
                  ) : mayWrite ? (
                    <button
                      type="button"
                      className="button small danger"
                      aria-label={`${t('apiKeys.revoke')}: ${key.name}`}
                      onClick={() =>
                        setConfirm({
                          title: t('confirm.revokeKey.title', { name: key.name }),
                          body: t('confirm.revokeKey.body'),
                          confirmLabel: t('confirm.revokeKey.confirm'),
                          onConfirm: () => void revoke(key.id),
                        })
                      }
                    >
                      {t('apiKeys.revoke')}
                    </button>
                  ) : (
                    t('operators.active')
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {mayWrite && (
        <form className="card" onSubmit={create} aria-labelledby="create-key-heading">
          <h2 id="create-key-heading">{t('apiKeys.create')}</h2>
          <label className="field">
            <span>{t('apiKeys.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          </label>
          <fieldset>
            <legend>{t('apiKeys.scopes')}</legend>
            <div className="scopes">
              {session.permissions.map((scope) => (
                <label key={scope} className="radio">
                  <input
                    type="checkbox"
                    checked={scopes.includes(scope)}
                    onChange={(e) =>
                      setScopes((current) =>
                        e.target.checked ? [...current, scope] : current.filter((s) => s !== scope),
                      )
                    }
                  />
                  <span className="mono">{scope}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" className="button primary">
            {t('apiKeys.create')}
          </button>
        </form>
      )}
      {mayWrite && <ScimTokens api={api} onCreated={load} />}
      {session.permissions.includes('oidc-clients:read') && (
        <OidcClients api={api} mayWrite={session.permissions.includes('oidc-clients:write')} />
      )}
      {session.permissions.includes('oidc-clients:read') && (
        <KeycloakChannel api={api} mayWrite={session.permissions.includes('oidc-clients:write')} />
      )}
    </div>
  );
}

const settingFields: { key: keyof VerificationSettings; label: MessageKey }[] = [
  { key: 'codeLength', label: 'settings.codeLength' },
  { key: 'expirySeconds', label: 'settings.expirySeconds' },
  { key: 'maxCodeAttempts', label: 'settings.maxCodeAttempts' },
  { key: 'pushRequestsPerWindow', label: 'settings.pushRequestsPerWindow' },
  { key: 'pushWindowSeconds', label: 'settings.pushWindowSeconds' },
];

function Settings({ api, session }: { api: ConsoleApi; session: Session }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [tenant, setTenant] = useState<Tenant | null>(null);
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [secondFactor, setSecondFactor] = useState<Tenant['operatorSecondFactor']>('optional');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);

  const apply = (next: Tenant) => {
    setTenant(next);
    setName(next.name);
    setSecondFactor(next.operatorSecondFactor);
    setValues(Object.fromEntries(settingFields.map((f) => [f.key, String(next.verification[f.key])])));
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: apply only sets state
  useEffect(() => {
    api.tenant().then(apply, setLoadError);
  }, [api]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    try {
      const verification = Object.fromEntries(settingFields.map((f) => [f.key, Number(values[f.key])]));
      apply(await api.updateTenant({ name: name.trim(), verification, operatorSecondFactor: secondFactor }));
      setMessage({ kind: 'ok', text: t('app.saved') });
    } catch (err) {
      setMessage({
        kind: 'error',
        text: isApiError(err, 'VALIDATION_FAILED')
          ? t('settings.error.VALIDATION_FAILED', { message: err.message })
          : errorText(err),
      });
    }
  };

  if (loadError) return <ErrorNotice error={loadError} />;
  if (!tenant) return <p className="muted">{t('app.loading')}</p>;
  return (
    <div>
      <PageHeading>{t('settings.title')}</PageHeading>
      <form className="card settings" onSubmit={save}>
        <label className="field">
          <span>{t('settings.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        {settingFields.map((field) => (
          <label key={field.key} className="field">
            <span>{t(field.label)}</span>
            <input
              type="number"
              inputMode="numeric"
              value={values[field.key] ?? ''}
              onChange={(e) => setValues((current) => ({ ...current, [field.key]: e.target.value }))}
              required
            />
          </label>
        ))}
        <label className="field">
          <span>{t('settings.secondFactor')}</span>
          <select
            value={secondFactor}
            onChange={(e) => setSecondFactor(e.target.value as Tenant['operatorSecondFactor'])}
          >
            <option value="optional">{t('settings.secondFactor.optional')}</option>
            <option value="required">{t('settings.secondFactor.required')}</option>
          </select>
        </label>
        {message && (
          <p
            className={message.kind === 'ok' ? 'notice info' : 'notice error'}
            role={message.kind === 'ok' ? 'status' : 'alert'}
          >
            {message.text}
          </p>
        )}
        <button type="submit" className="button primary">
          {t('app.save')}
        </button>
      </form>
      <PushCredentials api={api} mayWrite={session.permissions.includes('tenant:write')} />
      {session.permissions.includes('tenant:write') && <MessageTemplates api={api} />}
      {session.permissions.includes('tenant:write') && <SsoSettings api={api} />}
    </div>
  );
}
