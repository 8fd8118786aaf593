/**
 * English messages: every text of the console and the widget. `{name}` marks a parameter.
 * Other catalogues have exactly these keys (checked by the type of `de.ts`).
 */

import { adminEn } from './admin.en.ts';
import { analyticsEn } from './analytics.en.ts';
import { auditEn } from './audit.en.ts';
import { callsEn } from './calls.en.ts';
import { campaignsEn } from './campaigns.en.ts';
import { customerEn } from './customer.en.ts';
import { customersEn } from './customers.en.ts';
import { fallbacksEn } from './fallbacks.en.ts';
import { fraudqEn } from './fraudq.en.ts';
import { historyEn } from './history.en.ts';
import { templatesEn } from './templates.en.ts';
import { trainingEn } from './training.en.ts';

export const en = {
  'app.title': 'Helpdesk Auth',
  'app.skipToContent': 'Skip to content',
  'app.language': 'Language',
  'app.loading': 'Loading…',
  'app.signOut': 'Sign out',
  'app.signedInAs': '{name} ({role})',
  'app.mainNav': 'Main',
  'app.error.NETWORK': 'The server cannot be reached. Check the connection and try again.',
  'app.error.generic': 'Something went wrong ({code}). Try again.',
  'app.error.UNAUTHENTICATED': 'Your session has ended. Sign in again.',
  'app.error.FORBIDDEN': 'Your role does not allow this.',
  'app.error.NOT_FOUND': 'Not found.',
  'app.error.VALIDATION_FAILED':
    'The server did not accept what was sent. Check the fields and correct them.',
  'app.notFound': 'This page does not exist.',
  'app.back': 'Back',
  'app.retry': 'Try again',
  'app.close': 'Close',
  'app.save': 'Save',
  'app.saved': 'Saved.',
  'app.copy': 'Copy',
  'app.copied': 'Copied.',
  'app.loadMore': 'Load more',
  'app.none': 'None',
  'app.yes': 'Yes',
  'app.no': 'No',

  'role.agent': 'Agent',
  'role.supervisor': 'Supervisor',
  'role.admin': 'Admin',
  'role.auditor': 'Auditor',

  'nav.search': 'Find caller',
  'nav.history': 'History',
  'nav.operators': 'Operators',
  'nav.apiKeys': 'API keys',
  'nav.settings': 'Settings',
  'nav.audit': 'Audit log',
  // The button in the header that opens the administration pages.
  'nav.admin': 'Administration',

  'signIn.title': 'Sign in',
  'signIn.tenant': 'Organisation',
  'signIn.email': 'E-mail',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.busy': 'Signing in…',
  'signIn.error.INVALID_CREDENTIALS': 'The organisation, e-mail or password is wrong.',
  'signIn.error.RATE_LIMITED': 'Too many attempts. Wait {seconds} seconds, then try again.',
  'signIn.sso': 'Sign in with single sign-on',
  'signIn.or': 'or with a password:',
  'signIn.error.SSO_STATE_INVALID':
    'Single sign-on did not complete (the sign-in expired or was started elsewhere). Try again.',
  'signIn.error.SSO_FAILED':
    'Single sign-on failed: your identity provider could not confirm the sign-in. Try again.',
  'signIn.error.SSO_ACCESS_DENIED':
    'Your identity provider signed you in, but you have no access here. Ask your administrator.',
  'signIn.demo':
    'Demo: organisation “{tenant}”, e-mail {email}. The password was printed in the terminal by npm start.',

  'search.title': 'Find the caller',
  'search.label': 'Name, customer ID, phone or e-mail',
  'search.placeholder': 'Start typing…',
  'search.hint': 'Use ↑ and ↓ to choose, Enter to open.',
  'search.noResults': 'No customer matches “{q}”.',
  'search.results': '{count} customers found.',
  'search.searching': 'Searching…',
  'search.fraudFlag': 'Fraud reported',

  'customer.externalId': 'Customer ID',
  'customer.phone': 'Phone',
  'customer.email': 'E-mail',
  'customer.devices': 'Devices',
  'customer.noDevices': 'No device enrolled yet.',
  'customer.device.lastSeen': 'Last seen {time}',
  'customer.device.push': 'Reachable by push',
  'customer.device.liveOnly': 'Reachable only while the app is open',
  'customer.device.revoked': 'Revoked',
  'customer.methods': 'Available methods',
  'customer.method.push': 'Push approval with code',
  'customer.method.none': 'None: enroll a device first.',
  'customer.risk': 'Risk flags',
  'customer.risk.none': 'No risk flags.',
  'customer.risk.fraud': 'Fraud reported on {time}. Be careful: someone may be impersonating this customer.',
  'customer.risk.phoneChanged': 'Phone number changed on {time}.',
  'customer.risk.pushLockedFraud':
    'Push approval is locked after the fraud report. An admin clears it after checking with the customer.',
  'customer.risk.pushLockedDenials':
    'Push approval is locked after repeated denials. An admin clears it after checking with the customer.',
  'customer.risk.questionsLocked':
    'Security questions are locked after failed checks. An admin unlocks them.',
  'customer.recent': 'Recent verifications',
  'customer.recent.none': 'No verifications yet.',
  'customer.enroll': 'Enroll a device',

  'verify.title': 'Verify caller',
  'verify.purpose': 'What for',
  'verify.purpose.authenticate': 'Verify identity',
  'verify.purpose.confirm_action': 'Confirm an action',
  'verify.reason': 'Reason shown to the customer',
  'verify.defaultReason': 'Identity check for your call',
  'verify.actionSummary': 'Action the customer confirms',
  'verify.actionSummaryHint': 'For example: Change postal address to 1 High Street, London',
  'verify.start': 'Verify caller',
  'verify.startAction': 'Ask to confirm',
  'verify.starting': 'Sending…',
  'verify.codeLabel': 'Code to read out',
  'verify.say': 'Say:',
  'verify.sentence': 'Please open the {tenant} app and enter {code}.',
  'verify.sentenceAction': 'Please open the {tenant} app, check the request “{action}” and enter {code}.',
  'verify.countdown': 'Expires in {time}',
  'verify.progress': 'Progress',
  'verify.step.sent': 'Sent',
  'verify.step.delivered': 'Delivered',
  'verify.step.opened': 'Opened',
  'verify.step.waiting': 'Waiting for the phone…',
  'verify.wrongCode': 'The caller typed a wrong code. {attemptsLeft} tries left. Read the code again.',
  'verify.unreachable': 'The phone cannot be reached right now.',
  'verify.unreachableHelp':
    'Ask the caller to open the {tenant} app: the request is still waiting there. Or try again.',
  'verify.cancel': 'Cancel',
  'verify.tryAgain': 'Try again',
  'verify.newVerification': 'New verification',
  'verify.fallbacksInConsole':
    'Other methods (an SMS code, an authenticator-app code) are in the Helpdesk Auth console.',
  'verify.result.approved': 'Verified',
  'verify.result.approvedAction': 'Action confirmed',
  'verify.result.approvedDetail': 'Method: {method}. Assurance: {assurance}. Took {seconds} s.',
  'verify.result.denied': 'Denied by the customer',
  'verify.result.deniedHelp':
    'The customer refused the request on their phone. Do not proceed. Ask whether they meant to refuse; if they did not start this call, end it politely.',
  'verify.result.fraud': 'Fraud reported',
  'verify.result.fraudSay':
    'Say: “For your security I cannot continue with this request. We will contact you through your registered details.”',
  'verify.result.fraudDont':
    'Do not reveal any account details, do not change anything, and do not read out a new code. Report the call to your supervisor.',
  'verify.result.expired': 'Expired: no answer in time',
  'verify.result.expiredHelp':
    'The customer did not answer in time. Ask them to open the app, then try again.',
  'verify.result.failed': 'Failed: wrong code too many times',
  'verify.result.failedHelp':
    'The code was typed wrong too many times. Do not proceed on this verification. You may try once more.',
  'verify.result.cancelled': 'Cancelled',
  'verify.result.cancelledHelp': 'The request was withdrawn from the customer’s phone.',
  'verify.error.CUSTOMER_HAS_NO_DEVICE':
    'This customer has no enrolled device. Enroll one, or use another method when available.',
  'verify.error.PUSH_RATE_LIMITED':
    'Too many requests to this customer recently (protection against push bombing). Wait {minutes} minutes.',
  'verify.error.VERIFICATION_NOT_PENDING': 'This verification is already finished.',
  'verify.error.VERIFICATION_EXPIRED': 'This verification has already expired.',
  'verify.assurance.low': 'low',
  'verify.assurance.moderate': 'moderate',
  'verify.assurance.substantial': 'substantial',
  'verify.assurance.high': 'high',
  'verify.method.push': 'push approval with code',

  'status.pending': 'Pending',
  'status.approved': 'Approved',
  'status.denied': 'Denied',
  'status.fraud_reported': 'Fraud reported',
  'status.expired': 'Expired',
  'status.cancelled': 'Cancelled',
  'status.failed': 'Failed',

  'enroll.title': 'Enroll a device',
  'enroll.intro':
    'The customer scans this QR code with the {tenant} app, or opens the link on their phone. It works once, for 10 minutes.',
  'enroll.create': 'Create activation',
  'enroll.qr': 'QR code for enrolling the customer’s device',
  'enroll.link': 'Activation link',
  'enroll.code': 'Activation code',
  'enroll.expires': 'Valid until {time}',
  'enroll.again': 'New activation',
  'enroll.sendSms': 'Send link by SMS',
  'enroll.sendEmail': 'Send link by e-mail',
  'enroll.noPhone': 'No phone number on file',
  'enroll.noEmail': 'No e-mail address on file',
  'enroll.sentSms': 'Link sent by SMS to {to}. It works once, until {time}.',
  'enroll.sentEmail': 'Link sent by e-mail to {to}. It works once, until {time}.',

  'history.title': 'Verification history',
  'history.filter.status': 'Status',
  'history.filter.any': 'Any',
  'history.filter.customer': 'Customer ID',
  'history.filter.from': 'From',
  'history.filter.to': 'Until',
  'history.problem.customerId':
    "A customer ID is cus_ followed by 26 letters and digits, as shown on the customer's page.",
  'filters.problem.period': 'The end of the period must be after its start.',
  'history.apply': 'Filter',
  'history.col.time': 'Started',
  'history.col.customer': 'Customer',
  'history.col.reason': 'Reason',
  'history.col.status': 'Status',
  'history.col.agent': 'Agent',
  'history.empty': 'No verifications match.',
  'history.detail': 'Verification {id}',
  'history.timeline': 'Timeline',
  'history.audit': 'Audit entries',
  'history.noAudit': 'No audit entries.',
  'history.field.purpose': 'Purpose',
  'history.field.reason': 'Reason',
  'history.field.action': 'Action',
  'history.field.assurance': 'Assurance',
  'history.field.startedBy': 'Started by',
  'history.field.created': 'Started',
  'history.field.finished': 'Finished',
  'history.field.attempts': 'Wrong codes',
  'history.open': 'Open',

  'operators.title': 'Operators',
  'operators.invite': 'Invite operator',
  'operators.name': 'Name',
  'operators.email': 'E-mail',
  'operators.role': 'Role',
  'operators.status': 'Status',
  'operators.lastSignIn': 'Last sign-in',
  'operators.active': 'Active',
  'operators.disabled': 'Disabled',
  'operators.disable': 'Disable',
  'operators.enable': 'Enable',
  'operators.error.EMAIL_TAKEN': 'An operator with this e-mail already exists.',
  'operators.error.LAST_ADMIN': 'The last active admin cannot be demoted or disabled.',
  'operators.error.CONFLICT': 'Someone else changed this operator. Reload and try again.',
  'operators.actions': 'Actions',

  'apiKeys.title': 'API keys',
  'apiKeys.create': 'Create API key',
  'apiKeys.name': 'Name',
  'apiKeys.scopes': 'Scopes',
  'apiKeys.created': 'Created',
  'apiKeys.lastUsed': 'Last used',
  'apiKeys.revoke': 'Revoke',
  'apiKeys.revoked': 'Revoked',
  'apiKeys.showOnce': 'Copy this key now. It is shown only once:',
  'apiKeys.status': 'Status',

  'push.title': 'Push to your apps',
  'push.intro':
    'Your own iOS and Android apps receive requests through Google (FCM) and Apple (APNs) with your credentials. Private keys are stored encrypted and never shown again.',
  'push.notSet': 'Not set: devices of this kind cannot be reached by push.',
  'push.keyId': 'Key ID',
  'push.updated': 'Last changed',
  'push.removed': 'Removed.',
  'push.error.invalid': 'These credentials cannot be used: {message}',
  'push.fcm.title': 'Firebase Cloud Messaging (Android)',
  'push.fcm.project': 'Project',
  'push.fcm.account': 'Service account',
  'push.fcm.file': 'Service account key file (JSON)',
  'push.fcm.json': 'Or paste its contents',
  'push.fcm.save': 'Save FCM credentials',
  'push.fcm.replace': 'Replace FCM credentials',
  'push.fcm.remove': 'Remove FCM credentials',
  'push.apns.title': 'Apple Push Notification service (iOS)',
  'push.apns.team': 'Team ID',
  'push.apns.bundle': 'Bundle ID of the app',
  'push.apns.environment': 'Default environment',
  'push.apns.production': 'Production',
  'push.apns.sandbox': 'Sandbox (development builds)',
  'push.apns.file': 'APNs key file (.p8)',
  'push.apns.key': 'Or paste its contents',
  'push.apns.save': 'Save APNs key',
  'push.apns.replace': 'Replace APNs key',
  'push.apns.remove': 'Remove APNs key',
  'customer.device.testPush': 'Send test push',
  'customer.device.testPush.label': 'Send test push to {device}',
  'customer.device.testPush.accepted': 'Test push accepted by {channel}.',
  'customer.device.testPush.gone': 'The app is no longer registered; its push channel was removed.',
  'customer.device.testPush.failed': 'Test push failed: {detail}',
  'customer.device.testPush.unreachable': 'This device has no push channel.',
  'customer.device.channel.webpush': 'Web Push',
  'customer.device.channel.fcm': 'FCM',
  'customer.device.channel.apns': 'APNs',
  'settings.title': 'Tenant settings',
  'settings.name': 'Name shown to customers',
  'settings.codeLength': 'Code digits',
  'settings.expirySeconds': 'Seconds until a request expires',
  'settings.maxCodeAttempts': 'Wrong codes before failing',
  'settings.pushRequestsPerWindow': 'Push requests per customer per window',
  'settings.pushWindowSeconds': 'Window (seconds)',
  'settings.error.VALIDATION_FAILED': 'These settings are not allowed: {message}',

  'audit.title': 'Audit log',
  'audit.chain': 'Chain verification',
  'audit.chainOk': 'Chain intact: {checked} entries verified (head {headSeq}).',
  'audit.chainBroken': 'Chain BROKEN at entry {seq} ({reason}).',
  'audit.export': 'Export (JSON Lines)',
  'audit.filter.action': 'Action',
  'audit.filter.actor': 'Actor ID',
  'audit.filter.target': 'Target ID',
  'audit.col.seq': '#',
  'audit.col.time': 'Time',
  'audit.col.actor': 'Actor',
  'audit.col.action': 'Action',
  'audit.col.target': 'Target',
  'audit.col.data': 'Details',
  'audit.empty': 'No audit entries match.',

  'widget.title': 'Verify caller',
  'widget.expired': 'This panel’s access has expired. Reload the page to continue.',
  'widget.invalid': 'This panel could not sign in. Ask your administrator to check the integration.',

  // Fallback methods, policy editor, webhooks (fallbacks.en.ts).
  ...fallbacksEn,
  // Audit log sentences, policy form, history's customer filter (audit.en.ts).
  ...auditEn,
  // The customer page's fraud procedure and actions, enrollment, refusals (customer.en.ts).
  ...customerEn,
  // Every method in history and recent verifications (history.en.ts).
  ...historyEn,
  // Admin confirmations, secrets shown once, own password (admin.en.ts).
  ...adminEn,
  // The tenant's own texts for customers, on the Settings page (templates.en.ts).
  ...templatesEn,
  // Customer create, edit, CSV import, authenticator-app and question set-up (customers.en.ts).
  ...customersEn,
  // Outbound call notices: call panel, call history, policy settings (calls.en.ts).
  ...callsEn,
  // The fraud queue: live alert, queue, case (fraudq.en.ts).
  ...fraudqEn,
  // The supervisor dashboard and operators' teams (analytics.en.ts).
  ...analyticsEn,
  // Rollout campaigns: list, create, progress and funnel (campaigns.en.ts).
  ...campaignsEn,
  // The practice space and the first-run tour (training.en.ts).
  ...trainingEn,
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;
