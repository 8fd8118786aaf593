/**
 * What the customer is told after a helpdesk verification, a fraud report or a new device's
 * enrollment, per language. The text carries no code and no link: a message that asks for
 * nothing cannot be used for phishing.
 */
export const customerNotificationEvents = ['verified', 'fraud_reported', 'device_enrolled'] as const;
export type CustomerNotificationEvent = (typeof customerNotificationEvents)[number];

export const notificationLanguages = ['en', 'de', 'fr', 'es', 'nl'] as const;
export type NotificationLanguage = (typeof notificationLanguages)[number];

type Template = (v: { tenantName: string; time: string }) => string;

const templates: Record<NotificationLanguage, Record<CustomerNotificationEvent, Template>> = {
  en: {
    verified: (v) =>
      `${v.tenantName}: you were verified by our helpdesk at ${v.time}. If this was not you, call us on the number on our website.`,
    fraud_reported: (v) =>
      `${v.tenantName}: you reported that a verification request at ${v.time} was not you. We have blocked such requests; our team will contact you.`,
    device_enrolled: (v) =>
      `${v.tenantName}: a new device was set up to confirm your identity at ${v.time}. If this was not you, call us on the number on our website.`,
  },
  de: {
    verified: (v) =>
      `${v.tenantName}: Unser Kundendienst hat Sie um ${v.time} verifiziert. Wenn Sie das nicht waren, rufen Sie uns unter der Nummer auf unserer Website an.`,
    fraud_reported: (v) =>
      `${v.tenantName}: Sie haben gemeldet, dass eine Verifizierungsanfrage um ${v.time} nicht von Ihnen kam. Wir haben solche Anfragen gesperrt und melden uns bei Ihnen.`,
    device_enrolled: (v) =>
      `${v.tenantName}: Um ${v.time} wurde ein neues Gerät zur Bestätigung Ihrer Identität eingerichtet. Wenn Sie das nicht waren, rufen Sie uns unter der Nummer auf unserer Website an.`,
  },
  fr: {
    verified: (v) =>
      `${v.tenantName} : notre service client vous a vérifié à ${v.time}. Si ce n'était pas vous, appelez-nous au numéro indiqué sur notre site.`,
    fraud_reported: (v) =>
      `${v.tenantName} : vous avez signalé qu'une demande de vérification à ${v.time} ne venait pas de vous. Nous avons bloqué ces demandes et vous contacterons.`,
    device_enrolled: (v) =>
      `${v.tenantName} : un nouvel appareil a été configuré pour confirmer votre identité à ${v.time}. Si ce n'était pas vous, appelez-nous au numéro indiqué sur notre site.`,
  },
  es: {
    verified: (v) =>
      `${v.tenantName}: nuestro servicio de atención le verificó a las ${v.time}. Si no fue usted, llámenos al número de nuestra web.`,
    fraud_reported: (v) =>
      `${v.tenantName}: nos indicó que una solicitud de verificación a las ${v.time} no era suya. Hemos bloqueado esas solicitudes y le contactaremos.`,
    device_enrolled: (v) =>
      `${v.tenantName}: se configuró un nuevo dispositivo para confirmar su identidad a las ${v.time}. Si no fue usted, llámenos al número de nuestra web.`,
  },
  nl: {
    verified: (v) =>
      `${v.tenantName}: onze klantenservice heeft u om ${v.time} geverifieerd. Was u dit niet, bel ons dan op het nummer op onze website.`,
    fraud_reported: (v) =>
      `${v.tenantName}: u meldde dat een verificatieverzoek om ${v.time} niet van u kwam. We hebben zulke verzoeken geblokkeerd en nemen contact met u op.`,
    device_enrolled: (v) =>
      `${v.tenantName}: om ${v.time} is een nieuw apparaat ingesteld om uw identiteit te bevestigen. Was u dit niet, bel ons dan op het nummer op onze website.`,
  },
};

/** The language of a customer's locale (BCP 47, `de-CH` to `de`), English when there is no template. */
export function notificationLanguage(locale: string | null | undefined): NotificationLanguage {
  const language = (locale ?? '').split('-')[0]!.toLowerCase();
  return (notificationLanguages as readonly string[]).includes(language)
    ? (language as NotificationLanguage)
    : 'en';
}

/**
 * The notification text. The time is written in the customer's language, in UTC and saying so,
 * because the server does not know the customer's time zone.
 */
export function customerNotificationText(
  event: CustomerNotificationEvent,
  input: { tenantName: string; at: number; locale: string | null | undefined },
): string {
  const language = notificationLanguage(input.locale);
  return templates[language][event]({
    tenantName: input.tenantName,
    time: notificationTime(input.at, input.locale),
  });
}

/** A notice's time in the customer's locale, in UTC and saying so: `24 Nov 2026, 14:02 UTC`. */
export function notificationTime(at: number, locale: string | null | undefined): string {
  const language = notificationLanguage(locale);
  const options = { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' } as const;
  let format: Intl.DateTimeFormat;
  try {
    // The full locale where it is valid: en-GB writes 14:02, en-US 2:02 PM.
    format = new Intl.DateTimeFormat(locale ?? language, options);
  } catch {
    format = new Intl.DateTimeFormat(language, options);
  }
  return `${format.format(new Date(at))} UTC`;
}

const subjects: Record<NotificationLanguage, Record<CustomerNotificationEvent, string>> = {
  en: {
    verified: 'you were verified by our helpdesk',
    fraud_reported: 'your fraud report',
    device_enrolled: 'a new device was set up',
  },
  de: {
    verified: 'Sie wurden von unserem Kundendienst verifiziert',
    fraud_reported: 'Ihre Betrugsmeldung',
    device_enrolled: 'ein neues Gerät wurde eingerichtet',
  },
  fr: {
    verified: 'vous avez été vérifié par notre service client',
    fraud_reported: 'votre signalement de fraude',
    device_enrolled: 'un nouvel appareil a été configuré',
  },
  es: {
    verified: 'nuestro servicio de atención le ha verificado',
    fraud_reported: 'su aviso de fraude',
    device_enrolled: 'se configuró un nuevo dispositivo',
  },
  nl: {
    verified: 'u bent geverifieerd door onze klantenservice',
    fraud_reported: 'uw fraudemelding',
    device_enrolled: 'er is een nieuw apparaat ingesteld',
  },
};

/** A notice's e-mail subject in the customer's language: `Acme Bank: your fraud report`. */
export function customerNotificationSubject(
  event: CustomerNotificationEvent,
  input: { tenantName: string; locale: string | null | undefined },
): string {
  return `${input.tenantName}: ${subjects[notificationLanguage(input.locale)][event]}`;
}
