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

  'mfa.verifyTitle': 'Code aus Ihrer Authenticator-App eingeben',
  'mfa.verifyIntro':
    'Ihr Passwort stimmt. Öffnen Sie die Authenticator-App auf Ihrem Telefon und geben Sie die sechs Ziffern ein, die sie für {tenant} zeigt.',
  'mfa.code': 'Sechsstelliger Code',
  'mfa.verify': 'Weiter',
  'mfa.lost':
    'Telefon verloren? Bitten Sie eine Administration Ihrer Organisation, Ihren zweiten Faktor zurückzusetzen, und melden Sie sich dann erneut an.',
  'mfa.enrolTitle': 'Zweiten Faktor einrichten',
  'mfa.enrolRequired':
    'Ihre Organisation verlangt einen zweiten Faktor. Richten Sie einen Passkey oder eine Authenticator-App ein (zum Beispiel Google Authenticator, Microsoft Authenticator oder 1Password), bevor Sie weiterarbeiten.',
  'mfa.enrolIntro':
    'Eine Authenticator-App zeigt alle 30 Sekunden einen neuen sechsstelligen Code. Nach Ihrem Passwort fragt die Konsole danach.',
  'mfa.start': 'Authenticator-App einrichten',
  'mfa.scan':
    'Scannen Sie diesen QR-Code mit der App oder tippen Sie den Schlüssel ein. Geben Sie dann den Code ein, den die App zeigt.',
  'mfa.qrAlt': 'QR-Code, um dieses Konto in einer Authenticator-App hinzuzufügen',
  'mfa.key': 'Schlüssel zum Eintippen',
  'mfa.secretName': 'Schlüssel',
  'mfa.confirm': 'Bestätigen',
  'mfa.enrolled':
    'Die Authenticator-App ist eingerichtet. Ab jetzt fragt die Konsole nach Ihrem Passwort nach ihrem Code.',
  'mfa.status': 'Zweiter Faktor',
  'mfa.statusOn': 'Eine Authenticator-App ist eingerichtet.',
  'mfa.statusOff': 'Kein zweiter Faktor eingerichtet.',
  'mfa.error.WRONG_CODE': 'Dieser Code stimmt nicht. Geben Sie den Code ein, den Ihre App jetzt zeigt.',
  'mfa.error.CODE_REPLAYED': 'Dieser Code wurde schon benutzt. Warten Sie auf den nächsten.',
  'mfa.error.RATE_LIMITED': 'Zu viele falsche Codes. Warten Sie eine Weile, bevor Sie es erneut versuchen.',
  'mfa.error.format': 'Ein Code hat sechs Ziffern.',
  'mfa.reset': 'Zweiten Faktor zurücksetzen',
  'confirm.resetFactor.title': 'Zweiten Faktor von {name} zurücksetzen?',
  'confirm.resetFactor.body':
    'Die Authenticator-App funktioniert hier nicht mehr, und das Konto wird überall abgemeldet. Tun Sie das nur, nachdem Sie geprüft haben, wer fragt (verlorenes Telefon). Bei der nächsten Anmeldung wird eine neue App eingerichtet.',
  'confirm.resetFactor.confirm': 'Zweiten Faktor zurücksetzen',
  'operators.factorReset': 'Der zweite Faktor von {name} wurde zurückgesetzt.',
  'settings.secondFactor': 'Zweiter Faktor für Mitarbeitende, die sich mit Passwort anmelden',
  'settings.secondFactor.optional': 'Freiwillig: jede Person entscheidet',
  'settings.secondFactor.required': 'Verpflichtend: eine Authenticator-App nach dem Passwort',
  'mfa.passkeyTitle': 'Mit Ihrem Passkey bestätigen',
  'mfa.passkeyIntro':
    'Ihr Passwort stimmt. Bestätigen Sie mit Ihrem Passkey: Ihrem Sicherheitsschlüssel oder Fingerabdruck, Gesicht oder PIN auf diesem Gerät.',
  'mfa.usePasskey': 'Passkey verwenden',
  'mfa.orCode': 'Oder geben Sie den Code Ihrer Authenticator-App ein:',
  'mfa.createPasskey': 'Passkey erstellen',
  'mfa.passkeyExplain':
    'Ein Passkey ist die sicherste Wahl: ein Sicherheitsschlüssel oder Fingerabdruck, Gesicht oder PIN dieses Geräts. Er funktioniert nur auf dieser Seite, eine gefälschte Seite kann ihn nicht nutzen.',
  'mfa.orApp': 'Oder verwenden Sie stattdessen eine Authenticator-App:',
  'mfa.passkeyAdded': 'Der Passkey ist eingerichtet. Ab jetzt fragt die Konsole nach Ihrem Passwort danach.',
  'mfa.passkeysOn': 'Eingerichtete Passkeys: {count}.',
  'mfa.addPasskey': 'Passkey hinzufügen',
  'mfa.error.passkey':
    'Der Passkey wurde nicht angenommen. Versuchen Sie es erneut oder wählen Sie einen anderen Weg.',
  'mfa.error.passkeyCancelled':
    'Die Passkey-Abfrage wurde geschlossen oder ist abgelaufen. Versuchen Sie es erneut.',
  'mfa.error.passkeyUnsupported':
    'Dieser Browser kann hier keine Passkeys verwenden. Verwenden Sie stattdessen eine Authenticator-App.',
  'scim.title': 'SCIM-Tokens für Ihren Identitätsanbieter',
  'scim.intro':
    'Ihr Identitätsanbieter (Entra ID, Okta) legt Kundinnen und Kunden per SCIM an, ändert und entfernt sie, mit einem Token, das sonst nichts darf. Widerrufen Sie es in der Tabelle oben.',
  'scim.baseUrl': 'SCIM-Basis-URL (Mandanten-URL):',
  'scim.baseUrlName': 'SCIM-Basis-URL',
  'scim.name': 'Name des Identitätsanbieters',
  'scim.create': 'SCIM-Token erstellen',
  'scim.showOnce':
    'Tragen Sie dieses Token jetzt als geheimes Token in Ihrem Identitätsanbieter ein. Es wird nur einmal angezeigt:',
  'scim.tokenName': 'SCIM-Token',
  'oidc.title': 'OpenID-Clients (CIBA)',
  'oidc.intro':
    'Anwendungen, die über OpenID Connect CIBA das Telefon der Kundin oder des Kunden um Freigabe einer Anmeldung oder Zahlung bitten, etwa Ihr Online-Banking oder Keycloak.',
  'oidc.name': 'Name, den die Kundschaft sieht',
  'oidc.clientId': 'Client-ID',
  'oidc.method': 'Client-Authentifizierung',
  'oidc.method.client_secret_basic': 'Client-Geheimnis (client_secret_basic)',
  'oidc.method.private_key_jwt': 'Signierte Assertion mit Ihren Schlüsseln (private_key_jwt)',
  'oidc.jwks': 'Öffentliche Schlüssel (JSON Web Key Set)',
  'oidc.mode': 'Ergebniszustellung',
  'oidc.mode.poll': 'Poll: der Client fragt nach dem Ergebnis',
  'oidc.mode.ping': 'Ping: wir rufen den Client, sobald das Ergebnis vorliegt',
  'oidc.endpoint': 'Benachrichtigungs-Endpunkt (https)',
  'oidc.status': 'Status',
  'oidc.status.active': 'Aktiv',
  'oidc.status.suspended': 'Ausgesetzt',
  'oidc.status.revoked': 'Widerrufen',
  'oidc.create': 'OpenID-Client registrieren',
  'oidc.rotate': 'Neues Geheimnis',
  'oidc.revoke': 'Widerrufen',
  'oidc.secretName': 'Client-Geheimnis',
  'oidc.secretOnce':
    'Client-Geheimnis von {id}, nur jetzt sichtbar. Tragen Sie es in der Konfiguration des Clients ein:',
  'oidc.error.VALIDATION_FAILED': 'Der Client wurde nicht registriert: {message}',
  'oidc.error.CONFLICT': 'Der Client wurde inzwischen widerrufen. Laden Sie die Seite neu.',
  'oidc.error.jwksJson':
    'Die öffentlichen Schlüssel sind kein gültiges JSON. Fügen Sie das Key Set als JSON ein: {"keys": [...]}.',
  'confirm.rotateClient.title': 'Neues Geheimnis für „{name}“ ausstellen?',
  'confirm.rotateClient.body':
    'Das bisherige Geheimnis funktioniert sofort nicht mehr. Der Client braucht das neue, um weiterzuarbeiten.',
  'confirm.revokeClient.title': 'OpenID-Client „{name}“ widerrufen?',
  'confirm.revokeClient.body':
    'Der Client kann keine Anfragen mehr starten oder einlösen; offene Anfragen schlagen fehl. Das lässt sich nicht rückgängig machen.',
  'sso.title': 'Single Sign-on für Mitarbeitende',
  'sso.intro':
    'Mitarbeitende melden sich über OpenID Connect bei Ihrem Identitätsanbieter an (Entra ID, Okta, Keycloak, Google). Tragen Sie die Weiterleitungs-URI unten beim Anbieter ein.',
  'sso.redirectUri': 'Weiterleitungs-URI:',
  'sso.redirectUriName': 'Weiterleitungs-URI',
  'sso.enabled': 'Single Sign-on auf der Anmeldeseite anbieten',
  'sso.issuer': 'Aussteller-URL (https)',
  'sso.clientId': 'Client-ID',
  'sso.clientSecret': 'Client-Geheimnis',
  'sso.clientSecretKeep': 'Neues Client-Geheimnis (leer lassen, um das gespeicherte zu behalten)',
  'sso.scopes': 'Scopes (durch Leerzeichen getrennt)',
  'sso.roleClaim': 'Claim mit Gruppen oder Rollen',
  'sso.mappings': 'Gruppe zu Rolle, eine pro Zeile: Wert = agent, supervisor, admin oder auditor',
  'sso.domains': 'Erlaubte E-Mail-Domains (durch Leerzeichen getrennt; leer erlaubt alle)',
  'sso.jit': 'Konto bei der ersten Anmeldung anlegen',
  'sso.defaultRole': 'Rolle, wenn keine Gruppe passt',
  'sso.defaultRole.none': 'Keine: Anmeldung ablehnen',
  'sso.save': 'Single Sign-on speichern',
  'sso.error.mappings':
    'Jede Zeile der Gruppenzuordnung lautet „Wert = Rolle“, mit der Rolle agent, supervisor, admin oder auditor.',
  'sso.error.refused': 'Nicht gespeichert: {message}',
  'keycloak.title': 'Keycloak-Authentifizierungskanal',
  'keycloak.intro':
    'Keycloak bittet über seinen CIBA-Authentifizierungskanal das Telefon der Kundschaft um Freigabe einer Anmeldung. Tragen Sie die Kanal-URL unten als http-authentication-channel-uri des Realms ein.',
  'keycloak.channelUrl': 'Kanal-URL:',
  'keycloak.channelUrlName': 'Kanal-URL',
  'keycloak.baseUrl': 'Keycloak-Basis-URL',
  'keycloak.realm': 'Realm',
  'keycloak.issuer': 'Aussteller in Keycloaks Tokens (leer: Basis-URL und Realm)',
  'keycloak.clients':
    'Keycloak-Clients, die fragen dürfen (durch Leerzeichen getrennt; leer: jeder Client des Realms)',
  'keycloak.requester': 'Name auf dem Telefon der Kundschaft',
  'keycloak.save': 'Keycloak-Kanal speichern',
  'keycloak.remove': 'Kanal entfernen',
  'keycloak.removed': 'Der Keycloak-Kanal wurde entfernt. Anfragen von Keycloak werden ab jetzt abgelehnt.',
  'confirm.removeKeycloak.title': 'Keycloak-Kanal entfernen?',
  'confirm.removeKeycloak.body':
    'Keycloak kann die Telefone der Kundschaft nicht mehr fragen; Anmeldungen, die darauf beruhen, enden sofort.',
};
