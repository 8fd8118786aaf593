/**
 * English messages of verification history and the customer's recent verifications: every
 * method's outcome, push and fallback alike. Spread into `en` (en.ts); `history.de.ts` must
 * have exactly these keys.
 */
export const historyEn = {
  'history.col.method': 'Method',
  'history.filter.method': 'Method',
  'history.field.method': 'Method',
  'history.field.policyAction': 'Checked for',
  'verify.reasonInCustomerLanguage':
    "The customer's phone shows this in the customer's language unless you change it.",
} as const;
