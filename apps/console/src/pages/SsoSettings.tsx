/**
 * Operator single sign-on with OpenID Connect (docs/integrations/operator-sso.md), on the
 * Settings page: the provider, the client (its secret write-only: stored sealed, never shown), how
 * the provider's groups become roles, which e-mail domains may sign in, and the redirect URI to
 * register at the provider (with a copy button). The server's refusals are shown as it words them.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { Role, SsoConfig } from '../api/types.ts';
import { useErrorText } from '../components/common.tsx';
import { CopyButton } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n.tsx';

const roles: Role[] = ['agent', 'supervisor', 'admin', 'auditor'];

/** "value = role" lines, as the admin types them, to the API's mappings; null when one is wrong. */
function parseMappings(text: string): { value: string; role: Role }[] | null {
  const mappings: { value: string; role: Role }[] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.lastIndexOf('=');
    const value = line.slice(0, at).trim();
    const role = line.slice(at + 1).trim() as Role;
    if (at <= 0 || !value || !roles.includes(role)) return null;
    mappings.push({ value, role });
  }
  return mappings;
}

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

export function SsoSettings({ api }: { api: ConsoleApi }) {
  const { t } = useI18n();
  const generic = useErrorText();
  const [config, setConfig] = useState<SsoConfig | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [enabled, setEnabled] = useState(true);
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState('openid email profile');
  const [roleClaim, setRoleClaim] = useState('groups');
  const [mappings, setMappings] = useState('');
  const [domains, setDomains] = useState('');
  const [jit, setJit] = useState(false);
  const [defaultRole, setDefaultRole] = useState<Role | ''>('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const apply = (next: SsoConfig) => {
    setConfig(next);
    setEnabled(next.enabled);
    setIssuer(next.issuer);
    setClientId(next.clientId);
    setClientSecret('');
    setScopes(next.scopes.join(' '));
    setRoleClaim(next.roleClaim);
    setMappings(next.roleMappings.map((m) => `${m.value} = ${m.role}`).join('\n'));
    setDomains(next.allowedDomains.join(' '));
    setJit(next.jitProvisioning);
    setDefaultRole(next.defaultRole ?? '');
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: apply only sets state
  useEffect(() => {
    api.ssoConfig().then(
      (c) => {
        apply(c);
        setLoaded(true);
      },
      // Not configured yet: the empty form sets it up.
      () => setLoaded(true),
    );
  }, [api]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const roleMappings = parseMappings(mappings);
    if (!roleMappings) {
      setMessage({ kind: 'error', text: t('sso.error.mappings') });
      return;
    }
    try {
      apply(
        await api.updateSsoConfig({
          enabled,
          issuer: issuer.trim(),
          clientId: clientId.trim(),
          ...(clientSecret ? { clientSecret } : {}),
          scopes: words(scopes),
          roleClaim: roleClaim.trim(),
          roleMappings,
          allowedDomains: words(domains),
          jitProvisioning: jit,
          defaultRole: defaultRole || null,
        }),
      );
      setMessage({ kind: 'ok', text: t('app.saved') });
    } catch (err) {
      setMessage({
        kind: 'error',
        text: isApiError(err, 'VALIDATION_FAILED', 'SSO_PROVIDER_INVALID', 'CONFLICT')
          ? t('sso.error.refused', { message: err.message })
          : generic(err),
      });
    }
  };

  if (!loaded) return null;
  return (
    <section className="card settings" aria-labelledby="sso-heading">
      <h2 id="sso-heading">{t('sso.title')}</h2>
      <p>{t('sso.intro')}</p>
      {config && (
        <p>
          {t('sso.redirectUri')} <span className="mono">{config.redirectUri}</span>{' '}
          <CopyButton value={config.redirectUri} what={t('sso.redirectUriName')} />
        </p>
      )}
      <form onSubmit={save}>
        <label className="radio">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>{t('sso.enabled')}</span>
        </label>
        <label className="field">
          <span>{t('sso.issuer')}</span>
          <input
            type="url"
            value={issuer}
            onChange={(e) => setIssuer(e.target.value)}
            required
            maxLength={500}
          />
        </label>
        <label className="field">
          <span>{t('sso.clientId')}</span>
          <input value={clientId} onChange={(e) => setClientId(e.target.value)} required maxLength={300} />
        </label>
        <label className="field">
          <span>{config ? t('sso.clientSecretKeep') : t('sso.clientSecret')}</span>
          <input
            type="password"
            autoComplete="off"
            value={clientSecret}
            onChange={(e) => setClientSecret(e.target.value)}
            required={!config}
            maxLength={1000}
          />
        </label>
        <label className="field">
          <span>{t('sso.scopes')}</span>
          <input value={scopes} onChange={(e) => setScopes(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('sso.roleClaim')}</span>
          <input value={roleClaim} onChange={(e) => setRoleClaim(e.target.value)} maxLength={200} />
        </label>
        <label className="field">
          <span>{t('sso.mappings')}</span>
          <textarea
            className="mono"
            rows={4}
            value={mappings}
            onChange={(e) => setMappings(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('sso.domains')}</span>
          <input value={domains} onChange={(e) => setDomains(e.target.value)} />
        </label>
        <label className="radio">
          <input type="checkbox" checked={jit} onChange={(e) => setJit(e.target.checked)} />
          <span>{t('sso.jit')}</span>
        </label>
        <label className="field">
          <span>{t('sso.defaultRole')}</span>
          <select value={defaultRole} onChange={(e) => setDefaultRole(e.target.value as Role | '')}>
            <option value="">{t('sso.defaultRole.none')}</option>
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
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
          {t('sso.save')}
        </button>
      </form>
    </section>
  );
}
