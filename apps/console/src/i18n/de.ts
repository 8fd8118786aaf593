import { adminDe } from './admin.de.ts';
import { analyticsDe } from './analytics.de.ts';
import { auditDe } from './audit.de.ts';
import { callsDe } from './calls.de.ts';
import { campaignsDe } from './campaigns.de.ts';
import { customerDe } from './customer.de.ts';
import { customersDe } from './customers.de.ts';
import type { Catalogue } from './en.ts';
import { fallbacksDe } from './fallbacks.de.ts';
import { fraudqDe } from './fraudq.de.ts';
import { historyDe } from './history.de.ts';
import { templatesDe } from './templates.de.ts';
import { trainingDe } from './training.de.ts';

/** German messages; the type requires exactly the English keys. */
export const de: Catalogue = {
  'app.title': 'Helpdesk Auth',
  'app.skipToContent': 'Zum Inhalt springen',
  'app.language': 'Sprache',
  'app.loading': 'Wird geladen…',
  'app.signOut': 'Abmelden',
  'app.signedInAs': '{name} ({role})',
  'app.mainNav': 'Hauptnavigation',
  'app.error.NETWORK':
    'Der Server ist nicht erreichbar. Prüfen Sie die Verbindung und versuchen Sie es erneut.',
  'app.error.generic': 'Etwas ist schiefgegangen ({code}). Bitte erneut versuchen.',
  'app.error.UNAUTHENTICATED': 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  'app.error.FORBIDDEN': 'Ihre Rolle erlaubt das nicht.',
  'app.error.NOT_FOUND': 'Nicht gefunden.',
  'app.error.VALIDATION_FAILED':
    'Der Server hat die Eingaben nicht angenommen. Bitte prüfen und korrigieren Sie die Felder.',
  'app.notFound': 'Diese Seite gibt es nicht.',
  'app.back': 'Zurück',
  'app.retry': 'Erneut versuchen',
  'app.close': 'Schließen',
  'app.save': 'Speichern',
  'app.saved': 'Gespeichert.',
  'app.copy': 'Kopieren',
  'app.copied': 'Kopiert.',
  'app.loadMore': 'Mehr laden',
  'app.none': 'Keine',
  'app.yes': 'Ja',
  'app.no': 'Nein',

  'role.agent': 'Agent',
  'role.supervisor': 'Teamleitung',
  'role.admin': 'Admin',
  'role.auditor': 'Prüfer',

  'nav.search': 'Anrufer finden',
  'nav.history': 'Verlauf',
  'nav.operators': 'Mitarbeitende',
  'nav.apiKeys': 'API-Schlüssel',
  'nav.settings': 'Einstellungen',
  'nav.audit': 'Prüfprotokoll',
  // The button in the header that opens the administration pages.
  'nav.admin': 'Verwaltung',

  'signIn.title': 'Anmelden',
  'signIn.tenant': 'Organisation',
  'signIn.email': 'E-Mail',
  'signIn.password': 'Passwort',
  'signIn.submit': 'Anmelden',
  'signIn.busy': 'Anmeldung läuft…',
  'signIn.error.INVALID_CREDENTIALS': 'Organisation, E-Mail oder Passwort ist falsch.',
  'signIn.error.RATE_LIMITED':
    'Zu viele Versuche. Warten Sie {seconds} Sekunden und versuchen Sie es erneut.',
  'signIn.sso': 'Mit Single Sign-on anmelden',
  'signIn.or': 'oder mit Passwort:',
  'signIn.error.SSO_STATE_INVALID':
    'Die Single-Sign-on-Anmeldung wurde nicht abgeschlossen (abgelaufen oder anderswo begonnen). Bitte erneut versuchen.',
  'signIn.error.SSO_FAILED':
    'Single Sign-on ist fehlgeschlagen: Ihr Identitätsanbieter konnte die Anmeldung nicht bestätigen. Bitte erneut versuchen.',
  'signIn.error.SSO_ACCESS_DENIED':
    'Ihr Identitätsanbieter hat Sie angemeldet, aber Sie haben hier keinen Zugang. Wenden Sie sich an Ihre Administration.',
  'signIn.demo':
    'Demo: Organisation „{tenant}“, E-Mail {email}. Das Passwort hat npm start im Terminal ausgegeben.',

  'search.title': 'Anrufer finden',
  'search.label': 'Name, Kundennummer, Telefon oder E-Mail',
  'search.placeholder': 'Tippen Sie los…',
  'search.hint': 'Mit ↑ und ↓ auswählen, mit Enter öffnen.',
  'search.noResults': 'Kein Kunde passt zu „{q}“.',
  'search.results': '{count} Kunden gefunden.',
  'search.searching': 'Suche läuft…',
  'search.fraudFlag': 'Betrug gemeldet',

  'customer.externalId': 'Kundennummer',
  'customer.phone': 'Telefon',
  'customer.email': 'E-Mail',
  'customer.devices': 'Geräte',
  'customer.noDevices': 'Noch kein Gerät registriert.',
  'customer.device.lastSeen': 'Zuletzt gesehen {time}',
  'customer.device.push': 'Per Push erreichbar',
  'customer.device.liveOnly': 'Nur erreichbar, solange die App geöffnet ist',
  'customer.device.revoked': 'Widerrufen',
  'customer.methods': 'Verfügbare Methoden',
  'customer.method.push': 'Push-Bestätigung mit Code',
  'customer.method.none': 'Keine: zuerst ein Gerät registrieren.',
  'customer.risk': 'Risikohinweise',
  'customer.risk.none': 'Keine Risikohinweise.',
  'customer.risk.fraud':
    'Betrug gemeldet am {time}. Vorsicht: Möglicherweise gibt sich jemand als dieser Kunde aus.',
  'customer.risk.phoneChanged': 'Telefonnummer geändert am {time}.',
  'customer.risk.pushLockedFraud':
    'Die Push-Bestätigung ist nach der Betrugsmeldung gesperrt. Ein Admin hebt die Sperre nach Rücksprache mit dem Kunden auf.',
  'customer.risk.pushLockedDenials':
    'Die Push-Bestätigung ist nach wiederholten Ablehnungen gesperrt. Ein Admin hebt die Sperre nach Rücksprache mit dem Kunden auf.',
  'customer.risk.questionsLocked':
    'Die Sicherheitsfragen sind nach fehlgeschlagenen Prüfungen gesperrt. Ein Admin entsperrt sie.',
  'customer.recent': 'Letzte Prüfungen',
  'customer.recent.none': 'Noch keine Prüfungen.',
  'customer.enroll': 'Gerät registrieren',

  'verify.title': 'Anrufer prüfen',
  'verify.purpose': 'Wofür',
  'verify.purpose.authenticate': 'Identität prüfen',
  'verify.purpose.confirm_action': 'Aktion bestätigen lassen',
  'verify.reason': 'Grund, den der Kunde sieht',
  'verify.defaultReason': 'Identitätsprüfung für Ihren Anruf',
  'verify.actionSummary': 'Aktion, die der Kunde bestätigt',
  'verify.actionSummaryHint': 'Zum Beispiel: Postanschrift ändern auf Hauptstraße 1, Berlin',
  'verify.start': 'Anrufer prüfen',
  'verify.startAction': 'Bestätigung anfordern',
  'verify.starting': 'Wird gesendet…',
  'verify.codeLabel': 'Vorzulesender Code',
  'verify.say': 'Sagen Sie:',
  'verify.sentence': 'Bitte öffnen Sie die {tenant}-App und geben Sie {code} ein.',
  'verify.sentenceAction':
    'Bitte öffnen Sie die {tenant}-App, prüfen Sie die Anfrage „{action}“ und geben Sie {code} ein.',
  'verify.countdown': 'Läuft ab in {time}',
  'verify.progress': 'Fortschritt',
  'verify.step.sent': 'Gesendet',
  'verify.step.delivered': 'Zugestellt',
  'verify.step.opened': 'Geöffnet',
  'verify.step.waiting': 'Warten auf das Telefon…',
  'verify.wrongCode':
    'Der Anrufer hat einen falschen Code eingegeben. Noch {attemptsLeft} Versuche. Lesen Sie den Code erneut vor.',
  'verify.unreachable': 'Das Telefon ist gerade nicht erreichbar.',
  'verify.unreachableHelp':
    'Bitten Sie den Anrufer, die {tenant}-App zu öffnen: Die Anfrage wartet dort noch. Oder erneut versuchen.',
  'verify.cancel': 'Abbrechen',
  'verify.tryAgain': 'Erneut versuchen',
  'verify.newVerification': 'Neue Prüfung',
  'verify.fallbacksInConsole':
    'Weitere Methoden (SMS-Code, Authenticator-Code) finden Sie in der Helpdesk-Auth-Konsole.',
  'verify.result.approved': 'Bestätigt',
  'verify.result.approvedAction': 'Aktion bestätigt',
  'verify.result.approvedDetail': 'Methode: {method}. Vertrauensniveau: {assurance}. Dauer: {seconds} s.',
  'verify.result.denied': 'Vom Kunden abgelehnt',
  'verify.result.deniedHelp':
    'Der Kunde hat die Anfrage auf seinem Telefon abgelehnt. Fahren Sie nicht fort. Fragen Sie, ob die Ablehnung beabsichtigt war; hat der Kunde diesen Anruf nicht begonnen, beenden Sie ihn höflich.',
  'verify.result.fraud': 'Betrug gemeldet',
  'verify.result.fraudSay':
    'Sagen Sie: „Zu Ihrer Sicherheit kann ich diese Anfrage nicht weiter bearbeiten. Wir melden uns über Ihre hinterlegten Kontaktdaten.“',
  'verify.result.fraudDont':
    'Geben Sie keine Kontodaten preis, ändern Sie nichts und lesen Sie keinen neuen Code vor. Melden Sie den Anruf Ihrer Teamleitung.',
  'verify.result.expired': 'Abgelaufen: keine Antwort',
  'verify.result.expiredHelp':
    'Der Kunde hat nicht rechtzeitig geantwortet. Bitten Sie ihn, die App zu öffnen, und versuchen Sie es erneut.',
  'verify.result.failed': 'Fehlgeschlagen: zu oft falscher Code',
  'verify.result.failedHelp':
    'Der Code wurde zu oft falsch eingegeben. Fahren Sie mit dieser Prüfung nicht fort. Sie können es noch einmal versuchen.',
  'verify.result.cancelled': 'Abgebrochen',
  'verify.result.cancelledHelp': 'Die Anfrage wurde vom Telefon des Kunden zurückgezogen.',
  'verify.error.CUSTOMER_HAS_NO_DEVICE':
    'Dieser Kunde hat kein registriertes Gerät. Registrieren Sie eines oder nutzen Sie später eine andere Methode.',
  'verify.error.PUSH_RATE_LIMITED':
    'Zu viele Anfragen an diesen Kunden in kurzer Zeit (Schutz vor Push-Bombing). Warten Sie {minutes} Minuten.',
  'verify.error.VERIFICATION_NOT_PENDING': 'Diese Prüfung ist bereits abgeschlossen.',
  'verify.error.VERIFICATION_EXPIRED': 'Diese Prüfung ist bereits abgelaufen.',
  'verify.assurance.low': 'niedrig',
  'verify.assurance.moderate': 'mäßig',
  'verify.assurance.substantial': 'substanziell',
  'verify.assurance.high': 'hoch',
  'verify.method.push': 'Push-Bestätigung mit Code',

  'status.pending': 'Ausstehend',
  'status.approved': 'Bestätigt',
  'status.denied': 'Abgelehnt',
  'status.fraud_reported': 'Betrug gemeldet',
  'status.expired': 'Abgelaufen',
  'status.cancelled': 'Abgebrochen',
  'status.failed': 'Fehlgeschlagen',

  'enroll.title': 'Gerät registrieren',
  'enroll.intro':
    'Der Kunde scannt diesen QR-Code mit der {tenant}-App oder öffnet den Link auf seinem Telefon. Er gilt einmal, 10 Minuten lang.',
  'enroll.create': 'Aktivierung erstellen',
  'enroll.qr': 'QR-Code zur Registrierung des Kundengeräts',
  'enroll.link': 'Aktivierungslink',
  'enroll.code': 'Aktivierungscode',
  'enroll.expires': 'Gültig bis {time}',
  'enroll.again': 'Neue Aktivierung',
  'enroll.sendSms': 'Link per SMS senden',
  'enroll.sendEmail': 'Link per E-Mail senden',
  'enroll.noPhone': 'Keine Telefonnummer hinterlegt',
  'enroll.noEmail': 'Keine E-Mail-Adresse hinterlegt',
  'enroll.sentSms': 'Link per SMS an {to} gesendet. Er funktioniert einmal, bis {time}.',
  'enroll.sentEmail': 'Link per E-Mail an {to} gesendet. Er funktioniert einmal, bis {time}.',

  'history.title': 'Prüfverlauf',
  'history.filter.status': 'Status',
  'history.filter.any': 'Alle',
  'history.filter.customer': 'Kunden-ID',
  'history.filter.from': 'Von',
  'history.filter.to': 'Bis',
  'history.problem.customerId':
    'Eine Kunden-ID besteht aus cus_ und 26 Buchstaben und Ziffern, wie auf der Seite des Kunden angezeigt.',
  'filters.problem.period': 'Das Ende des Zeitraums muss nach seinem Beginn liegen.',
  'history.apply': 'Filtern',
  'history.col.time': 'Begonnen',
  'history.col.customer': 'Kunde',
  'history.col.reason': 'Grund',
  'history.col.status': 'Status',
  'history.col.agent': 'Agent',
  'history.empty': 'Keine passenden Prüfungen.',
  'history.detail': 'Prüfung {id}',
  'history.timeline': 'Zeitlinie',
  'history.audit': 'Protokolleinträge',
  'history.noAudit': 'Keine Protokolleinträge.',
  'history.field.purpose': 'Zweck',
  'history.field.reason': 'Grund',
  'history.field.action': 'Aktion',
  'history.field.assurance': 'Vertrauensniveau',
  'history.field.startedBy': 'Begonnen von',
  'history.field.created': 'Begonnen',
  'history.field.finished': 'Beendet',
  'history.field.attempts': 'Falsche Codes',
  'history.open': 'Öffnen',

  'operators.title': 'Mitarbeitende',
  'operators.invite': 'Mitarbeitende einladen',
  'operators.name': 'Name',
  'operators.email': 'E-Mail',
  'operators.role': 'Rolle',
  'operators.status': 'Status',
  'operators.lastSignIn': 'Letzte Anmeldung',
  'operators.active': 'Aktiv',
  'operators.disabled': 'Deaktiviert',
  'operators.disable': 'Deaktivieren',
  'operators.enable': 'Aktivieren',
  'operators.error.EMAIL_TAKEN': 'Es gibt bereits ein Konto mit dieser E-Mail.',
  'operators.error.LAST_ADMIN': 'Der letzte aktive Admin kann nicht herabgestuft oder deaktiviert werden.',
  'operators.error.CONFLICT': 'Jemand anderes hat dieses Konto geändert. Neu laden und erneut versuchen.',
  'operators.actions': 'Aktionen',

  'apiKeys.title': 'API-Schlüssel',
  'apiKeys.create': 'API-Schlüssel erstellen',
  'apiKeys.name': 'Name',
  'apiKeys.scopes': 'Berechtigungen',
  'apiKeys.created': 'Erstellt',
  'apiKeys.lastUsed': 'Zuletzt benutzt',
  'apiKeys.revoke': 'Widerrufen',
  'apiKeys.revoked': 'Widerrufen',
  'apiKeys.showOnce': 'Kopieren Sie diesen Schlüssel jetzt. Er wird nur einmal angezeigt:',
  'apiKeys.status': 'Status',

  'push.title': 'Push an Ihre Apps',
  'push.intro':
    'Ihre eigenen iOS- und Android-Apps erhalten Anfragen über Google (FCM) und Apple (APNs) mit Ihren Zugangsdaten. Private Schlüssel werden verschlüsselt gespeichert und nie wieder angezeigt.',
  'push.notSet': 'Nicht eingerichtet: Geräte dieser Art sind per Push nicht erreichbar.',
  'push.keyId': 'Schlüssel-ID',
  'push.updated': 'Zuletzt geändert',
  'push.removed': 'Entfernt.',
  'push.error.invalid': 'Diese Zugangsdaten sind nicht verwendbar: {message}',
  'push.fcm.title': 'Firebase Cloud Messaging (Android)',
  'push.fcm.project': 'Projekt',
  'push.fcm.account': 'Dienstkonto',
  'push.fcm.file': 'Schlüsseldatei des Dienstkontos (JSON)',
  'push.fcm.json': 'Oder ihren Inhalt einfügen',
  'push.fcm.save': 'FCM-Zugangsdaten speichern',
  'push.fcm.replace': 'FCM-Zugangsdaten ersetzen',
  'push.fcm.remove': 'FCM-Zugangsdaten entfernen',
  'push.apns.title': 'Apple Push Notification Service (iOS)',
  'push.apns.team': 'Team-ID',
  'push.apns.bundle': 'Bundle-ID der App',
  'push.apns.environment': 'Standardumgebung',
  'push.apns.production': 'Produktion',
  'push.apns.sandbox': 'Sandbox (Entwicklungs-Builds)',
  'push.apns.file': 'APNs-Schlüsseldatei (.p8)',
  'push.apns.key': 'Oder ihren Inhalt einfügen',
  'push.apns.save': 'APNs-Schlüssel speichern',
  'push.apns.replace': 'APNs-Schlüssel ersetzen',
  'push.apns.remove': 'APNs-Schlüssel entfernen',
  'customer.device.testPush': 'Test-Push senden',
  'customer.device.testPush.label': 'Test-Push senden an {device}',
  'customer.device.testPush.accepted': 'Test-Push von {channel} angenommen.',
  'customer.device.testPush.gone': 'Die App ist nicht mehr registriert; ihr Push-Kanal wurde entfernt.',
  'customer.device.testPush.failed': 'Test-Push fehlgeschlagen: {detail}',
  'customer.device.testPush.unreachable': 'Dieses Gerät hat keinen Push-Kanal.',
  'customer.device.channel.webpush': 'Web Push',
  'customer.device.channel.fcm': 'FCM',
  'customer.device.channel.apns': 'APNs',
  'settings.title': 'Mandanteneinstellungen',
  'settings.name': 'Name, den Kunden sehen',
  'settings.codeLength': 'Stellen des Codes',
  'settings.expirySeconds': 'Sekunden bis eine Anfrage abläuft',
  'settings.maxCodeAttempts': 'Falsche Codes bis zum Fehlschlag',
  'settings.pushRequestsPerWindow': 'Push-Anfragen pro Kunde und Zeitfenster',
  'settings.pushWindowSeconds': 'Zeitfenster (Sekunden)',
  'settings.error.VALIDATION_FAILED': 'Diese Einstellungen sind nicht erlaubt: {message}',

  'audit.title': 'Prüfprotokoll',
  'audit.chain': 'Kettenprüfung',
  'audit.chainOk': 'Kette intakt: {checked} Einträge geprüft (Kopf {headSeq}).',
  'audit.chainBroken': 'Kette GEBROCHEN bei Eintrag {seq} ({reason}).',
  'audit.export': 'Exportieren (JSON Lines)',
  'audit.filter.action': 'Aktion',
  'audit.filter.actor': 'Akteur-ID',
  'audit.filter.target': 'Ziel-ID',
  'audit.col.seq': '#',
  'audit.col.time': 'Zeit',
  'audit.col.actor': 'Akteur',
  'audit.col.action': 'Aktion',
  'audit.col.target': 'Ziel',
  'audit.col.data': 'Details',
  'audit.empty': 'Keine passenden Protokolleinträge.',

  'widget.title': 'Anrufer prüfen',
  'widget.expired': 'Der Zugang dieses Bereichs ist abgelaufen. Laden Sie die Seite neu.',
  'widget.invalid':
    'Dieser Bereich konnte sich nicht anmelden. Bitten Sie Ihre Administration, die Integration zu prüfen.',

  // Fallback methods, policy editor, webhooks (fallbacks.de.ts).
  ...fallbacksDe,
  // Audit log sentences, policy form, history's customer filter (audit.de.ts).
  ...auditDe,
  // The customer page's fraud procedure and actions, enrollment, refusals (customer.de.ts).
  ...customerDe,
  // Every method in history and recent verifications (history.de.ts).
  ...historyDe,
  // Admin confirmations, secrets shown once, own password (admin.de.ts).
  ...adminDe,
  // The tenant's own texts for customers, on the Settings page (templates.de.ts).
  ...templatesDe,
  // Customer create, edit, CSV import, authenticator-app and question set-up (customers.de.ts).
  ...customersDe,
  // Outbound call notices: call panel, call history, policy settings (calls.de.ts).
  ...callsDe,
  // The fraud queue: live alert, queue, case (fraudq.de.ts).
  ...fraudqDe,
  // The supervisor dashboard and operators' teams (analytics.de.ts).
  ...analyticsDe,
  // Rollout campaigns: list, create, progress and funnel (campaigns.de.ts).
  ...campaignsDe,
  // The practice space and the first-run tour (training.de.ts).
  ...trainingDe,
};
