/**
 * English messages of the admin screens: confirmations, secrets shown once, the own password and
 * its forced change. Spread into `en` (en.ts); `admin.de.ts` must have exactly these keys.
 */
export const adminEn = {
  'confirm.cancel': 'Cancel',
  'confirm.revokeKey.title': 'Revoke the API key “{name}”?',
  'confirm.revokeKey.body':
    'Every integration that uses this key stops working at once. This cannot be undone: a new key has to be created and configured.',
  'confirm.revokeKey.confirm': 'Revoke key',
  'confirm.disableOperator.title': 'Disable {name}?',
  'confirm.disableOperator.body':
    '{name} is signed out everywhere at once and cannot sign in until an admin enables the account again.',
  'confirm.disableOperator.confirm': 'Disable operator',

  'secret.copy': 'Copy',
  'secret.copyLabel': 'Copy {what}',
  'secret.copied': 'Copied to the clipboard.',
  'secret.copyFailed': 'The browser did not allow copying. Select the text and copy it by hand.',
  'secret.apiKey': 'API key',
  'secret.webhookSecret': 'signing secret',
  'secret.password': 'initial password',
  'operators.createdOnce':
    'Operator created. Hand over this initial password, shown only now; it must be changed at the first sign-in:',

  'nav.account': 'My account',
  'password.title': 'Change your password',
  'password.forcedTitle': 'Choose your own password',
  'password.forcedIntro':
    'You signed in with a password someone else generated for you. Choose your own before you continue.',
  'password.current': 'Current password',
  'password.new': 'New password',
  'password.repeat': 'New password again',
  'password.rules':
    'At least 15 characters. Long phrases are easy to remember and hard to guess; spaces are allowed. Not a common password and not your e-mail address.',
  'password.submit': 'Change password',
  'password.error.tooShort': 'The new password needs at least 15 characters.',
  'password.error.mismatch': 'The two new passwords are not the same.',
  'password.error.same': 'The new password must differ from the current one.',
  'password.error.INVALID_CREDENTIALS': 'The current password is not right.',
  'password.error.RATE_LIMITED': 'Too many wrong attempts. Wait a while before trying again.',
  'password.error.VALIDATION_FAILED': 'The server refused the new password: {message}',
  'password.changed':
    'Your password has been changed and every session ended. Sign in with the new password.',
} as const;

export type AdminMessageKey = keyof typeof adminEn;
