import type { TemplatesMessageKey } from './templates.en.ts';

/** German messages of the Settings page's "Customer messages" section. */
export const templatesDe: Record<TemplatesMessageKey, string> = {
  'templates.title': 'Nachrichten an Kunden',
  'templates.intro':
    'Ihre eigenen Worte für das, was Kundinnen und Kunden erhalten, je Sprache. Ein leeres Feld behält den eingebauten Text, der grau angezeigt wird. Wer keine eigene Sprache hat, erhält „Jede andere Sprache“, dann den eingebauten Text.',
  'templates.none': 'Noch keine eigenen Texte: Kundinnen und Kunden erhalten die eingebauten Texte.',
  'templates.language': 'Sprache der Texte',
  'templates.add': 'Sprache hinzufügen',
  'templates.addButton': 'Hinzufügen',
  'templates.remove': '{language} entfernen',
  'templates.removed': '{language} entfernt. Speichern Sie, um es zu übernehmen.',
  'templates.save': 'Nachrichten an Kunden speichern',
  'templates.saved': 'Nachrichten an Kunden gespeichert.',
  'templates.refused': 'Nicht gespeichert: {message}',
  'templates.placeholders': 'Platzhalter: {list}.',
  'templates.noPlaceholders': 'Keine Platzhalter.',
  'templates.required': '{name} (erforderlich)',
  'templates.lang.default': 'Jede andere Sprache',
  'templates.lang.de': 'Deutsch',
  'templates.lang.en': 'Englisch',
  'templates.lang.fr': 'Französisch',
  'templates.lang.es': 'Spanisch',
  'templates.lang.nl': 'Niederländisch',
  'templates.kind.code': 'Einmalcode (SMS oder E-Mail)',
  'templates.kind.codeLink': 'Einmalcode mit Link',
  'templates.kind.pushReason': 'Grund einer Push-Anfrage auf dem Telefon',
  'templates.kind.signInReason': 'Grund einer Anmeldeanfrage auf dem Telefon',
  'templates.kind.activationLink': 'Aktivierungslink',
  'templates.kind.noticeVerified': 'Hinweis nach einer Prüfung',
  'templates.kind.noticeFraudReported': 'Hinweis nach einer Betrugsmeldung',
  'templates.kind.noticeDeviceEnrolled': 'Hinweis nach einem neuen Gerät',
};
