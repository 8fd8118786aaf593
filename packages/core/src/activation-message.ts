/**
 * The message that carries an activation link to the customer's phone or mailbox, per language.
 * It names the company, says what the link is for and how long it lasts, and repeats the one
 * rule that defeats the usual phishing call: nobody from the company asks for a code.
 */
import { notificationLanguage } from './policy-notifications.ts';

const templates = {
  en: (v: { tenantName: string; link: string }) =>
    `${v.tenantName}: set up this phone to confirm calls with our helpdesk. Open ${v.link} within 10 minutes. We will never ask you to read a code to anyone who calls you.`,
  de: (v: { tenantName: string; link: string }) =>
    `${v.tenantName}: Richten Sie dieses Telefon ein, um Anrufe bei unserem Kundendienst zu bestätigen. Öffnen Sie ${v.link} innerhalb von 10 Minuten. Wir bitten Sie nie, jemandem, der Sie anruft, einen Code vorzulesen.`,
  fr: (v: { tenantName: string; link: string }) =>
    `${v.tenantName} : configurez ce téléphone pour confirmer vos appels avec notre service client. Ouvrez ${v.link} dans les 10 minutes. Nous ne vous demanderons jamais de lire un code à quelqu'un qui vous appelle.`,
  es: (v: { tenantName: string; link: string }) =>
    `${v.tenantName}: configure este teléfono para confirmar sus llamadas con nuestro servicio de atención. Abra ${v.link} en los próximos 10 minutos. Nunca le pediremos que lea un código a nadie que le llame.`,
  nl: (v: { tenantName: string; link: string }) =>
    `${v.tenantName}: stel deze telefoon in om gesprekken met onze klantenservice te bevestigen. Open ${v.link} binnen 10 minuten. We vragen u nooit een code voor te lezen aan iemand die u belt.`,
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
}): { subject: string; text: string } {
  const language = notificationLanguage(input.locale);
  return { subject: `${input.tenantName}: ${subjects[language]}`, text: templates[language](input) };
}
