/**
 * The texts a customer reads that carry a code or a request, in the customer's language: the
 * one-time code by SMS or e-mail (with or without the link of delivery `customer_link`) and the
 * reason a push request shows on the phone when the agent gave none. A tenant may replace each
 * with its own wording per language (tenant settings, `messageTemplates`); placeholders in braces
 * are filled in: `{tenant}`, `{code}`, `{minutes}`, `{link}`, `{requester}`. `signInReason` is the
 * reason of a sign-in request (CIBA, Keycloak) that came without a binding message.
 *
 * Which text a customer gets: the tenant's template for the customer's language (`de` for
 * `de-CH`), else the tenant's `default` template, else the built-in text in the customer's
 * language, else the built-in English.
 */
import { type NotificationLanguage, notificationLanguage } from './policy-notifications.ts';

export const customerMessageKinds = [
  'code',
  'codeLink',
  'pushReason',
  'signInReason',
  'activationLink',
  'noticeVerified',
  'noticeFraudReported',
  'noticeDeviceEnrolled',
] as const;
export type CustomerMessageKind = (typeof customerMessageKinds)[number];

/** The kinds whose built-in texts are here; activation links and notices have theirs beside them. */
type BuiltInKind = 'code' | 'codeLink' | 'pushReason' | 'signInReason';
type Placeholder = 'tenant' | 'code' | 'minutes' | 'link' | 'requester' | 'time';

/** A tenant's own texts: per language (`de`, `en`, ...) or `default`, per kind. */
export type MessageTemplates = Record<string, Partial<Record<CustomerMessageKind, string>>>;

const builtIn: Record<NotificationLanguage, Record<BuiltInKind, string>> = {
  en: {
    code: '{tenant}: your verification code is {code}. Read it to the agent on the phone. Valid {minutes} minutes. Never give it to anyone who calls you.',
    codeLink:
      '{tenant}: to confirm it is you on the phone with us, open {link} and enter {code}. Valid {minutes} minutes. If you are not on a call with us, ignore this message.',
    pushReason: 'Identity check for your call',
    signInReason: 'Sign-in requested by {requester}',
  },
  de: {
    code: '{tenant}: Ihr Bestätigungscode lautet {code}. Lesen Sie ihn der Mitarbeiterin oder dem Mitarbeiter am Telefon vor. Gültig {minutes} Minuten. Geben Sie ihn nie jemandem, der Sie anruft.',
    codeLink:
      '{tenant}: Um zu bestätigen, dass Sie mit uns telefonieren, öffnen Sie {link} und geben Sie {code} ein. Gültig {minutes} Minuten. Wenn Sie gerade nicht mit uns telefonieren, ignorieren Sie diese Nachricht.',
    pushReason: 'Identitätsprüfung für Ihren Anruf',
    signInReason: 'Anmeldung angefordert von {requester}',
  },
  fr: {
    code: "{tenant} : votre code de vérification est {code}. Lisez-le à la personne qui vous parle au téléphone. Valable {minutes} minutes. Ne le donnez jamais à quelqu'un qui vous appelle.",
    codeLink:
      "{tenant} : pour confirmer que c'est bien vous au téléphone, ouvrez {link} et saisissez {code}. Valable {minutes} minutes. Si vous n'êtes pas en ligne avec nous, ignorez ce message.",
    pushReason: "Vérification d'identité pour votre appel",
    signInReason: 'Connexion demandée par {requester}',
  },
  es: {
    code: '{tenant}: su código de verificación es {code}. Léaselo a la persona que le atiende por teléfono. Válido {minutes} minutos. Nunca se lo dé a nadie que le llame.',
    codeLink:
      '{tenant}: para confirmar que es usted quien habla con nosotros, abra {link} e introduzca {code}. Válido {minutes} minutos. Si no está hablando con nosotros, ignore este mensaje.',
    pushReason: 'Verificación de identidad para su llamada',
    signInReason: 'Inicio de sesión solicitado por {requester}',
  },
  nl: {
    code: '{tenant}: uw verificatiecode is {code}. Lees hem voor aan de medewerker aan de telefoon. Geldig {minutes} minuten. Geef hem nooit aan iemand die u belt.',
    codeLink:
      '{tenant}: om te bevestigen dat u het bent aan de telefoon, opent u {link} en voert u {code} in. Geldig {minutes} minuten. Belt u niet met ons, negeer dan dit bericht.',
    pushReason: 'Identiteitscontrole voor uw gesprek',
    signInReason: 'Aanmelding aangevraagd door {requester}',
  },
};

const codeSubjects: Record<NotificationLanguage, string> = {
  en: 'your verification code',
  de: 'Ihr Bestätigungscode',
  fr: 'votre code de vérification',
  es: 'su código de verificación',
  nl: 'uw verificatiecode',
};

/** The placeholders each kind must carry and may carry (also listed by the console's editor). */
export const customerMessagePlaceholders: Record<
  CustomerMessageKind,
  { required: string[]; allowed: string[] }
> = {
  code: { required: ['code'], allowed: ['tenant', 'code', 'minutes'] },
  codeLink: { required: ['code', 'link'], allowed: ['tenant', 'code', 'minutes', 'link'] },
  pushReason: { required: [], allowed: [] },
  signInReason: { required: [], allowed: ['requester'] },
  activationLink: { required: ['link'], allowed: ['tenant', 'link'] },
  noticeVerified: { required: [], allowed: ['tenant', 'time'] },
  noticeFraudReported: { required: [], allowed: ['tenant', 'time'] },
  noticeDeviceEnrolled: { required: [], allowed: ['tenant', 'time'] },
};

/** Longest template: an SMS of a few parts. The push reason is held to what a request allows. */
const maxLength: Record<CustomerMessageKind, number> = {
  code: 480,
  codeLink: 480,
  pushReason: 200,
  signInReason: 160,
  activationLink: 480,
  noticeVerified: 480,
  noticeFraudReported: 480,
  noticeDeviceEnrolled: 480,
};

/** A language key: `default`, or a language subtag (`de`, `en`; lower case). */
const languageKey = /^(default|[a-z]{2,3})$/;

/**
 * Problems with a tenant's templates, each a sentence an admin can act on; empty when valid.
 * Takes `unknown`: templates arrive as JSON from the admin API.
 */
export function messageTemplateProblems(value: unknown): string[] {
  const out: string[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['messageTemplates must be an object of languages.'];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) out.push('messageTemplates may name at most 50 languages.');
  for (const [language, texts] of entries) {
    if (!languageKey.test(language)) {
      out.push(`${language} is not a language: use a code such as de or en, or default.`);
      continue;
    }
    if (texts === null || typeof texts !== 'object' || Array.isArray(texts)) {
      out.push(`messageTemplates.${language} must be an object of texts.`);
      continue;
    }
    for (const [kind, text] of Object.entries(texts as Record<string, unknown>)) {
      const where = `messageTemplates.${language}.${kind}`;
      if (!(customerMessageKinds as readonly string[]).includes(kind)) {
        out.push(`${where} is not a message; use ${customerMessageKinds.join(', ')}.`);
        continue;
      }
      const rule = customerMessagePlaceholders[kind as CustomerMessageKind];
      if (typeof text !== 'string' || text.trim().length === 0) {
        out.push(`${where} must be text.`);
        continue;
      }
      if (text.length > maxLength[kind as CustomerMessageKind]) {
        out.push(`${where} is longer than ${maxLength[kind as CustomerMessageKind]} characters.`);
      }
      // Control characters would break an SMS or hide text on the phone.
      if (/\p{Cc}/u.test(text)) out.push(`${where} must not contain control characters or line breaks.`);
      const used = [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
      for (const name of used) {
        if (!rule.allowed.includes(name)) {
          out.push(
            rule.allowed.length === 0
              ? `${where} takes no placeholders; {${name}} would be shown as it is.`
              : `${where} may use ${rule.allowed.map((p) => `{${p}}`).join(', ')}, not {${name}}.`,
          );
        }
      }
      for (const name of rule.required) {
        if (!used.includes(name)) out.push(`${where} must contain {${name}}.`);
      }
    }
  }
  return out;
}

/** The tenant's own template for a customer of `locale`: their language's, else its default. */
function tenantTemplate(
  kind: CustomerMessageKind,
  locale: string | null | undefined,
  templates: MessageTemplates | undefined,
): string | undefined {
  const language = (locale ?? '').split('-')[0]!.toLowerCase();
  return templates?.[language]?.[kind] ?? templates?.default?.[kind];
}

/** The template a customer of `locale` gets: the tenant's (language, then default), then built-in. */
export function customerMessageTemplate(
  kind: BuiltInKind,
  locale: string | null | undefined,
  templates: MessageTemplates | undefined,
): string {
  return tenantTemplate(kind, locale, templates) ?? builtIn[notificationLanguage(locale)][kind];
}

/** Placeholders filled in one pass, so a value is never read as a template. */
function fill(template: string, values: Partial<Record<Placeholder, string>> | undefined): string {
  return template.replace(/\{(tenant|code|minutes|link|requester|time)\}/g, (whole, name: string) => {
    return values?.[name as Placeholder] ?? whole;
  });
}

/**
 * The tenant's own text of an activation link or a notice for this customer, filled in; undefined
 * when it has none, and the caller uses the built-in text (activation-message.ts,
 * policy-notifications.ts).
 */
export function tenantMessage(
  kind: 'activationLink' | 'noticeVerified' | 'noticeFraudReported' | 'noticeDeviceEnrolled',
  input: {
    locale: string | null | undefined;
    templates?: MessageTemplates | undefined;
    values?: Partial<Record<Placeholder, string>>;
  },
): string | undefined {
  const template = tenantTemplate(kind, input.locale, input.templates);
  return template === undefined ? undefined : fill(template, input.values);
}

/** A customer message, its placeholders filled in (one pass: a value is never read as a template). */
export function customerMessage(
  kind: BuiltInKind,
  input: {
    locale: string | null | undefined;
    templates?: MessageTemplates | undefined;
    values?: Partial<Record<Placeholder, string>>;
  },
): string {
  return fill(customerMessageTemplate(kind, input.locale, input.templates), input.values);
}

/** The e-mail subject of a one-time code, in the customer's language. */
export function codeSubject(tenantName: string, locale: string | null | undefined): string {
  return `${tenantName}: ${codeSubjects[notificationLanguage(locale)]}`;
}
