import type { CustomerMessageKey } from './customer.en.ts';

/** German messages of the fraud procedure, the supervisor actions, enrollment and refusals. */
export const customerDe: Record<CustomerMessageKey, string> = {
  'cust.fraud.title': 'Betrug gemeldet: Betrugsablauf befolgen',
  'cust.fraud.when':
    'Am {time} hat die Kundin oder der Kunde am Telefon gemeldet, nicht mit uns zu sprechen. Wer anruft, gibt sich womöglich als sie oder er aus.',
  'cust.fraud.step1':
    'Anrufende nicht verifizieren, nichts am Konto ändern und kein Gerät einrichten, egal was sie sagen.',
  'cust.fraud.step2':
    'Den Anruf an eine Supervisorin oder einen Supervisor übergeben. Die anrufende Nummer und das Anliegen notieren.',
  'cust.fraud.step3':
    'Die Supervision klärt den Fall mit der Kundin oder dem Kunden über die hinterlegte Telefonnummer oder E-Mail-Adresse und schließt die Meldung dann in der Konsole ab.',
  'cust.fraud.showMethods': 'Verifizierungsmethoden trotzdem anzeigen',
  'cust.fraud.methodsHint': 'Nur mit Zustimmung der Supervision: Die Meldung ist noch offen.',
  'cust.fraud.resolved': 'Die Betrugsmeldung vom {time} wurde am {resolved} abgeschlossen.',
  'cust.pushLockedFraud':
    'Die Push-Bestätigung ist nach der Betrugsmeldung gesperrt. Supervision oder Admin heben die Sperre nach Rücksprache mit der Kundin oder dem Kunden auf.',
  'cust.pushLockedDenials':
    'Die Push-Bestätigung ist nach wiederholten Ablehnungen gesperrt. Supervision oder Admin heben die Sperre nach Rücksprache mit der Kundin oder dem Kunden auf.',
  'cust.questionsLocked':
    'Die Sicherheitsfragen sind nach fehlgeschlagenen Prüfungen gesperrt. Supervision oder Admin entsperren sie.',

  'cust.action.resolve': 'Betrugsmeldung abschließen …',
  'cust.action.clearPush': 'Push-Sperre aufheben …',
  'cust.action.unlockQuestions': 'Sicherheitsfragen entsperren …',
  'cust.action.revoke': 'Sperren …',
  'cust.action.revokeLabel': '{device} sperren …',
  'cust.confirm.cancel': 'Abbrechen',
  'cust.confirm.resolve.title': 'Betrugsmeldung abschließen?',
  'cust.confirm.resolve.body':
    'Erst, wenn Sie über die hinterlegte Telefonnummer oder E-Mail-Adresse mit der Kundin oder dem Kunden geklärt haben, was geschehen ist. Push bleibt gesperrt, bis Sie auch die Sperre aufheben.',
  'cust.confirm.resolve.note': 'Was festgestellt und getan wurde (kommt ins Audit-Protokoll)',
  'cust.confirm.resolve.confirm': 'Meldung abschließen',
  'cust.confirm.clearPush.title': 'Push-Sperre aufheben?',
  'cust.confirm.clearPush.body':
    'Push-Anfragen erreichen die Geräte der Kundin oder des Kunden wieder. Nur, nachdem sie oder er über die hinterlegte Nummer bestätigt hat, dass die Geräte ihr oder ihm gehören.',
  'cust.confirm.clearPush.confirm': 'Push-Sperre aufheben',
  'cust.confirm.unlockQuestions.title': 'Sicherheitsfragen entsperren?',
  'cust.confirm.unlockQuestions.body':
    'Die fehlgeschlagenen Prüfungen werden vergessen, und Anrufende dürfen erneut antworten. Nur nach Rücksprache mit der Kundin oder dem Kunden.',
  'cust.confirm.unlockQuestions.confirm': 'Fragen entsperren',
  'cust.confirm.revoke.title': '{device} sperren?',
  'cust.confirm.revoke.body':
    'Das Gerät kann danach nichts mehr bestätigen. Das lässt sich nicht rückgängig machen: Um es wieder zu nutzen, richtet die Kundin oder der Kunde es neu ein.',
  'cust.confirm.revoke.confirm': 'Gerät sperren',
  'cust.done.resolved': 'Betrugsmeldung abgeschlossen. Die Notiz steht im Audit-Protokoll.',
  'cust.done.pushCleared': 'Push-Sperre aufgehoben.',
  'cust.done.questionsUnlocked': 'Sicherheitsfragen entsperrt.',
  'cust.done.revoked': '{device} gesperrt.',

  'enr.intro':
    'Senden Sie den Aktivierungslink an die hinterlegte Telefonnummer oder E-Mail-Adresse: So erreicht er die Kundin oder den Kunden, nicht irgendwen am Telefon. Er gilt einmal, 10 Minuten lang.',
  'enr.sendSms': 'Link per SMS an {to} senden',
  'enr.sendEmail': 'Link per E-Mail an {to} senden',
  'enr.noContact':
    'Es sind keine Telefonnummer und keine E-Mail-Adresse hinterlegt. Richten Sie das Gerät in einer Filiale ein, oder ergänzen Sie zuerst einen Kontakt.',
  'enr.waiting': 'Warten, bis die Kundin oder der Kunde das Gerät einrichtet …',
  'enr.enrolled':
    '{label} ({platform}) ist eingerichtet. Die anderen Geräte sowie die hinterlegte Telefonnummer und E-Mail-Adresse werden benachrichtigt.',
  'enr.qr.heading': 'Kundin oder Kunde in der Filiale oder in diesem Anruf verifiziert',
  'enr.qr.explain':
    'Ein QR-Code ist für jemanden, der vor Ihnen steht, oder der in diesem Anruf so stark verifiziert wurde, wie die Richtlinie verlangt.',
  'enr.qr.show': 'QR-Code anzeigen',
  'enr.qr.refused':
    'Diese Kundin oder dieser Kunde wurde in den letzten 15 Minuten nicht stark genug verifiziert (nötig: {assurance}). Verifizieren Sie zuerst, oder prüfen Sie den Ausweis persönlich.',
  'enr.inBranch.legend': 'Identität persönlich geprüft',
  'enr.inBranch.note': 'Welches Dokument haben Sie geprüft?',
  'enr.inBranch.confirm':
    'Ich habe den Ausweis der Kundin oder des Kunden persönlich in einer Filiale geprüft.',
  'enr.inBranch.submit': 'QR-Code anzeigen',
  'enr.qr.alt': 'QR-Code zum Scannen mit der {tenant}-App',
  'enr.qr.scan':
    'Die Kundin oder der Kunde scannt ihn mit der {tenant}-App auf dem eigenen Telefon. Er gilt einmal, bis {time}.',
  'enr.code.summary': 'Scannen klappt nicht? Code zum Eintippen zeigen',
  'enr.code.warning':
    'Drehen Sie den Bildschirm zur Kundin oder zum Kunden und lassen Sie ihn am Telefon eintippen. Niemals vorlesen, senden oder aufschreiben.',
  'enr.again': 'Neuer QR-Code',
  'enr.close': 'Schließen',

  'err.METHOD_UNAVAILABLE': 'Diese Methode ist für diese Kundin oder diesen Kunden gerade nicht möglich.',
  'err.reason.PUSH_LOCKED_FRAUD':
    'Die Kundin oder der Kunde hat Betrug gemeldet, daher ist die Push-Bestätigung gesperrt. Nicht verifizieren: Übergeben Sie den Anruf an die Supervision.',
  'err.reason.PUSH_LOCKED_DENIALS':
    'Die Kundin oder der Kunde hat mehrere Anfragen abgelehnt, daher ist die Push-Bestätigung gesperrt. Übergeben Sie den Anruf an die Supervision.',
  'err.IDENTITY_CHECK_REQUIRED':
    'Ein QR-Code braucht eine Verifizierung in diesem Anruf oder eine persönliche Ausweisprüfung. Senden Sie den Link stattdessen an die hinterlegte Nummer oder Adresse.',
  'err.FRAUD_REPORT_NOT_OPEN':
    'Es gibt keine offene Betrugsmeldung mehr: Vielleicht hat sie gerade jemand abgeschlossen. Die Seite zeigt den aktuellen Stand.',
  'err.CHANNEL_UNAVAILABLE': 'Die Nachricht erreicht diese Kundin oder diesen Kunden nicht: {reason}',
  'err.DELIVERY_FAILED':
    'Der Nachrichtendienst hat die Nachricht nicht angenommen, es wurde nichts gesendet. Versuchen Sie es gleich noch einmal.',
  'err.TOO_MANY_FAILURES':
    'Zu viele Fehlversuche für diese Kundin oder diesen Kunden in der letzten Stunde. Keine weiteren Methoden versuchen: Übergeben Sie den Anruf an die Supervision.',
  'err.RATE_LIMITED': 'Zu viele Anfragen. Warten Sie kurz und versuchen Sie es dann erneut.',
  'err.CONFLICT': 'Jemand hat das gleichzeitig geändert. Laden Sie die Seite neu und prüfen Sie den Stand.',
  'err.CUSTOMER_HAS_NO_DEVICE': 'Die Kundin oder der Kunde hat kein eingerichtetes Gerät für eine Anfrage.',
};
