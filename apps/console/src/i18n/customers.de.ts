/** German messages of customer maintenance (the keys of `customers.en.ts`). Spread into `de` (de.ts). */
import type { customersEn } from './customers.en.ts';

export const customersDe: Record<keyof typeof customersEn, string> = {
  'cf.new': 'Neuer Kunde…',
  'cf.edit': 'Bearbeiten…',
  'cf.title.new': 'Neuer Kunde',
  'cf.title.edit': '{name} bearbeiten',
  'cf.displayName': 'Anzeigename',
  'cf.externalId': 'Externe ID (optional)',
  'cf.externalId.hint': 'Die Kundennummer in Ihren eigenen Systemen.',
  'cf.phone': 'Telefonnummer (optional)',
  'cf.phone.hint': 'Im internationalen Format, etwa +41 44 668 18 00.',
  'cf.email': 'E-Mail-Adresse (optional)',
  'cf.locale': 'Sprache (optional)',
  'cf.locale.hint': 'Ein Sprachkürzel wie en oder de-CH: Nachrichten an den Kunden verwenden es.',
  'cf.phoneWarning':
    'Eine Änderung der Telefonnummer startet die SIM-Swap-Frist: SMS-Codes an die neue Nummer werden so viele Tage abgelehnt, wie die Richtlinie festlegt, und die Kundenseite zeigt die Änderung.',
  'cf.phoneWarningDays':
    'Eine Änderung der Telefonnummer startet die SIM-Swap-Frist: SMS-Codes an diesen Kunden werden {days} Tage lang abgelehnt (sms.simSwapDays der Richtlinie), und die Kundenseite zeigt die Änderung.',
  'cf.phoneWarningOff':
    'Eine Änderung der Telefonnummer zeigt die Kundenseite an. Die Richtlinie hält SMS-Codes nach einer Änderung nicht zurück (sms.simSwapDays ist 0).',
  'cf.create': 'Kunden anlegen',
  'cf.save': 'Änderungen speichern',
  'cf.cancel': 'Abbrechen',
  'cf.saving': 'Wird gespeichert…',
  'cf.saved': 'Der Kunde wurde gespeichert.',
  'cf.problems': 'Einige Felder müssen korrigiert werden.',
  'cf.error.required': 'Geben Sie einen Anzeigenamen ein.',
  'cf.error.INVALID_PHONE_NUMBER':
    'Das ist keine gültige Telefonnummer im internationalen Format. Beginnen Sie mit + und der Landesvorwahl, etwa +41 44 668 18 00.',
  'cf.error.EXTERNAL_ID_TAKEN': 'Ein anderer Kunde hat bereits diese externe ID.',
  'cf.error.email': 'Das ist keine gültige E-Mail-Adresse.',
  'cf.error.locale': 'Das ist kein Sprachkürzel wie en oder de-CH.',
  'cf.error.displayName': 'Der Anzeigename ist leer oder zu lang (höchstens 200 Zeichen).',
  'cf.error.externalId': 'Die externe ID ist zu lang (höchstens 200 Zeichen).',

  'imp.open': 'Aus CSV importieren…',
  'imp.title': 'Kunden aus CSV importieren',
  'imp.intro':
    'Die erste Zeile nennt die Spalten: display_name (Pflicht), external_id, phone, email, locale. Jede Zeile wird einzeln geprüft und gespeichert; eine abgelehnte Zeile hält die anderen nicht auf.',
  'imp.file': 'CSV-Datei',
  'imp.updateExisting':
    'Kunden mit bereits vorhandener externer ID aktualisieren (sonst werden diese Zeilen abgelehnt)',
  'imp.rows': '{count} Zeilen zum Importieren.',
  'imp.preview': 'Erste Zeilen',
  'imp.line': 'Zeile',
  'imp.fileProblem': 'Diese Datei kann nicht importiert werden: {problem}',
  'imp.problem.empty': 'Sie ist leer; die erste Zeile muss die Spalten nennen.',
  'imp.problem.quote':
    'Sie ist kein gültiges CSV: Eine Zelle in Anführungszeichen ist nicht geschlossen, oder ein Anführungszeichen steht falsch.',
  'imp.problem.column':
    'Die Spalte „{name}“ ist unbekannt. Bekannte Spalten: display_name, external_id, phone, email, locale.',
  'imp.problem.noName': 'Sie braucht eine Spalte display_name.',
  'imp.problem.cells': 'Zeile {line} hat {found} Zellen, die Kopfzeile {expected}.',
  'imp.checking': 'Die Zeilen werden mit dem Server geprüft…',
  'imp.checkOk':
    'Der Server findet keine Probleme: {created} Kunden werden angelegt, {updated} aktualisiert.',
  'imp.checkProblems':
    'Der Server würde {failed} Zeilen ablehnen; {created} Kunden würden angelegt, {updated} aktualisiert. Die abgelehnten Zeilen lassen sich zuerst in der Datei korrigieren oder beim Import so auslassen.',
  'imp.checkError':
    'Die Zeilen konnten nicht geprüft werden ({error}). Der Import prüft jede Zeile beim Speichern.',
  'imp.problems': 'Gefundene Probleme',
  'imp.start': '{count} Zeilen importieren',
  'imp.stop': 'Anhalten',
  'imp.progress': 'Fortschritt des Imports',
  'imp.progressText': '{done} von {total} Zeilen',
  'imp.summary': 'Import abgeschlossen: {created} angelegt, {updated} aktualisiert, {failed} abgelehnt.',
  'imp.stopped':
    'Import nach {done} von {total} Zeilen angehalten: {created} angelegt, {updated} aktualisiert, {failed} abgelehnt. Die folgenden Zeilen wurden nicht gesendet.',
  'imp.stoppedError': 'Import nach {done} von {total} Zeilen wegen eines Fehlers angehalten: {error}',
  'imp.refused': 'Abgelehnte Zeilen',
  'imp.reason': 'Grund',
  'imp.close': 'Schließen',

  'sec.heading': 'Authenticator-App und Sicherheitsfragen',
  'sec.totp': 'Authenticator-App',
  'sec.totp.none': 'Keine Authenticator-App eingerichtet.',
  'sec.totp.active': 'Eingerichtet am {time}.',
  'sec.totp.setUp': 'Authenticator-App einrichten…',
  'sec.totp.replace': 'Neue App einrichten…',
  'sec.totp.remove': 'App entfernen…',
  'sec.totp.scan':
    'Der Kunde scannt diesen QR-Code mit seiner Authenticator-App oder tippt den Schlüssel ein. Er wird nur jetzt angezeigt.',
  'sec.totp.qrAlt': 'QR-Code, um {tenant} einer Authenticator-App hinzuzufügen',
  'sec.totp.key': 'Schlüssel',
  'sec.totp.code': 'Code, den die App jetzt zeigt',
  'sec.totp.confirm': 'Bestätigen',
  'sec.totp.done': 'Die Authenticator-App ist eingerichtet.',
  'sec.totp.removed': 'Die Authenticator-App wurde entfernt.',
  'sec.totp.WRONG_CODE':
    'Dieser Code stimmt nicht. Prüfen Sie die App und die Uhrzeit des Telefons und geben Sie den aktuellen Code ein.',
  'sec.totp.confirmRemove.title': 'Authenticator-App entfernen?',
  'sec.totp.confirmRemove.body':
    'Der Kunde kann sich nicht mehr mit Codes aus der App ausweisen, bis wieder eine eingerichtet ist.',
  'sec.totp.confirmRemove.confirm': 'App entfernen',
  'sec.q': 'Sicherheitsfragen',
  'sec.q.count': '{count} Fragen sind hinterlegt. Antworten werden nie angezeigt.',
  'sec.q.none': 'Keine Sicherheitsfragen hinterlegt.',
  'sec.q.edit': 'Fragen und Antworten festlegen…',
  'sec.q.question': 'Frage {n}',
  'sec.q.answer': 'Antwort {n}',
  'sec.q.add': 'Frage hinzufügen',
  'sec.q.removeOne': 'Frage {n} entfernen',
  'sec.q.save': 'Fragen speichern',
  'sec.q.saved': 'Die Sicherheitsfragen wurden gespeichert; die alten sind ersetzt.',
  'sec.q.hint': 'Speichern ersetzt alle Fragen und Antworten. Antworten werden nur als Hash gespeichert.',
  'sec.q.invalid': 'Jede Frage braucht 5 bis 200 Zeichen und eine Antwort.',
};
