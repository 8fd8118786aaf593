/**
 * The message that carries an activation link to the customer's phone or mailbox, per language.
 * It names the company, says what the link is for and how long it lasts, and repeats the one
 * rule that defeats the usual phishing call: nobody from the company asks for a code.
 */
import { notificationLanguage } from './policy-notifications.ts';

type Values = { tenantName: string; link: string; within: string };

/** How long the link lasts, in words: 10 minutes for a link sent during a call, days for a campaign's. */
const within = {
  en: (days?: number) => (days ? `within ${days} ${days === 1 ? 'day' : 'days'}` : 'within 10 minutes'),
  de: (days?: number) =>
    days ? `innerhalb von ${days} ${days === 1 ? 'Tag' : 'Tagen'}` : 'innerhalb von 10 Minuten',
  fr: (days?: number) => (days ? `dans les ${days} jours` : 'dans les 10 minutes'),
  es: (days?: number) => (days ? `en los próximos ${days} días` : 'en los próximos 10 minutos'),
  nl: (days?: number) => (days ? `binnen ${days} ${days === 1 ? 'dag' : 'dagen'}` : 'binnen 10 minuten'),
} as const;

const templates = {
  en: (v: Values) =>
    `${v.tenantName}: set up this phone to confirm calls with our helpdesk. Open ${v.link} ${v.within}. We will never ask you to read a code to anyone who calls you.`,
  de: (v: Values) =>
    `${v.tenantName}: Richten Sie dieses Telefon ein, um Anrufe bei unserem Kundendienst zu bestätigen. Öffnen Sie ${v.link} ${v.within}. Wir bitten Sie nie, jemandem, der Sie anruft, einen Code vorzulesen.`,
  fr: (v: Values) =>
    `${v.tenantName} : configurez ce téléphone pour confirmer vos appels avec notre service client. Ouvrez ${v.link} ${v.within}. Nous ne vous demanderons jamais de lire un code à quelqu'un qui vous appelle.`,
  es: (v: Values) =>
    `${v.tenantName}: configure este teléfono para confirmar sus llamadas con nuestro servicio de atención. Abra ${v.link} ${v.within}. Nunca le pediremos que lea un código a nadie que le llame.`,
  nl: (v: Values) =>
    `${v.tenantName}: stel deze telefoon in om gesprekken met onze klantenservice te bevestigen. Open ${v.link} ${v.within}. We vragen u nooit een code voor te lezen aan iemand die u belt.`,
} as const;

const subjects = {
  en: 'Set up your phone',
  de: 'Telefon einrichten',
  fr: 'Configurez votre téléphone',
  es: 'Configure su teléfono',
  nl: 'Stel uw telefoon in',
} as const;

export function activationMessage(input: {
  tenantName: string;
  link: string;
  locale: string | null | undefined;
  /** The link lasts days (a campaign's invitation); without it, the 10 minutes of a call's link. */
  validDays?: number | undefined;
}): { subject: string; text: string } {
  const language = notificationLanguage(input.locale);
  return {
    subject: `${input.tenantName}: ${subjects[language]}`,
    text: templates[language]({ ...input, within: within[language](input.validDays) }),
  };
}
