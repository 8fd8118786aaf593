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

  'mfa.verifyTitle': 'Enter the code from your authenticator app',
  'mfa.verifyIntro':
    'Your password was right. Open the authenticator app on your phone and type the six digits it shows for {tenant}.',
  'mfa.code': 'Six-digit code',
  'mfa.verify': 'Continue',
  'mfa.lost':
    'Lost your phone? Ask an admin of your organisation to reset your second factor, then sign in again.',
  'mfa.enrolTitle': 'Set up a second factor',
  'mfa.enrolRequired':
    'Your organisation requires a second factor. Set up an authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password) before you continue.',
  'mfa.enrolIntro':
    'An authenticator app shows a new six-digit code every 30 seconds. After your password, the console asks for it.',
  'mfa.start': 'Set up authenticator app',
  'mfa.scan': 'Scan this QR code with the app, or type the key into it. Then type the code the app shows.',
  'mfa.qrAlt': 'QR code to add this account to an authenticator app',
  'mfa.key': 'Key for typing in',
  'mfa.secretName': 'key',
  'mfa.confirm': 'Confirm',
  'mfa.enrolled':
    'The authenticator app is set up. From now on the console asks for its code after your password.',
  'mfa.status': 'Second factor',
  'mfa.statusOn': 'An authenticator app is set up.',
  'mfa.statusOff': 'No second factor is set up.',
  'mfa.error.WRONG_CODE': 'That code is not right. Type the code your app shows now.',
  'mfa.error.CODE_REPLAYED': 'That code was used already. Wait for the next one.',
  'mfa.error.RATE_LIMITED': 'Too many wrong codes. Wait a while before trying again.',
  'mfa.error.format': 'A code is six digits.',
  'mfa.reset': 'Reset second factor',
  'confirm.resetFactor.title': 'Reset the second factor of {name}?',
  'confirm.resetFactor.body':
    'Their authenticator app stops working here and they are signed out everywhere. Do this only after checking who is asking (a lost phone). They set up a new app at their next sign-in.',
  'confirm.resetFactor.confirm': 'Reset second factor',
  'operators.factorReset': 'The second factor of {name} was reset.',
  'settings.secondFactor': 'Second factor for operators who sign in with a password',
  'settings.secondFactor.optional': 'Optional: each operator decides',
  'settings.secondFactor.required': 'Required: an authenticator app after the password',
  'mfa.passkeyTitle': 'Confirm with your passkey',
  'mfa.passkeyIntro':
    'Your password was right. Confirm with your passkey: your security key, or your fingerprint, face or PIN on this device.',
  'mfa.usePasskey': 'Use passkey',
  'mfa.orCode': 'Or type the code of your authenticator app:',
  'mfa.createPasskey': 'Create a passkey',
  'mfa.passkeyExplain':
    'A passkey is the safest choice: a security key, or this device’s fingerprint, face or PIN. It only works on this site, so a fake page cannot use it.',
  'mfa.orApp': 'Or use an authenticator app instead:',
  'mfa.passkeyAdded': 'The passkey is set up. From now on the console asks for it after your password.',
  'mfa.passkeysOn': 'Passkeys set up: {count}.',
  'mfa.addPasskey': 'Add a passkey',
  'mfa.error.passkey': 'The passkey was not accepted. Try again, or use another way.',
  'mfa.error.passkeyCancelled': 'The passkey prompt was closed or timed out. Try again.',
  'mfa.error.passkeyUnsupported': 'This browser cannot use passkeys here. Use an authenticator app instead.',
  'scim.title': 'SCIM tokens for your identity provider',
  'scim.intro':
    'Your identity provider (Entra ID, Okta) creates, changes and removes customers through SCIM with a token that can do nothing else. Revoke it in the table above.',
  'scim.baseUrl': 'SCIM base URL (tenant URL):',
  'scim.baseUrlName': 'SCIM base URL',
  'scim.name': 'Name of the identity provider',
  'scim.create': 'Create SCIM token',
  'scim.showOnce':
    'Enter this token as the secret token in your identity provider now. It is shown only once:',
  'scim.tokenName': 'SCIM token',
  'oidc.title': 'OpenID clients (CIBA)',
  'oidc.intro':
    'Applications that ask a customer’s phone to approve a sign-in or a payment through OpenID Connect CIBA, such as your online banking or Keycloak.',
  'oidc.name': 'Name shown to the customer',
  'oidc.clientId': 'Client ID',
  'oidc.method': 'Client authentication',
  'oidc.method.client_secret_basic': 'Client secret (client_secret_basic)',
  'oidc.method.private_key_jwt': 'Signed assertion with your keys (private_key_jwt)',
  'oidc.jwks': 'Public keys (JSON Web Key Set)',
  'oidc.mode': 'Result delivery',
  'oidc.mode.poll': 'Poll: the client asks for the result',
  'oidc.mode.ping': 'Ping: we call the client when the result is ready',
  'oidc.endpoint': 'Notification endpoint (https)',
  'oidc.status': 'Status',
  'oidc.status.active': 'Active',
  'oidc.status.suspended': 'Suspended',
  'oidc.status.revoked': 'Revoked',
  'oidc.create': 'Register OpenID client',
  'oidc.rotate': 'New secret',
  'oidc.revoke': 'Revoke',
  'oidc.secretName': 'client secret',
  'oidc.secretOnce': 'Client secret of {id}, shown only now. Enter it in the client’s configuration:',
  'oidc.error.VALIDATION_FAILED': 'The client was not registered: {message}',
  'oidc.error.CONFLICT': 'The client was revoked meanwhile. Reload the page.',
  'oidc.error.jwksJson': 'The public keys are not valid JSON. Paste the key set as JSON: {"keys": [...]}.',
  'confirm.rotateClient.title': 'Issue a new secret for “{name}”?',
  'confirm.rotateClient.body':
    'The current secret stops working at once. The client needs the new one to continue.',
  'confirm.revokeClient.title': 'Revoke the OpenID client “{name}”?',
  'confirm.revokeClient.body':
    'The client can no longer start or redeem requests; its pending requests fail. This cannot be undone.',
  'sso.title': 'Single sign-on for operators',
  'sso.intro':
    'Operators sign in with your identity provider (Entra ID, Okta, Keycloak, Google) through OpenID Connect. Register the redirect URI below at the provider.',
  'sso.redirectUri': 'Redirect URI:',
  'sso.redirectUriName': 'redirect URI',
  'sso.enabled': 'Offer single sign-on on the sign-in page',
  'sso.issuer': 'Issuer URL (https)',
  'sso.clientId': 'Client ID',
  'sso.clientSecret': 'Client secret',
  'sso.clientSecretKeep': 'New client secret (leave empty to keep the stored one)',
  'sso.scopes': 'Scopes (separated by spaces)',
  'sso.roleClaim': 'Claim with groups or roles',
  'sso.mappings': 'Group to role, one per line: value = agent, supervisor, admin or auditor',
  'sso.domains': 'Allowed e-mail domains (separated by spaces; empty allows any)',
  'sso.jit': 'Create an operator account at the first sign-in',
  'sso.defaultRole': 'Role when no group matches',
  'sso.defaultRole.none': 'None: refuse the sign-in',
  'sso.save': 'Save single sign-on',
  'sso.error.mappings':
    'Each line of the group mapping is “value = role”, with the role agent, supervisor, admin or auditor.',
  'sso.error.refused': 'Not saved: {message}',
} as const;

export type AdminMessageKey = keyof typeof adminEn;
