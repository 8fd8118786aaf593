/**
 * The tenant's own texts for customers (docs/configuration.md, "Customer messages"), on the
 * Settings page: per language, each message with its placeholders and the built-in text as the
 * field's placeholder, so an empty field visibly means "the built-in text". Saving sends the whole
 * set, which replaces the previous one (`PATCH /v1/tenant`, `messageTemplates`); the server's
 * refusals are shown as it words them.
 */
import {
  activationMessage,
  type CustomerMessageKind,
  customerMessageKinds,
  customerMessagePlaceholders,
  customerMessageTemplate,
  customerNotificationText,
  notificationTime,
} from '@helpdesk-auth/core';
import { type FormEvent, useEffect, useState } from 'react';
import { type ConsoleApi, isApiError } from '../api/client.ts';
import type { Tenant } from '../api/types.ts';
import { useErrorText } from '../components/common.tsx';
import { useI18n } from '../i18n/i18n.tsx';

type Templates = Tenant['messageTemplates'];

/** The languages offered: those with built-in texts, and `default` for every other one. */
const languages = ['de', 'en', 'fr', 'es', 'nl', 'default'] as const;
type Language = (typeof languages)[number];

const notices = {
  noticeVerified: 'verified',
  noticeFraudReported: 'fraud_reported',
  noticeDeviceEnrolled: 'device_enrolled',
} as const;

/** The built-in text of a message in a language (English for `default`), placeholders unfilled. */
function builtInText(kind: CustomerMessageKind, language: string): string {
  const locale = language === 'default' ? 'en' : language;
  if (kind === 'activationLink')
    return activationMessage({ tenantName: '{tenant}', link: '{link}', locale }).text;
  if (kind in notices) {
    const event = notices[kind as keyof typeof notices];
    return customerNotificationText(event, { tenantName: '{tenant}', at: 0, locale }).replace(
      notificationTime(0, locale),
      '{time}',
    );
  }
  return customerMessageTemplate(kind as 'code', locale, undefined);
}

/** What is sent: empty fields left out (they mean the built-in text). */
function cleaned(draft: Templates): Templates {
  return Object.fromEntries(
    Object.entries(draft).map(([language, texts]) => [
      language,
      Object.fromEntries(Object.entries(texts).filter(([, text]) => text.trim() !== '')),
    ]),
  );
}

export function MessageTemplates({ api }: { api: ConsoleApi }) {
  const { t } = useI18n();
  const generic = useErrorText();
  const [draft, setDraft] = useState<Templates | null>(null);
  const [selected, setSelected] = useState<string>('');
  const [adding, setAdding] = useState<string>('');
  // Kept as what to say, not the words, so it follows a change of the console's language.
  const [message, setMessage] = useState<
    { kind: 'ok'; removed?: string } | { kind: 'error'; refused?: string; error: unknown } | null
  >(null);

  const apply = (templates: Templates) => {
    setDraft(templates);
    setSelected((current) => (current in templates ? current : (Object.keys(templates)[0] ?? '')));
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: apply only sets state
  useEffect(() => {
    api.tenant().then(
      (tenant) => apply(tenant.messageTemplates ?? {}),
      (error) => setMessage({ kind: 'error', error }),
    );
  }, [api]);

  const languageName = (language: string) =>
    (languages as readonly string[]).includes(language)
      ? t(`templates.lang.${language as Language}`)
      : language;
  const messageText = (m: NonNullable<typeof message>) => {
    if (m.kind === 'ok')
      return m.removed ? t('templates.removed', { language: languageName(m.removed) }) : t('templates.saved');
    return m.refused === undefined ? generic(m.error) : t('templates.refused', { message: m.refused });
  };

  if (!draft) return message ? <p className="notice error">{messageText(message)}</p> : null;

  const present = Object.keys(draft);
  const addable = languages.filter((l) => !present.includes(l));
  const addChoice = addable.includes(adding as Language) ? adding : (addable[0] ?? '');

  const setText = (kind: CustomerMessageKind, text: string) =>
    setDraft((current) => ({ ...current, [selected]: { ...current?.[selected], [kind]: text } }));

  const add = () => {
    if (!addChoice) return;
    setDraft((current) => ({ ...current, [addChoice]: {} }));
    setSelected(addChoice);
    setMessage(null);
  };

  const remove = () => {
    const { [selected]: _removed, ...rest } = draft;
    setDraft(rest);
    setSelected(Object.keys(rest)[0] ?? '');
    setMessage({ kind: 'ok', removed: selected });
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    try {
      const tenant = await api.updateTenant({ messageTemplates: cleaned(draft) });
      apply(tenant.messageTemplates);
      setMessage({ kind: 'ok' });
    } catch (err) {
      setMessage({
        kind: 'error',
        error: err,
        ...(isApiError(err, 'VALIDATION_FAILED') ? { refused: err.message } : {}),
      });
    }
  };

  const placeholderList = (kind: CustomerMessageKind) => {
    const rule = customerMessagePlaceholders[kind];
    if (rule.allowed.length === 0) return t('templates.noPlaceholders');
    const list = rule.allowed
      .map((name) =>
        rule.required.includes(name) ? t('templates.required', { name: `{${name}}` }) : `{${name}}`,
      )
      .join(', ');
    return t('templates.placeholders', { list });
  };

  return (
    <section className="card settings" aria-labelledby="templates-heading" data-testid="message-templates">
      <h2 id="templates-heading">{t('templates.title')}</h2>
      <p>{t('templates.intro')}</p>
      {present.length > 0 && (
        <div className="filters">
          <label className="field">
            <span>{t('templates.language')}</span>
            <select value={selected} onChange={(e) => setSelected(e.target.value)}>
              {present.map((language) => (
                <option key={language} value={language}>
                  {languageName(language)}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {addable.length > 0 && (
        <div className="filters">
          <label className="field">
            <span>{t('templates.add')}</span>
            <select value={addChoice} onChange={(e) => setAdding(e.target.value)}>
              {addable.map((language) => (
                <option key={language} value={language}>
                  {languageName(language)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button" onClick={add}>
            {t('templates.addButton')}
          </button>
        </div>
      )}
      <form onSubmit={save}>
        {present.length === 0 && <p className="muted">{t('templates.none')}</p>}
        {selected && draft[selected] && (
          <fieldset>
            <legend>{languageName(selected)}</legend>
            {customerMessageKinds.map((kind) => (
              <div key={kind}>
                <label className="field">
                  <span>{t(`templates.kind.${kind}`)}</span>
                  <textarea
                    rows={kind === 'pushReason' || kind === 'signInReason' ? 2 : 5}
                    value={draft[selected]?.[kind] ?? ''}
                    placeholder={builtInText(kind, selected)}
                    onChange={(e) => setText(kind, e.target.value)}
                    aria-describedby={`template-${kind}-hint`}
                  />
                </label>
                <p id={`template-${kind}-hint`} className="field-hint muted small">
                  {placeholderList(kind)}
                </p>
              </div>
            ))}
            <button type="button" className="button" onClick={remove}>
              {t('templates.remove', { language: languageName(selected) })}
            </button>
          </fieldset>
        )}
        {message && (
          <p
            className={message.kind === 'ok' ? 'notice info' : 'notice error'}
            role={message.kind === 'ok' ? 'status' : 'alert'}
          >
            {messageText(message)}
          </p>
        )}
        <button type="submit" className="button primary">
          {t('templates.save')}
        </button>
      </form>
    </section>
  );
}
