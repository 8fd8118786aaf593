import type { historyEn } from './history.en.ts';

/** German messages of verification history and the customer's recent verifications. */
export const historyDe: Record<keyof typeof historyEn, string> = {
  'history.col.method': 'Methode',
  'history.filter.method': 'Methode',
  'history.field.method': 'Methode',
  'history.field.policyAction': 'Geprüft für',
  'verify.reasonInCustomerLanguage':
    'Das Telefon zeigt diesen Text in der Sprache der Kundin oder des Kunden, solange Sie ihn nicht ändern.',
};
