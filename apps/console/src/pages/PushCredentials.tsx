// The settings section for the tenant's own FCM service account and APNs key: what is set, replace, remove.
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { PushCredentials as Credentials } from '../api/types.ts';
import { useErrorText } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';

type Message = { kind: 'ok' | 'error'; text: string } | null;

/** Reads a chosen file as text (the key file or the .p8), so it can be pasted or picked. */
async function readFile(input: HTMLInputElement): Promise<string | null> {
  const file = input.files?.[0];
  return file ? file.text() : null;
}

export function PushCredentials({ api, mayWrite }: { api: ConsoleApi; mayWrite: boolean }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const [credentials, setCredentials] = useState<Credentials | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [fcmMessage, setFcmMessage] = useState<Message>(null);
  const [apnsMessage, setApnsMessage] = useState<Message>(null);
  const [serviceAccount, setServiceAccount] = useState('');
  const [apns, setApns] = useState({
    teamId: '',
    keyId: '',
    bundleId: '',
    privateKey: '',
    environment: 'production' as 'production' | 'sandbox',
  });

  const load = useCallback(() => {
    api.pushCredentials().then(setCredentials, (e) => setLoadError(errorText(e)));
  }, [api, errorText]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once
  useEffect(load, []);

  /** The server's message names the field that is wrong and never a key, so its reason is shown. */
  const failure = (err: unknown): string =>
    isApiError(err, 'PUSH_CREDENTIALS_INVALID')
      ? t('push.error.invalid', {
          message: err.message.replace(/^The push credentials cannot be used: /, '').replace(/\.$/, ''),
        })
      : errorText(err);

  const saveFcm = async (event: FormEvent) => {
    event.preventDefault();
    setFcmMessage(null);
    try {
      await api.setFcmCredentials(serviceAccount);
      setServiceAccount('');
      setFcmMessage({ kind: 'ok', text: t('app.saved') });
      load();
    } catch (err) {
      setFcmMessage({ kind: 'error', text: failure(err) });
    }
  };

  const saveApns = async (event: FormEvent) => {
    event.preventDefault();
    setApnsMessage(null);
    try {
      await api.setApnsCredentials({
        ...apns,
        teamId: apns.teamId.trim(),
        keyId: apns.keyId.trim(),
        bundleId: apns.bundleId.trim(),
      });
      setApns((current) => ({ ...current, privateKey: '' }));
      setApnsMessage({ kind: 'ok', text: t('app.saved') });
      load();
    } catch (err) {
      setApnsMessage({ kind: 'error', text: failure(err) });
    }
  };

  const remove = async (kind: 'fcm' | 'apns') => {
    const set = kind === 'fcm' ? setFcmMessage : setApnsMessage;
    set(null);
    try {
      await api.removePushCredentials(kind);
      set({ kind: 'ok', text: t('push.removed') });
      load();
    } catch (err) {
      set({ kind: 'error', text: errorText(err) });
    }
  };

  const notice = (message: Message) =>
    message && (
      <p
        className={message.kind === 'ok' ? 'notice info' : 'notice error'}
        role={message.kind === 'ok' ? 'status' : 'alert'}
      >
        {message.text}
      </p>
    );

  return (
    <section
      className="card push-credentials"
      aria-labelledby={`${ids}-heading`}
      data-testid="push-credentials"
    >
      <h2 id={`${ids}-heading`}>{t('push.title')}</h2>
      <p className="muted">{t('push.intro')}</p>
      {loadError && (
        <p className="notice error" role="alert">
          {loadError}
        </p>
      )}

      <h3 id={`${ids}-fcm`}>{t('push.fcm.title')}</h3>
      {credentials?.fcm ? (
        <dl className="credential-summary" aria-labelledby={`${ids}-fcm`} data-testid="fcm-summary">
          <dt>{t('push.fcm.project')}</dt>
          <dd className="mono">{credentials.fcm.projectId}</dd>
          <dt>{t('push.fcm.account')}</dt>
          <dd className="mono">{credentials.fcm.clientEmail}</dd>
          <dt>{t('push.keyId')}</dt>
          <dd className="mono">{credentials.fcm.privateKeyId}</dd>
          <dt>{t('push.updated')}</dt>
          <dd>{formatDateTime(credentials.fcm.updatedAt)}</dd>
        </dl>
      ) : (
        credentials && <p className="muted">{t('push.notSet')}</p>
      )}
      {notice(fcmMessage)}
      {mayWrite && (
        <form onSubmit={(e) => void saveFcm(e)} aria-labelledby={`${ids}-fcm`}>
          <label className="field">
            <span>{t('push.fcm.file')}</span>
            <input
              type="file"
              accept="application/json,.json"
              onChange={(e) =>
                void readFile(e.target).then((text) => text !== null && setServiceAccount(text))
              }
            />
          </label>
          <label className="field">
            <span>{t('push.fcm.json')}</span>
            <textarea
              className="mono"
              rows={4}
              value={serviceAccount}
              onChange={(e) => setServiceAccount(e.target.value)}
              required
              maxLength={16_384}
              spellCheck={false}
              autoComplete="off"
            />
          </label>
          <div className="actions">
            <button type="submit" className="button primary">
              {credentials?.fcm ? t('push.fcm.replace') : t('push.fcm.save')}
            </button>
            {credentials?.fcm && (
              <button type="button" className="button danger" onClick={() => void remove('fcm')}>
                {t('push.fcm.remove')}
              </button>
            )}
          </div>
        </form>
      )}

      <h3 id={`${ids}-apns`}>{t('push.apns.title')}</h3>
      {credentials?.apns ? (
        <dl className="credential-summary" aria-labelledby={`${ids}-apns`} data-testid="apns-summary">
          <dt>{t('push.apns.team')}</dt>
          <dd className="mono">{credentials.apns.teamId}</dd>
          <dt>{t('push.keyId')}</dt>
          <dd className="mono">{credentials.apns.keyId}</dd>
          <dt>{t('push.apns.bundle')}</dt>
          <dd className="mono">{credentials.apns.bundleId}</dd>
          <dt>{t('push.apns.environment')}</dt>
          <dd>{t(`push.apns.${credentials.apns.environment}`)}</dd>
          <dt>{t('push.updated')}</dt>
          <dd>{formatDateTime(credentials.apns.updatedAt)}</dd>
        </dl>
      ) : (
        credentials && <p className="muted">{t('push.notSet')}</p>
      )}
      {notice(apnsMessage)}
      {mayWrite && (
        <form onSubmit={(e) => void saveApns(e)} aria-labelledby={`${ids}-apns`}>
          <div className="field-row">
            <label className="field">
              <span>{t('push.apns.team')}</span>
              <input
                className="mono"
                value={apns.teamId}
                onChange={(e) => setApns({ ...apns, teamId: e.target.value })}
                required
                pattern="[A-Z0-9]{10}"
                maxLength={10}
                autoComplete="off"
              />
            </label>
            <label className="field">
              <span>{t('push.keyId')}</span>
              <input
                className="mono"
                value={apns.keyId}
                onChange={(e) => setApns({ ...apns, keyId: e.target.value })}
                required
                pattern="[A-Z0-9]{10}"
                maxLength={10}
                autoComplete="off"
              />
            </label>
          </div>
          <label className="field">
            <span>{t('push.apns.bundle')}</span>
            <input
              className="mono"
              value={apns.bundleId}
              onChange={(e) => setApns({ ...apns, bundleId: e.target.value })}
              required
              maxLength={155}
              placeholder="com.example.bank"
              autoComplete="off"
            />
          </label>
          <label className="field">
            <span>{t('push.apns.environment')}</span>
            <select
              value={apns.environment}
              onChange={(e) => setApns({ ...apns, environment: e.target.value as 'production' | 'sandbox' })}
            >
              <option value="production">{t('push.apns.production')}</option>
              <option value="sandbox">{t('push.apns.sandbox')}</option>
            </select>
          </label>
          <label className="field">
            <span>{t('push.apns.file')}</span>
            <input
              type="file"
              accept=".p8"
              onChange={(e) =>
                void readFile(e.target).then(
                  (text) => text !== null && setApns((c) => ({ ...c, privateKey: text })),
                )
              }
            />
          </label>
          <label className="field">
            <span>{t('push.apns.key')}</span>
            <textarea
              className="mono"
              rows={4}
              value={apns.privateKey}
              onChange={(e) => setApns({ ...apns, privateKey: e.target.value })}
              required
              maxLength={4096}
              spellCheck={false}
              autoComplete="off"
            />
          </label>
          <div className="actions">
            <button type="submit" className="button primary">
              {credentials?.apns ? t('push.apns.replace') : t('push.apns.save')}
            </button>
            {credentials?.apns && (
              <button type="button" className="button danger" onClick={() => void remove('apns')}>
                {t('push.apns.remove')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
