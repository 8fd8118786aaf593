import type { AdminMessageKey } from './admin.en.ts';

/** German messages of the admin screens (the keys of admin.en.ts). */
export const adminDe: Record<AdminMessageKey, string> = {
  'confirm.cancel': 'Abbrechen',
  'confirm.revokeKey.title': 'API-Schlüssel „{name}“ widerrufen?',
  'confirm.revokeKey.body':
    'Jede Integration mit diesem Schlüssel hört sofort auf zu funktionieren. Das lässt sich nicht rückgängig machen: Ein neuer Schlüssel muss erstellt und eingerichtet werden.',
  'confirm.revokeKey.confirm': 'Schlüssel widerrufen',
  'confirm.disableOperator.title': '{name} deaktivieren?',
  'confirm.disableOperator.body':
    '{name} wird sofort überall abgemeldet und kann sich erst wieder anmelden, wenn eine Administration das Konto aktiviert.',
  'confirm.disableOperator.confirm': 'Konto deaktivieren',

  'secret.copy': 'Kopieren',
  'secret.copyLabel': '{what} kopieren',
  'secret.copied': 'In die Zwischenablage kopiert.',
  'secret.copyFailed':
    'Der Browser hat das Kopieren nicht erlaubt. Markieren Sie den Text und kopieren Sie ihn von Hand.',
  'secret.apiKey': 'API-Schlüssel',
  'secret.webhookSecret': 'Signaturgeheimnis',
  'secret.password': 'Startpasswort',
  'operators.createdOnce':
    'Konto angelegt. Geben Sie dieses Startpasswort weiter; es wird nur jetzt gezeigt und muss bei der ersten Anmeldung geändert werden:',

  'nav.account': 'Mein Konto',
  'password.title': 'Passwort ändern',
  'password.forcedTitle': 'Eigenes Passwort wählen',
  'password.forcedIntro':
    'Sie haben sich mit einem Passwort angemeldet, das für Sie erzeugt wurde. Wählen Sie ein eigenes, bevor Sie weiterarbeiten.',
  'password.current': 'Aktuelles Passwort',
  'password.new': 'Neues Passwort',
  'password.repeat': 'Neues Passwort wiederholen',
  'password.rules':
    'Mindestens 15 Zeichen. Lange Sätze sind leicht zu merken und schwer zu erraten; Leerzeichen sind erlaubt. Kein gängiges Passwort und nicht Ihre E-Mail-Adresse.',
  'password.submit': 'Passwort ändern',
  'password.error.tooShort': 'Das neue Passwort braucht mindestens 15 Zeichen.',
  'password.error.mismatch': 'Die beiden neuen Passwörter stimmen nicht überein.',
  'password.error.same': 'Das neue Passwort muss sich vom aktuellen unterscheiden.',
  'password.error.INVALID_CREDENTIALS': 'Das aktuelle Passwort stimmt nicht.',
  'password.error.RATE_LIMITED':
    'Zu viele Fehlversuche. Warten Sie eine Weile, bevor Sie es erneut versuchen.',
  'password.error.VALIDATION_FAILED': 'Der Server hat das neue Passwort abgelehnt: {message}',
  'password.changed':
    'Ihr Passwort wurde geändert und alle Sitzungen beendet. Melden Sie sich mit dem neuen Passwort an.',
};
