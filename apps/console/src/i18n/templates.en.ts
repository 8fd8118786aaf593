/**
 * English messages of the Settings page's "Customer messages" section: the tenant's own texts
 * for customers, per language. Spread into `en` (en.ts); `templates.de.ts` must have exactly
 * these keys.
 */
export const templatesEn = {
  'templates.title': 'Customer messages',
  'templates.intro':
    'Your own words for what customers receive, per language. An empty field keeps the built-in text, shown greyed out. Customers without a language of their own get "Any other language", then the built-in text.',
  'templates.none': 'No own texts yet: customers get the built-in texts.',
  'templates.language': 'Language of the texts',
  'templates.add': 'Add a language',
  'templates.addButton': 'Add',
  'templates.remove': 'Remove {language}',
  'templates.removed': '{language} removed. Save to apply.',
  'templates.save': 'Save customer messages',
  'templates.saved': 'Customer messages saved.',
  'templates.refused': 'Not saved: {message}',
  'templates.placeholders': 'Placeholders: {list}.',
  'templates.noPlaceholders': 'No placeholders.',
  'templates.required': '{name} (required)',
  'templates.lang.default': 'Any other language',
  'templates.lang.de': 'German',
  'templates.lang.en': 'English',
  'templates.lang.fr': 'French',
  'templates.lang.es': 'Spanish',
  'templates.lang.nl': 'Dutch',
  'templates.kind.code': 'One-time code (SMS or e-mail)',
  'templates.kind.codeLink': 'One-time code with a link',
  'templates.kind.pushReason': 'Reason of a push request on the phone',
  'templates.kind.signInReason': 'Reason of a sign-in request on the phone',
  'templates.kind.activationLink': 'Activation link',
  'templates.kind.noticeVerified': 'Notice after a verification',
  'templates.kind.noticeFraudReported': 'Notice after a fraud report',
  'templates.kind.noticeDeviceEnrolled': 'Notice after a new device',
} as const;

export type TemplatesMessageKey = keyof typeof templatesEn;
