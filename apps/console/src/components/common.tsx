import { useEffect, useRef } from 'react';
import { isApiError } from '../api/client.ts';
import type { Language } from '../i18n/i18n.tsx';
import { languages, useI18n } from '../i18n/i18n.tsx';
import { refusalText } from './refusals.ts';

/** A readable message for an API error; screens with their own wording check `code` first. */
export function useErrorText() {
  const { t } = useI18n();
  return (error: unknown): string => {
    if (!isApiError(error)) return t('app.error.generic', { code: 'INTERNAL' });
    switch (error.code) {
      case 'NETWORK':
      case 'UNAUTHENTICATED':
      case 'FORBIDDEN':
      case 'NOT_FOUND':
      case 'VALIDATION_FAILED':
        return t(`app.error.${error.code}`);
      default:
        return refusalText(t, error.code, error.details) ?? t('app.error.generic', { code: error.code });
    }
  };
}

export function ErrorNotice({ error }: { error: unknown }) {
  const text = useErrorText();
  if (!error) return null;
  return (
    <p className="notice error" role="alert">
      {text(error)}
    </p>
  );
}

const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch' };

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className="language">
      <span className="visually-hidden">{t('app.language')}</span>
      <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {languages.map((lang) => (
          <option key={lang} value={lang} lang={lang}>
            {languageNames[lang]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The page's main heading, focused when the screen opens so screen readers announce it. */
export function PageHeading({ children, focus = true }: { children: React.ReactNode; focus?: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const known = [
    'pending',
    'approved',
    'denied',
    'fraud_reported',
    'expired',
    'cancelled',
    'failed',
  ] as const;
  const label = (known as readonly string[]).includes(status)
    ? t(`status.${status as (typeof known)[number]}`)
    : status;
  return <span className={`badge status-${status}`}>{label}</span>;
}
