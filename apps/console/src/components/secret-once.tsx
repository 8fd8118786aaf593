/**
 * A secret the server shows only once (an API key, a webhook signing secret, a generated
 * password): the value, a button that copies it, and a confirmation of the copy in a live
 * region, so screen readers announce it as well.
 */
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

export function CopyButton({ value, what }: { value: string; what: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
    // The confirmation stays long enough to be read, then makes room for the next copy.
    timer.current = setTimeout(() => setState('idle'), 6000);
  };

  return (
    <span className="copy">
      <button
        type="button"
        className="button small"
        aria-label={t('secret.copyLabel', { what })}
        onClick={() => void copy()}
      >
        {t('secret.copy')}
      </button>
      <span role="status" className={state === 'failed' ? 'copy-state failed' : 'copy-state'}>
        {state === 'copied' ? `✓ ${t('secret.copied')}` : state === 'failed' ? t('secret.copyFailed') : ''}
      </span>
    </span>
  );
}

export function SecretOnce({
  text,
  secret,
  what,
  testId,
  onClose,
}: {
  text: string;
  secret: string;
  /** What the secret is, for the copy button's name ("Copy API key"). */
  what: string;
  testId: string;
  onClose?: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="notice warning secret-once">
      <p>{text}</p>
      <p className="mono secret" data-testid={testId}>
        {secret}
      </p>
      <div className="actions">
        <CopyButton value={secret} what={what} />
        {onClose && (
          <button type="button" className="button small" onClick={onClose}>
            {t('app.close')}
          </button>
        )}
      </div>
    </div>
  );
}
