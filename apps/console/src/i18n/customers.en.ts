/**
 * English messages of customer maintenance: the new-customer and edit forms, the CSV import with
 * its progress, and the authenticator-app and security-question set-up. Spread into `en`
 * (en.ts); `customers.de.ts` must have exactly these keys.
 */
export const customersEn = {
  'cf.new': 'New customer…',
  'cf.edit': 'Edit…',
  'cf.title.new': 'New customer',
  'cf.title.edit': 'Edit {name}',
  'cf.displayName': 'Display name',
  'cf.externalId': 'External id (optional)',
  'cf.externalId.hint': 'The customer number in your own systems.',
  'cf.phone': 'Phone number (optional)',
  'cf.phone.hint': 'In international form, such as +41 44 668 18 00.',
  'cf.email': 'E-mail address (optional)',
  'cf.locale': 'Language (optional)',
  'cf.locale.hint': 'A language tag such as en or de-CH: messages to the customer use it.',
  'cf.phoneWarning':
    'Changing the phone number starts the SIM-swap window: SMS codes to the new number are refused for the number of days the policy sets, and the customer page shows the change.',
  'cf.phoneWarningDays':
    "Changing the phone number starts the SIM-swap window: SMS codes to this customer are refused for {days} days (the policy's sms.simSwapDays), and the customer page shows the change.",
  'cf.phoneWarningOff':
    'Changing the phone number shows on the customer page. The policy does not hold SMS codes back after a change (sms.simSwapDays is 0).',
  'cf.create': 'Create customer',
  'cf.save': 'Save changes',
  'cf.cancel': 'Cancel',
  'cf.saving': 'Saving…',
  'cf.saved': 'The customer was saved.',
  'cf.problems': 'Some fields need correcting.',
  'cf.error.required': 'Enter a display name.',
  'cf.error.INVALID_PHONE_NUMBER':
    'This is not a valid phone number in international form. Start with + and the country code, such as +41 44 668 18 00.',
  'cf.error.EXTERNAL_ID_TAKEN': 'Another customer already has this external id.',
  'cf.error.email': 'This is not a valid e-mail address.',
  'cf.error.locale': 'This is not a language tag such as en or de-CH.',
  'cf.error.displayName': 'The display name is empty or too long (up to 200 characters).',
  'cf.error.externalId': 'The external id is too long (up to 200 characters).',

  'imp.open': 'Import from CSV…',
  'imp.title': 'Import customers from CSV',
  'imp.intro':
    'The first line names the columns: display_name (required), external_id, phone, email, locale. Each row is checked and saved on its own; a refused row does not stop the others.',
  'imp.file': 'CSV file',
  'imp.updateExisting':
    'Update customers whose external id already exists (otherwise those rows are refused)',
  'imp.rows': '{count} rows to import.',
  'imp.preview': 'First rows',
  'imp.line': 'Line',
  'imp.fileProblem': 'This file cannot be imported: {problem}',
  'imp.problem.empty': 'it is empty; the first line must name the columns.',
  'imp.problem.quote': 'it is not valid CSV: a quoted cell is not closed, or a quote is out of place.',
  'imp.problem.column':
    'the column “{name}” is unknown. Known columns: display_name, external_id, phone, email, locale.',
  'imp.problem.noName': 'it needs a display_name column.',
  'imp.problem.cells': 'line {line} has {found} cells, the header {expected}.',
  'imp.checking': 'Checking the rows with the server…',
  'imp.checkOk': 'The server finds no problems: {created} customers to create, {updated} to update.',
  'imp.checkProblems':
    'The server would refuse {failed} rows; {created} customers would be created, {updated} updated. The refused rows can be corrected in the file first, or left out by importing as it is.',
  'imp.checkError': 'The rows could not be checked ({error}). The import checks each row as it goes.',
  'imp.problems': 'Problems found',
  'imp.start': 'Import {count} rows',
  'imp.stop': 'Stop',
  'imp.progress': 'Import progress',
  'imp.progressText': '{done} of {total} rows',
  'imp.summary': 'Import finished: {created} created, {updated} updated, {failed} refused.',
  'imp.stopped':
    'Import stopped after {done} of {total} rows: {created} created, {updated} updated, {failed} refused. The rows after that were not sent.',
  'imp.stoppedError': 'Import stopped after {done} of {total} rows because of an error: {error}',
  'imp.refused': 'Refused rows',
  'imp.reason': 'Reason',
  'imp.close': 'Close',

  'sec.heading': 'Authenticator app and security questions',
  'sec.totp': 'Authenticator app',
  'sec.totp.none': 'No authenticator app is set up.',
  'sec.totp.active': 'Set up on {time}.',
  'sec.totp.setUp': 'Set up authenticator app…',
  'sec.totp.replace': 'Set up a new app…',
  'sec.totp.remove': 'Remove app…',
  'sec.totp.scan':
    'The customer scans this QR code with their authenticator app, or types in the key. It is shown only now.',
  'sec.totp.qrAlt': 'QR code to add {tenant} to an authenticator app',
  'sec.totp.key': 'Key',
  'sec.totp.code': 'Code the app shows now',
  'sec.totp.confirm': 'Confirm',
  'sec.totp.done': 'The authenticator app is set up.',
  'sec.totp.removed': 'The authenticator app was removed.',
  'sec.totp.WRONG_CODE':
    'This code is not right. Check the app and the phone’s clock, then enter the current code.',
  'sec.totp.confirmRemove.title': 'Remove the authenticator app?',
  'sec.totp.confirmRemove.body':
    'The customer can no longer verify with codes from the app until one is set up again.',
  'sec.totp.confirmRemove.confirm': 'Remove app',
  'sec.q': 'Security questions',
  'sec.q.count': '{count} questions are set. Answers are never shown.',
  'sec.q.none': 'No security questions are set.',
  'sec.q.edit': 'Set questions and answers…',
  'sec.q.question': 'Question {n}',
  'sec.q.answer': 'Answer {n}',
  'sec.q.add': 'Add a question',
  'sec.q.removeOne': 'Remove question {n}',
  'sec.q.save': 'Save questions',
  'sec.q.saved': 'The security questions were saved; the old ones are replaced.',
  'sec.q.hint': 'Saving replaces all questions and answers. Answers are stored only as hashes.',
  'sec.q.invalid': 'Each question needs 5 to 200 characters and an answer.',
} as const;
