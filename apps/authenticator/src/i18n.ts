import { createContext, useContext } from 'react';

const en = {
  appName: 'Helpdesk Authenticator',
  appShortName: 'Authenticator',
  language: 'Language',
  skipToContent: 'Skip to content',
  loading: 'Loading…',
  navHome: 'Requests',
  navHistory: 'History',
  navDevice: 'This device',
  navCode: 'Code',
  mainNav: 'Main',

  // Offline code
  codeTitle: 'Code for the agent',
  codeIntro:
    'No notification arrived, or no connection? When you called {company} yourself, read this code to the agent. It works without a network connection.',
  offlineCodeLabel: 'Code for the agent: {digits}',
  codeChangesIn: 'Changes in {seconds} s',
  codeNever: 'Never read this code to someone who called you, and never type it into a website.',
  codeMissing: 'This device has no code for the agent yet. Set it up once while you are online.',
  codeSetUp: 'Set up the code',
  codeSetUpOffline: 'You are offline. Connect to the internet once to set up the code.',
  codeUnavailable: 'The code cannot be set up on this device. Ask the helpdesk to set the device up again.',
  offlineShowCode: 'Show the code for the agent',

  // Enrollment
  welcomeTitle: 'Set up this device',
  welcomeIntro:
    'Your company’s helpdesk can ask this device to confirm that it is really you on the phone. Open the link or scan the QR code the agent showed you, or type the activation code.',
  activationCode: 'Activation code',
  activationHint: '16 letters and digits, for example K7QM-2XPA-9RTD-H4WN',
  deviceName: 'Name of this device',
  deviceNameHint: 'So you recognise it later, for example “My phone”.',
  continue: 'Continue',
  codeFromLink: 'The activation code from your link is filled in.',
  alreadyEnrolled:
    'This device is already set up with {company}. To set it up again, remove it first under “This device”.',
  activationInvalid: 'This activation code is not valid any more. Ask the helpdesk for a new link.',
  activationUnreadable: 'That does not look like an activation code. It has 16 letters and digits.',
  rateLimited: 'Too many tries. Wait a few minutes, then try again.',
  notifyTitle: 'Allow notifications',
  notifyText:
    'When the helpdesk asks you to confirm it is you, this device shows a notification, even when the app is closed. Notifications never contain personal details.',
  notifyAllow: 'Allow notifications',
  notifySkip: 'Not now',
  enrolling: 'Setting up…',
  unlockTitle: 'Set up the unlock',
  unlockText:
    'To approve a request you unlock with your fingerprint, face or device PIN. Nothing about your fingerprint or face leaves this device.',
  unlockSetUp: 'Set up unlock',
  unlockLater: 'Later',
  unlockCancelled:
    'The unlock was not set up. Try again, or choose “Later” if this device has no fingerprint, face or PIN unlock.',
  unlockUnavailable:
    'This browser cannot use your device’s unlock. You can still approve requests with the code.',
  readyTitle: 'You are set up with {company}',
  readyText:
    'When you call {company}, the agent may ask this device to confirm it is you. You will see a request here. The agent reads a short code to you; you type it here and approve.',
  readyNever: 'We will never ask you to read this code to anyone who called you.',
  readyNoPush:
    'Notifications are not available on this device, so requests arrive only while this app is open. Keep it open during the call.',
  done: 'Done',

  // Home
  homeTitle: 'Requests',
  waiting: 'No request right now. When the helpdesk asks you to confirm, it appears here.',
  connected: 'Connected',
  connecting: 'Connecting…',
  offline: 'You are offline. We will try again automatically.',
  reconnecting: 'Cannot reach {company} right now. Trying again in {seconds} s.',
  retryNow: 'Try again now',
  noPushNote: 'Requests arrive only while this app is open.',
  homeScreenTitle: 'On iPhone and iPad: add this app to your Home Screen',
  homeScreenText:
    'Notifications reach an iPhone or iPad only from an app on the Home Screen. Tap Share, then “Add to Home Screen”, and open the app from there.',
  unlockMissing: 'The unlock is not set up on this device yet.',
  howItWorks: 'How it works',
  howItWorksText:
    'The agent reads a short code to you during the call. Type it here and approve. Only the person on the call hears the code.',
  openRequest: 'Open request from {company}',

  // Request
  requestTitle: 'Request from {company}',
  question: 'Are you on the phone with {company} right now?',
  agent: 'Agent',
  reason: 'Reason',
  action: 'You confirm',
  started: 'Started',
  expiresIn: 'Time left',
  codeLabel: 'Code the agent reads out ({digits} digits)',
  codeHint: 'Type the digits you hear on the call.',
  approve: 'Approve with unlock',
  approveNoUnlock: 'Approve',
  deny: 'Deny',
  fraud: 'I am not on a call: report fraud',
  sending: 'Sending…',
  waitingForUnlock: 'Confirm with your fingerprint, face or PIN.',
  wrongCode: 'That code is not right. {attempts} tries left.',
  codeLength: 'Type all {digits} digits.',
  unlockCancelledDecision: 'The unlock was cancelled. Nothing was sent.',
  tooSlow: 'That took too long, or this device’s clock is wrong. Nothing was approved. Try again.',
  uvRequired:
    '{company} requires the unlock with fingerprint, face or PIN, and this device could not prove it. Nothing was approved.',
  networkFailed: 'Could not reach {company}. Your answer was not sent. Check your connection and try again.',
  expired: 'This request has expired. Nothing can be approved any more.',
  answered: 'This request is closed ({status}). Nothing can be approved any more.',
  notTrusted: 'This request could not be checked, so it is not shown.',
  notFound: 'This request was not found.',
  backHome: 'Back to requests',

  // Results
  approvedTitle: 'Approved',
  approvedText: 'You confirmed it is you. The agent now sees that you are verified.',
  deniedTitle: 'Denied',
  deniedText: 'You declined the request. Nothing was approved. The agent sees that you declined.',
  fraudTitle: 'Thank you for telling us',
  fraudText:
    '{company} now knows this request did not come from a call with you. Nothing was approved. If someone is pressuring you on the phone, hang up and call {company} on a number you know.',
  failedTitle: 'Too many wrong codes',
  failedText: 'The request was closed after too many wrong codes. Nothing was approved.',

  // Statuses
  status_pending: 'waiting',
  status_approved: 'approved',
  status_denied: 'denied',
  status_fraud_reported: 'reported as fraud',
  status_expired: 'expired',
  status_cancelled: 'cancelled',
  status_failed: 'failed',
  status_closed: 'closed',

  // History
  historyTitle: 'History',
  historyEmpty: 'No requests yet.',
  historyNote: 'Kept on this device only.',

  // Device
  deviceTitle: 'This device',
  company: 'Company',
  rename: 'Rename',
  renamed: 'Saved.',
  removeTitle: 'Remove this device',
  removeText:
    'After removing, this device cannot confirm calls any more. To use it again, ask the helpdesk for a new activation link.',
  remove: 'Remove this device',
  removeConfirm: 'Yes, remove it',
  cancel: 'Cancel',
  removed: 'This device was removed. Ask the helpdesk for a new activation link to set it up again.',
  notifications: 'Notifications',
  notificationsOn: 'On',
  notificationsOff: 'Off: requests arrive only while the app is open',
  notificationsTurnOn: 'Turn on notifications',
  notificationsUnavailable:
    'Notifications are not available in this browser. Requests arrive while the app is open.',
  notificationsDenied: 'Notifications are blocked for this app. Allow them in the browser’s site settings.',
  unlock: 'Unlock with fingerprint, face or PIN',
  unlockOn: 'Set up',
  unlockOff: 'Not set up',
  errorGeneric: 'Something went wrong. Try again.',
  // Call notices: "Is my bank calling me?"
  callAsk: 'Is {company} calling me?',
  callChecking: 'Checking with {company}…',
  callCheckingText: 'Asking {company} whether someone from there is calling you right now.',
  callActiveTitle: '{company} is calling you now',
  callWho: '{agent}, about {reason}',
  callWhoTeam: '{agent} from {team}, about {reason}',
  callVerified: 'Checked on this device: this notice is signed by {company}.',
  callFromNumber: 'Calling from',
  callUntil: 'Valid until',
  callNumberHint:
    'Callers can fake the number on your screen, but not this notice. If your phone shows a different number, hang up.',
  callCodeAgentReads: 'Ask the caller for the code',
  callCodeAgentReadsHint:
    'The caller should say this code. Never read it out yourself. Then tell us what you heard.',
  callCodeCustomerReads: 'Read this code to the caller',
  callCodeCustomerReadsHint:
    'Read it only to {agent} on this call. It proves to them that they reached you through this app.',
  callSaidThisCode: 'The caller said this code',
  callSaidOtherCode: 'The caller said a different code',
  callFeelsWrong: 'Something is wrong: report this call',
  callNeverCodes:
    '{company} will never ask you for passwords, PINs, or codes from text messages, and never asks you to move money.',
  callConfirmedTitle: 'You are speaking with {company}',
  callConfirmedText: 'The code matches. {agent} is calling you from {company}.',
  callEndedTitle: 'The call has ended',
  callEndedText:
    '{company} has ended this call. If someone is still on the line saying they are from {company}, hang up.',
  callCheckAgain: 'Check again',
  callNoneTitle: 'Nobody from {company} is calling you right now',
  callNoneText: 'Hang up. {company} will never ask you for your codes.',
  callReport: 'Report this call',
  callRefusedTitle: 'This call could not be confirmed',
  callRefusedText:
    'This notice did not come from {company}. Do not share any codes. Hang up, and call {company} on a number you know.',
  callUnreachableTitle: '{company} cannot be reached',
  callUnreachableText:
    'The call cannot be confirmed right now. If in doubt, hang up and call {company} on a number you know.',
  callReportTitle: 'Report a suspicious call',
  callReportText:
    'Your report goes to the fraud team of {company}. If you are still on the call, hang up first.',
  callNumberSeen: 'Number shown on your phone (optional)',
  callNumberSeenHint: 'For example +44 20 7946 0000. Leave it empty if you do not know.',
  callReportSend: 'Send report',
  callReportedTitle: 'Thank you. The call is reported',
  callReportedText:
    '{company} has your report. Hang up if you have not yet. If you shared a code or moved money, call {company} on a number you know.',
  callMismatchText:
    'This caller is not from {company}. Hang up now. We have reported the call; if you shared anything, call {company} on a number you know.',
};

export type MessageKey = keyof typeof en;

const de: Record<MessageKey, string> = {
  appName: 'Helpdesk Authenticator',
  appShortName: 'Authenticator',
  language: 'Sprache',
  skipToContent: 'Zum Inhalt springen',
  loading: 'Wird geladen…',
  navHome: 'Anfragen',
  navHistory: 'Verlauf',
  navDevice: 'Dieses Gerät',
  navCode: 'Code',
  mainNav: 'Hauptmenü',

  codeTitle: 'Code für den Kundenservice',
  codeIntro:
    'Keine Mitteilung angekommen oder keine Verbindung? Wenn Sie {company} selbst angerufen haben, lesen Sie diesen Code dem Mitarbeiter vor. Er funktioniert ohne Netzverbindung.',
  offlineCodeLabel: 'Code für den Kundenservice: {digits}',
  codeChangesIn: 'Ändert sich in {seconds} s',
  codeNever:
    'Lesen Sie diesen Code nie jemandem vor, der Sie angerufen hat, und geben Sie ihn nie auf einer Website ein.',
  codeMissing:
    'Dieses Gerät hat noch keinen Code für den Kundenservice. Richten Sie ihn einmal ein, solange Sie online sind.',
  codeSetUp: 'Code einrichten',
  codeSetUpOffline: 'Sie sind offline. Verbinden Sie sich einmal mit dem Internet, um den Code einzurichten.',
  codeUnavailable:
    'Der Code kann auf diesem Gerät nicht eingerichtet werden. Bitten Sie den Kundenservice, das Gerät neu einzurichten.',
  offlineShowCode: 'Code für den Kundenservice zeigen',

  welcomeTitle: 'Dieses Gerät einrichten',
  welcomeIntro:
    'Der Helpdesk Ihres Unternehmens kann dieses Gerät bitten zu bestätigen, dass wirklich Sie am Telefon sind. Öffnen Sie den Link oder scannen Sie den QR-Code des Mitarbeiters, oder geben Sie den Aktivierungscode ein.',
  activationCode: 'Aktivierungscode',
  activationHint: '16 Buchstaben und Ziffern, zum Beispiel K7QM-2XPA-9RTD-H4WN',
  deviceName: 'Name dieses Geräts',
  deviceNameHint: 'Damit Sie es später wiedererkennen, zum Beispiel „Mein Handy“.',
  continue: 'Weiter',
  codeFromLink: 'Der Aktivierungscode aus Ihrem Link ist eingetragen.',
  alreadyEnrolled:
    'Dieses Gerät ist bereits bei {company} eingerichtet. Um es neu einzurichten, entfernen Sie es zuerst unter „Dieses Gerät“.',
  activationInvalid: 'Dieser Aktivierungscode gilt nicht mehr. Bitten Sie den Helpdesk um einen neuen Link.',
  activationUnreadable: 'Das sieht nicht wie ein Aktivierungscode aus. Er hat 16 Buchstaben und Ziffern.',
  rateLimited: 'Zu viele Versuche. Warten Sie einige Minuten und versuchen Sie es dann erneut.',
  notifyTitle: 'Mitteilungen erlauben',
  notifyText:
    'Wenn der Helpdesk Sie bittet zu bestätigen, dass Sie es sind, zeigt dieses Gerät eine Mitteilung, auch wenn die App geschlossen ist. Mitteilungen enthalten nie persönliche Daten.',
  notifyAllow: 'Mitteilungen erlauben',
  notifySkip: 'Nicht jetzt',
  enrolling: 'Wird eingerichtet…',
  unlockTitle: 'Entsperren einrichten',
  unlockText:
    'Um eine Anfrage zu bestätigen, entsperren Sie mit Fingerabdruck, Gesicht oder Geräte-PIN. Nichts über Ihren Fingerabdruck oder Ihr Gesicht verlässt dieses Gerät.',
  unlockSetUp: 'Entsperren einrichten',
  unlockLater: 'Später',
  unlockCancelled:
    'Das Entsperren wurde nicht eingerichtet. Versuchen Sie es erneut, oder wählen Sie „Später“, wenn dieses Gerät kein Entsperren mit Fingerabdruck, Gesicht oder PIN hat.',
  unlockUnavailable:
    'Dieser Browser kann die Entsperrung Ihres Geräts nicht nutzen. Sie können Anfragen trotzdem mit dem Code bestätigen.',
  readyTitle: 'Sie sind bei {company} eingerichtet',
  readyText:
    'Wenn Sie {company} anrufen, kann der Mitarbeiter dieses Gerät bitten zu bestätigen, dass Sie es sind. Sie sehen dann hier eine Anfrage. Der Mitarbeiter liest Ihnen einen kurzen Code vor; Sie geben ihn hier ein und bestätigen.',
  readyNever: 'Wir werden Sie nie bitten, diesen Code jemandem vorzulesen, der Sie angerufen hat.',
  readyNoPush:
    'Mitteilungen sind auf diesem Gerät nicht verfügbar. Anfragen kommen daher nur an, während diese App geöffnet ist. Lassen Sie sie während des Anrufs geöffnet.',
  done: 'Fertig',

  homeTitle: 'Anfragen',
  waiting: 'Gerade keine Anfrage. Wenn der Helpdesk Sie um eine Bestätigung bittet, erscheint sie hier.',
  connected: 'Verbunden',
  connecting: 'Verbindung wird hergestellt…',
  offline: 'Sie sind offline. Wir versuchen es automatisch erneut.',
  reconnecting: '{company} ist gerade nicht erreichbar. Neuer Versuch in {seconds} s.',
  retryNow: 'Jetzt erneut versuchen',
  noPushNote: 'Anfragen kommen nur an, während diese App geöffnet ist.',
  homeScreenTitle: 'Auf iPhone und iPad: diese App zum Home-Bildschirm hinzufügen',
  homeScreenText:
    'Mitteilungen erreichen ein iPhone oder iPad nur über eine App auf dem Home-Bildschirm. Tippen Sie auf „Teilen“, dann auf „Zum Home-Bildschirm“, und öffnen Sie die App von dort.',
  unlockMissing: 'Das Entsperren ist auf diesem Gerät noch nicht eingerichtet.',
  howItWorks: 'So funktioniert es',
  howItWorksText:
    'Der Mitarbeiter liest Ihnen während des Anrufs einen kurzen Code vor. Geben Sie ihn hier ein und bestätigen Sie. Nur wer am Telefon ist, hört den Code.',
  openRequest: 'Anfrage von {company} öffnen',

  requestTitle: 'Anfrage von {company}',
  question: 'Telefonieren Sie gerade mit {company}?',
  agent: 'Mitarbeiter',
  reason: 'Grund',
  action: 'Sie bestätigen',
  started: 'Gestartet',
  expiresIn: 'Verbleibende Zeit',
  codeLabel: 'Code, den der Mitarbeiter vorliest ({digits} Ziffern)',
  codeHint: 'Geben Sie die Ziffern ein, die Sie im Gespräch hören.',
  approve: 'Mit Entsperren bestätigen',
  approveNoUnlock: 'Bestätigen',
  deny: 'Ablehnen',
  fraud: 'Ich telefoniere nicht: Betrug melden',
  sending: 'Wird gesendet…',
  waitingForUnlock: 'Bestätigen Sie mit Fingerabdruck, Gesicht oder PIN.',
  wrongCode: 'Dieser Code stimmt nicht. Noch {attempts} Versuche.',
  codeLength: 'Geben Sie alle {digits} Ziffern ein.',
  unlockCancelledDecision: 'Das Entsperren wurde abgebrochen. Es wurde nichts gesendet.',
  tooSlow:
    'Das hat zu lange gedauert, oder die Uhr dieses Geräts geht falsch. Es wurde nichts bestätigt. Bitte erneut versuchen.',
  uvRequired:
    '{company} verlangt das Entsperren mit Fingerabdruck, Gesicht oder PIN, und dieses Gerät konnte es nicht nachweisen. Es wurde nichts bestätigt.',
  networkFailed:
    '{company} ist nicht erreichbar. Ihre Antwort wurde nicht gesendet. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  expired: 'Diese Anfrage ist abgelaufen. Sie kann nicht mehr bestätigt werden.',
  answered: 'Diese Anfrage ist abgeschlossen ({status}). Sie kann nicht mehr bestätigt werden.',
  notTrusted: 'Diese Anfrage konnte nicht geprüft werden und wird daher nicht angezeigt.',
  notFound: 'Diese Anfrage wurde nicht gefunden.',
  backHome: 'Zurück zu den Anfragen',

  approvedTitle: 'Bestätigt',
  approvedText:
    'Sie haben bestätigt, dass Sie es sind. Der Mitarbeiter sieht jetzt, dass Sie verifiziert sind.',
  deniedTitle: 'Abgelehnt',
  deniedText:
    'Sie haben die Anfrage abgelehnt. Es wurde nichts bestätigt. Der Mitarbeiter sieht die Ablehnung.',
  fraudTitle: 'Danke für Ihre Meldung',
  fraudText:
    '{company} weiß jetzt, dass diese Anfrage nicht aus einem Gespräch mit Ihnen kam. Es wurde nichts bestätigt. Wenn Sie am Telefon jemand unter Druck setzt, legen Sie auf und rufen Sie {company} unter einer Nummer an, die Sie kennen.',
  failedTitle: 'Zu viele falsche Codes',
  failedText: 'Die Anfrage wurde nach zu vielen falschen Codes geschlossen. Es wurde nichts bestätigt.',

  status_pending: 'wartet',
  status_approved: 'bestätigt',
  status_denied: 'abgelehnt',
  status_fraud_reported: 'als Betrug gemeldet',
  status_expired: 'abgelaufen',
  status_cancelled: 'abgebrochen',
  status_failed: 'fehlgeschlagen',
  status_closed: 'beendet',

  historyTitle: 'Verlauf',
  historyEmpty: 'Noch keine Anfragen.',
  historyNote: 'Nur auf diesem Gerät gespeichert.',

  deviceTitle: 'Dieses Gerät',
  company: 'Unternehmen',
  rename: 'Umbenennen',
  renamed: 'Gespeichert.',
  removeTitle: 'Dieses Gerät entfernen',
  removeText:
    'Nach dem Entfernen kann dieses Gerät keine Anrufe mehr bestätigen. Um es wieder zu nutzen, bitten Sie den Helpdesk um einen neuen Aktivierungslink.',
  remove: 'Dieses Gerät entfernen',
  removeConfirm: 'Ja, entfernen',
  cancel: 'Abbrechen',
  removed:
    'Dieses Gerät wurde entfernt. Bitten Sie den Helpdesk um einen neuen Aktivierungslink, um es wieder einzurichten.',
  notifications: 'Mitteilungen',
  notificationsOn: 'Ein',
  notificationsOff: 'Aus: Anfragen kommen nur bei geöffneter App an',
  notificationsTurnOn: 'Mitteilungen einschalten',
  notificationsUnavailable:
    'Mitteilungen sind in diesem Browser nicht verfügbar. Anfragen kommen an, während die App geöffnet ist.',
  notificationsDenied:
    'Mitteilungen sind für diese App blockiert. Erlauben Sie sie in den Website-Einstellungen des Browsers.',
  unlock: 'Entsperren mit Fingerabdruck, Gesicht oder PIN',
  unlockOn: 'Eingerichtet',
  unlockOff: 'Nicht eingerichtet',
  errorGeneric: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
  callAsk: 'Ruft {company} mich an?',
  callChecking: 'Nachfrage bei {company}…',
  callCheckingText: 'Wir fragen bei {company} nach, ob Sie gerade von dort angerufen werden.',
  callActiveTitle: '{company} ruft Sie gerade an',
  callWho: '{agent}, Anliegen: {reason}',
  callWhoTeam: '{agent} vom Team {team}, Anliegen: {reason}',
  callVerified: 'Auf diesem Gerät geprüft: Dieser Hinweis ist von {company} signiert.',
  callFromNumber: 'Anruf von',
  callUntil: 'Gültig bis',
  callNumberHint:
    'Anrufer können die angezeigte Nummer fälschen, diesen Hinweis nicht. Zeigt Ihr Telefon eine andere Nummer, legen Sie auf.',
  callCodeAgentReads: 'Fragen Sie den Anrufer nach dem Code',
  callCodeAgentReadsHint:
    'Der Anrufer sollte diesen Code nennen. Lesen Sie ihn nie selbst vor. Sagen Sie uns dann, was Sie gehört haben.',
  callCodeCustomerReads: 'Lesen Sie diesen Code dem Anrufer vor',
  callCodeCustomerReadsHint:
    'Nur {agent} in diesem Anruf. Damit sieht der Anrufer, dass er Sie über diese App erreicht hat.',
  callSaidThisCode: 'Der Anrufer hat diesen Code genannt',
  callSaidOtherCode: 'Der Anrufer hat einen anderen Code genannt',
  callFeelsWrong: 'Etwas stimmt nicht: Anruf melden',
  callNeverCodes:
    '{company} fragt Sie nie nach Passwörtern, PINs oder Codes aus SMS und fordert Sie nie auf, Geld zu überweisen.',
  callConfirmedTitle: 'Sie sprechen mit {company}',
  callConfirmedText: 'Der Code stimmt. {agent} ruft Sie von {company} an.',
  callEndedTitle: 'Der Anruf ist beendet',
  callEndedText:
    '{company} hat diesen Anruf beendet. Wenn noch jemand in der Leitung ist und sagt, er sei von {company}, legen Sie auf.',
  callCheckAgain: 'Erneut prüfen',
  callNoneTitle: 'Niemand von {company} ruft Sie gerade an',
  callNoneText: 'Legen Sie auf. {company} fragt Sie nie nach Ihren Codes.',
  callReport: 'Anruf melden',
  callRefusedTitle: 'Dieser Anruf konnte nicht bestätigt werden',
  callRefusedText:
    'Dieser Hinweis stammt nicht von {company}. Geben Sie keine Codes weiter. Legen Sie auf und rufen Sie {company} unter einer Nummer an, die Sie kennen.',
  callUnreachableTitle: '{company} ist nicht erreichbar',
  callUnreachableText:
    'Der Anruf kann gerade nicht bestätigt werden. Legen Sie im Zweifel auf und rufen Sie {company} unter einer Nummer an, die Sie kennen.',
  callReportTitle: 'Verdächtigen Anruf melden',
  callReportText:
    'Ihre Meldung geht an das Betrugsteam von {company}. Wenn Sie noch telefonieren, legen Sie zuerst auf.',
  callNumberSeen: 'Auf Ihrem Telefon angezeigte Nummer (optional)',
  callNumberSeenHint: 'Zum Beispiel +49 30 1234567. Lassen Sie das Feld leer, wenn Sie sie nicht kennen.',
  callReportSend: 'Meldung senden',
  callReportedTitle: 'Danke. Der Anruf ist gemeldet',
  callReportedText:
    '{company} hat Ihre Meldung. Legen Sie auf, falls noch nicht geschehen. Wenn Sie einen Code weitergegeben oder Geld überwiesen haben, rufen Sie {company} unter einer Nummer an, die Sie kennen.',
  callMismatchText:
    'Dieser Anrufer ist nicht von {company}. Legen Sie jetzt auf. Wir haben den Anruf gemeldet; wenn Sie etwas weitergegeben haben, rufen Sie {company} unter einer Nummer an, die Sie kennen.',
};

export const catalogues = { en, de } as const;
export type Language = keyof typeof catalogues;
export const languages: Language[] = ['en', 'de'];
export const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch' };

const storageKey = 'helpdesk-auth.authenticator.language';

/** The saved choice, else the browser's first language we have, else English. */
export function preferredLanguage(): Language {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'en' || saved === 'de') return saved;
  } catch {
    // Storage refused: fall back to the browser's languages.
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'en' || base === 'de') return base;
  }
  return 'en';
}

export function saveLanguage(language: Language): void {
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // Not saved; the choice lasts for this page.
  }
}

export type Params = Record<string, string | number>;

export function translate(language: Language, key: MessageKey, params?: Params): string {
  const text = catalogues[language][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

export interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, params?: Params): string;
  time(date: Date): string;
  dateTime(date: Date): string;
}

export const I18nContext = createContext<I18n | null>(null);

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nContext');
  return value;
}
