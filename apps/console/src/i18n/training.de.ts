/**
 * Deutsche Texte des Übungsbereichs (Agenten-Training) und der Einführungstour; dieselben
 * Schlüssel wie `training.en.ts`.
 */
import type { trainingEn } from './training.en.ts';

export const trainingDe: Record<keyof typeof trainingEn, string> = {
  'nav.practice': 'Üben',
  'help.menu': 'Hilfe',
  'help.tour': 'Tour noch einmal zeigen',
  'help.practice': 'Ein Gespräch üben',

  'practice.badge': 'Übung',
  'practice.banner':
    'Übungsgespräch: {name} ist erfunden. Nichts hier erreicht echte Kunden, verschickt echte Nachrichten oder zählt in Statistiken.',
  'practice.bannerSession':
    'Übung: Alle Anrufer darin sind erfunden. Nichts hier erreicht echte Kunden, verschickt echte Nachrichten oder zählt in Statistiken.',
  'practice.title': 'Üben',
  'practice.intro':
    'Üben Sie Prüfungen mit erfundenen Anrufern, deren Telefone wie echte antworten: Sie bestätigen, lehnen ab, melden Betrug, sind nicht erreichbar, tippen einen falschen Code, haben kein Smartphone oder scheitern an den Sicherheitsfragen. Sie arbeiten mit denselben Seiten wie im echten Gespräch.',
  'practice.new': 'Neue Übung',
  'practice.scenarios': 'Szenarien',
  'practice.scenarios.all': 'Alle sieben, der Reihe nach',
  'practice.assignTo': 'Für',
  'practice.assignTo.me': 'Mich',
  'practice.start': 'Übung beginnen',
  'practice.assign': 'Übung zuweisen',
  'practice.starting': 'Die Anrufer werden vorbereitet…',
  'practice.assigned': 'Übung an {name} zugewiesen.',
  'practice.sessions': 'Übungen',
  'practice.sessions.none': 'Noch keine Übungen.',
  'practice.col.agent': 'Agent',
  'practice.col.created': 'Erstellt',
  'practice.col.status': 'Stand',
  'practice.col.score': 'Ergebnis',
  'practice.status.assigned': 'Zugewiesen',
  'practice.status.active': 'Läuft',
  'practice.status.finished': 'Abgeschlossen',
  'practice.open': 'Öffnen',
  'practice.startAssigned': 'Beginnen',
  'practice.scoreShort': 'Methode {methods}/{steps} · Reaktion {reactions}/{steps} · {time}',

  'practice.session.title': 'Übung',
  'practice.session.step': 'Gespräch {n} von {total}',
  'practice.session.onLine': '{name} ist am Apparat.',
  'practice.session.task':
    'Öffnen Sie den Anrufer, prüfen Sie ihn wie in einem echten Gespräch und geben Sie dann an, wie das Gespräch endete.',
  'practice.session.openCaller': 'Anrufer öffnen',
  'practice.session.openWidget': 'Im Prüf-Panel üben',
  'practice.session.waitingStart':
    'Ihre Teamleitung hat Ihnen diese Übung zugewiesen. Beginnen Sie, wenn Sie bereit sind.',
  'practice.session.finished': 'Übung abgeschlossen',
  'practice.session.again': 'Noch einmal üben',
  'practice.session.back': 'Alle Übungen',

  'practice.caller.title': 'Was der Anrufer sagt',
  'practice.caller.nothing': 'Der Anrufer wartet auf Sie.',
  'practice.caller.reads': '„In meiner SMS steht: {text}“',
  'practice.caller.answers': 'Auf die Sicherheitsfragen antwortet der Anrufer:',
  'practice.caller.answer': '„{answer}“',

  'practice.end.title': 'Wie endete das Gespräch?',
  'practice.end.verified': 'Anrufer bestätigt',
  'practice.end.not_verified': 'Nicht bestätigt',
  'practice.end.handed_to_supervisor': 'An Teamleitung übergeben',
  'practice.end.sending': 'Wird gespeichert…',
  'practice.end.next': 'Nächster Anrufer: {name}.',

  'practice.score.title': 'Ihr Ergebnis',
  'practice.score.methods': 'Richtige Methode',
  'practice.score.reactions': 'Richtige Reaktion',
  'practice.score.time': 'Zeit in Gesprächen',
  'practice.score.of': '{n} von {total}',
  'practice.score.col.call': 'Gespräch',
  'practice.score.col.scenario': 'Was das Telefon tat',
  'practice.score.col.methods': 'Ihre Methoden',
  'practice.score.col.method': 'Methode',
  'practice.score.col.reaction': 'Reaktion',
  'practice.score.col.time': 'Zeit',
  'practice.score.right': 'Richtig',
  'practice.score.wrong': 'Nicht richtig',
  'practice.score.noMethod': 'keine',
  'practice.score.seconds': '{s} s',

  'practice.reset.title': 'Übungsbereich zurücksetzen',
  'practice.reset.help':
    'Leert den Übungsbereich der ganzen Organisation auf einmal, etwa bevor eine neue Gruppe mit dem Training beginnt. Ohne Zurücksetzen werden Übungen nach der Aufbewahrungsfrist von selbst entfernt.',
  'practice.reset.button': 'Übungsbereich zurücksetzen',
  'practice.reset.working': 'Wird zurückgesetzt…',
  'practice.reset.confirm.title': 'Übungsbereich zurücksetzen?',
  'practice.reset.confirm.body':
    'Damit werden alle Übungen aller Mitarbeitenden entfernt, auch laufende, und alle erfundenen Kunden mit allem, was für sie angelegt wurde (ihre Telefone, Prüfungen, Codes und Nachrichten). Echte Kunden und das Prüfprotokoll bleiben unberührt. Das lässt sich nicht rückgängig machen.',
  'practice.reset.confirm.confirm': 'Alle Übungsdaten entfernen',
  'practice.reset.done': 'Übungsbereich zurückgesetzt: {sessions}, {customers} und {messages} entfernt.',
  'practice.reset.empty': 'Übungsbereich zurückgesetzt: Er war schon leer, nichts wurde entfernt.',
  'practice.reset.sessions.one': '1 Übung',
  'practice.reset.sessions.other': '{n} Übungen',
  'practice.reset.customers.one': '1 erfundener Kunde',
  'practice.reset.customers.other': '{n} erfundene Kunden',
  'practice.reset.messages.one': '1 Übungsnachricht',
  'practice.reset.messages.other': '{n} Übungsnachrichten',

  'audit.action.practice.customer_created': 'Erfundener Kunde angelegt',
  'audit.sentence.practice.customer_created':
    '{actor} hat den erfundenen Kunden {customer} zum Üben angelegt.',
  'audit.action.practice.session_assigned': 'Übung zugewiesen',
  'audit.sentence.practice.session_assigned': '{actor} hat eine Übung zugewiesen.',
  'audit.action.practice.session_started': 'Übung begonnen',
  'audit.sentence.practice.session_started': '{actor} hat eine Übung begonnen.',
  'audit.action.practice.step_concluded': 'Übungsgespräch abgeschlossen',
  'audit.sentence.practice.step_concluded': '{actor} hat Gespräch {call} einer Übung abgeschlossen.',
  'audit.action.practice.session_finished': 'Übung abgeschlossen',
  'audit.sentence.practice.session_finished':
    '{actor} hat eine Übung abgeschlossen (Gespräche: {steps}, richtige Methode: {methodsRight}, richtige Reaktion: {reactionsRight}, Sekunden insgesamt: {totalSeconds}).',
  'audit.action.practice.reset': 'Übungsbereich zurückgesetzt',
  'audit.sentence.practice.reset':
    '{actor} hat den Übungsbereich zurückgesetzt und alle Übungsdaten entfernt (Übungen: {sessions}, erfundene Kunden: {customers}, Übungsnachrichten: {messages}).',
  'audit.action.practice.purged': 'Alte Übungen entfernt',
  'audit.sentence.practice.purged':
    '{actor} hat die Übungen entfernt, die älter als {retentionDays} Tage waren, mit ihren erfundenen Kunden (Übungen: {sessions}, erfundene Kunden: {customers}).',

  'practice.scenario.approves': 'Bestätigt nach kurzer Zeit',
  'practice.scenario.denies': 'Lehnt die Anfrage ab',
  'practice.scenario.reports_fraud': 'Meldet Betrug: „Ich telefoniere gerade nicht“',
  'practice.scenario.unreachable': 'Nicht erreichbar (kein Push kommt an)',
  'practice.scenario.wrong_code': 'Tippt zuerst einen falschen Code',
  'practice.scenario.no_smartphone': 'Hat kein Smartphone (nur SMS)',
  'practice.scenario.fails_questions': 'Scheitert an den Sicherheitsfragen',

  'practice.hint.approves': 'Zuerst Push; der Anrufer bestätigt. Bestätigt.',
  'practice.hint.denies':
    'Eine Ablehnung heißt: Der Besitzer des Telefons hat nicht bestätigt. Nicht bestätigt.',
  'practice.hint.reports_fraud':
    'Nach einer Betrugsmeldung aufhören: keine weitere Methode, das Gespräch an die Teamleitung übergeben.',
  'practice.hint.unreachable': 'Zuerst Push; ist das Telefon nicht erreichbar, per SMS-Code weiter.',
  'practice.hint.wrong_code': 'Den Code langsam noch einmal vorlesen; beim zweiten Mal stimmt er.',
  'practice.hint.no_smartphone': 'Kein Gerät: gleich den SMS-Code nehmen.',
  'practice.hint.fails_questions': 'Falsche Antworten: nicht bestätigt (oder an die Teamleitung übergeben).',

  'tour.label': 'Tour durch die Konsole',
  'tour.progress': 'Schritt {n} von {total}',
  'tour.next': 'Weiter',
  'tour.back': 'Zurück',
  'tour.done': 'Fertig',
  'tour.skip': 'Tour überspringen',
  'tour.welcome.title': 'Willkommen bei Helpdesk Auth',
  'tour.welcome.body':
    'Eine kurze Tour: wo Sie einen Anrufer prüfen und was Sie sagen. Sie dauert eine Minute; mit Escape verlassen Sie sie jederzeit.',
  'tour.search.title': 'Den Anrufer finden',
  'tour.search.body':
    'Geben Sie hier Name, Telefonnummer oder Kundennummer des Anrufers ein und öffnen Sie seine Seite.',
  'tour.verify.title': '„Anrufer prüfen“ drücken',
  'tour.verify.body':
    'Auf der Seite des Anrufers schickt die Schaltfläche „Anrufer prüfen“ eine Anfrage an sein Telefon und zeigt Ihnen einen kurzen Code.',
  'tour.say.title': 'Was Sie sagen',
  'tour.say.body':
    '„Zu Ihrer Sicherheit schicke ich Ihnen eine Anfrage aufs Telefon. Bitte öffnen Sie die App und geben Sie den Code ein, den ich Ihnen vorlese.“ Dann lesen Sie den Code vor.',
  'tour.fallback.title': 'Wenn Push nicht geht',
  'tour.fallback.body':
    'Ist das Telefon nicht erreichbar oder hat der Anrufer kein Smartphone, bietet die Seite die nächste Methode an (SMS-Code, Sicherheitsfragen). Meldet der Anrufer Betrug, hören Sie auf und übergeben Sie an die Teamleitung.',
  'tour.practice.title': 'Erst üben',
  'tour.practice.body':
    'Unter „Üben“ (oder Hilfe → Ein Gespräch üben) können Sie all das mit erfundenen Anrufern proben. Die Tour finden Sie jederzeit wieder unter „Hilfe“.',
};
