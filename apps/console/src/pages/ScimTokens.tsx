/**
 * SCIM tokens: an API key with the `scim` scope alone, for an identity provider (Entra ID, Okta)
 * that provisions customers through /scim/v2 (docs/integrations/scim.md). Shown on the API keys
 * page, whose table lists the tokens with the other keys and revokes them after a confirmation.
 */
import { type FormEvent, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import { useErrorText } from '../components/common.tsx';
import { CopyButton, SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n.tsx';

export function ScimTokens({ api, onCreated }: { api: ConsoleApi; onCreated: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const baseUrl = `${window.location.origin}/scim/v2`;

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await api.createApiKey(name.trim(), ['scim']);
      setSecret(result.key);
      setName('');
      onCreated();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="card" aria-labelledby="scim-heading">
      <h2 id="scim-heading">{t('scim.title')}</h2>
      <p>{t('scim.intro')}</p>
      <p>
        {t('scim.baseUrl')} <span className="mono">{baseUrl}</span>{' '}
        <CopyButton value={baseUrl} what={t('scim.baseUrlName')} />
      </p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <SecretOnce
          text={t('scim.showOnce')}
          secret={secret}
          what={t('scim.tokenName')}
          testId="scim-token"
          onClose={() => setSecret(null)}
        />
      )}
      <form onSubmit={create}>
        <label className="field">
          <span>{t('scim.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <button type="submit" className="button primary">
          {t('scim.create')}
        </button>
      </form>
    </section>
  );
}
