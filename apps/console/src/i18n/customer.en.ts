/**
 * English messages of the customer page's fraud procedure and its supervisor actions (resolve,
 * clear, unlock, revoke), the enrollment dialog, and the sentences for refusals the console and
 * the widget show. Spread into `en` (en.ts); `customer.de.ts` must have exactly these keys.
 */
export const customerEn = {
  'cust.fraud.title': 'Fraud reported: follow the fraud procedure',
  'cust.fraud.when':
    'On {time} the customer reported from their phone that they were not on a call with us. Whoever is calling may be impersonating them.',
  'cust.fraud.step1':
    'Do not verify the caller, change the account or enroll a device, whatever the caller says.',
  'cust.fraud.step2':
    'Hand the call to a supervisor. Note the number the call came from and what the caller asked for.',
  'cust.fraud.step3':
    'The supervisor checks with the customer on the phone number or e-mail address on file, then resolves the report in the console.',
  'cust.fraud.showMethods': 'Show verification methods anyway',
  'cust.fraud.methodsHint': 'Only with a supervisor’s approval: the report is still open.',
  'cust.fraud.resolved': 'The fraud report of {time} was resolved on {resolved}.',
  'cust.pushLockedFraud':
    'Push approval is locked after the fraud report. A supervisor or admin clears it after checking with the customer.',
  'cust.pushLockedDenials':
    'Push approval is locked after repeated denials. A supervisor or admin clears it after checking with the customer.',
  'cust.questionsLocked':
    'Security questions are locked after failed checks. A supervisor or admin unlocks them.',

  'cust.action.resolve': 'Resolve fraud report…',
  'cust.action.clearPush': 'Clear push lock…',
  'cust.action.unlockQuestions': 'Unlock security questions…',
  'cust.action.revoke': 'Revoke…',
  'cust.action.revokeLabel': 'Revoke {device}…',
  'cust.confirm.cancel': 'Cancel',
  'cust.confirm.resolve.title': 'Resolve the fraud report?',
  'cust.confirm.resolve.body':
    'Only once you have checked with the customer, on the phone number or e-mail address on file, what happened. Push stays locked until you clear the lock as well.',
  'cust.confirm.resolve.note': 'What was found and done (goes into the audit log)',
  'cust.confirm.resolve.confirm': 'Resolve report',
  'cust.confirm.clearPush.title': 'Clear the push lock?',
  'cust.confirm.clearPush.body':
    'Push requests reach the customer’s devices again. Do this only after the customer confirmed, on the number on file, that their devices are theirs.',
  'cust.confirm.clearPush.confirm': 'Clear push lock',
  'cust.confirm.unlockQuestions.title': 'Unlock the security questions?',
  'cust.confirm.unlockQuestions.body':
    'The failed checks are forgotten and the caller may answer again. Do this only after checking with the customer.',
  'cust.confirm.unlockQuestions.confirm': 'Unlock questions',
  'cust.confirm.revoke.title': 'Revoke {device}?',
  'cust.confirm.revoke.body':
    'The device can no longer approve anything. This cannot be undone: to use it again, the customer enrolls it anew.',
  'cust.confirm.revoke.confirm': 'Revoke device',
  'cust.done.resolved': 'Fraud report resolved. The note is in the audit log.',
  'cust.done.pushCleared': 'Push lock cleared.',
  'cust.done.questionsUnlocked': 'Security questions unlocked.',
  'cust.done.revoked': '{device} revoked.',

  'enr.intro':
    'Send the activation link to the phone number or e-mail address on file: it reaches the customer, not whoever is calling. It works once, for 10 minutes.',
  'enr.sendSms': 'Send link by SMS to {to}',
  'enr.sendEmail': 'Send link by e-mail to {to}',
  'enr.noContact':
    'The customer has no phone number or e-mail address on file. Enroll their device in a branch, or add a contact first.',
  'enr.waiting': 'Waiting for the customer to set up their device…',
  'enr.enrolled':
    '{label} ({platform}) is set up. The customer’s other devices and their phone number and e-mail address on file are told.',
  'enr.qr.heading': 'Customer in a branch, or verified on this call',
  'enr.qr.explain':
    'A QR code is for a customer standing in front of you, or verified on this call strongly enough for the policy.',
  'enr.qr.show': 'Show QR code',
  'enr.qr.refused':
    'This customer was not verified strongly enough in the last 15 minutes (needed: {assurance}). Verify them first, or check their identity document in person.',
  'enr.inBranch.legend': 'Identity checked in person',
  'enr.inBranch.note': 'Which document did you check?',
  'enr.inBranch.confirm': 'I checked the customer’s identity document in person, in a branch.',
  'enr.inBranch.submit': 'Show QR code',
  'enr.qr.alt': 'QR code for the customer to scan with the {tenant} app',
  'enr.qr.scan':
    'The customer scans this with the {tenant} app on their own phone. It works once, until {time}.',
  'enr.code.summary': 'The customer cannot scan? Show the code to type in',
  'enr.code.warning':
    'Turn the screen to the customer and let them type it on their phone. Never read it out, send it or write it down.',
  'enr.again': 'New QR code',
  'enr.close': 'Close',

  'err.METHOD_UNAVAILABLE': 'This method cannot be used for this customer now.',
  'err.reason.PUSH_LOCKED_FRAUD':
    'The customer reported fraud, so push approval is locked. Do not verify this caller: hand the call to a supervisor.',
  'err.reason.PUSH_LOCKED_DENIALS':
    'The customer denied several requests, so push approval is locked. Hand the call to a supervisor.',
  'err.IDENTITY_CHECK_REQUIRED':
    'A QR code needs a verification on this call or an identity check in person. Send the link to the number or address on file instead.',
  'err.FRAUD_REPORT_NOT_OPEN':
    'There is no open fraud report any more: someone may have resolved it just now. The page shows the current state.',
  'err.CHANNEL_UNAVAILABLE': 'The message cannot reach this customer: {reason}',
  'err.DELIVERY_FAILED':
    'The message service did not accept the message, so nothing was sent. Try again in a moment.',
  'err.TOO_MANY_FAILURES':
    'Too many failed attempts for this customer in the last hour. Do not try other methods: hand the call to a supervisor.',
  'err.RATE_LIMITED': 'Too many requests. Wait a moment, then try again.',
  'err.CONFLICT': 'Someone changed this at the same time. Reload the page and check.',
  'err.CUSTOMER_HAS_NO_DEVICE': 'The customer has no enrolled device to send a request to.',
} as const;

export type CustomerMessageKey = keyof typeof customerEn;
