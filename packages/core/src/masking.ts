/**
 * Phone numbers and e-mail addresses as an agent may see them: enough to confirm with the caller
 * where a code or link went, not enough to copy the address. One format everywhere, so the
 * agent reads the same thing whichever feature sent the message (docs/fallbacks.md shows it).
 */

const hidden = '•••';

/** Digits shown at the end of a number; the rest of it stays hidden. */
const shownTailDigits = 2;
/** Fewer digits than this hidden, and a part shown would give away most of the number. */
const minHiddenDigits = 4;

/**
 * `+4915123456789` becomes `+49 ••• •• 89`: the country code and the last two digits. Spaces,
 * brackets and dashes are ignored, so every way of writing a number masks alike. A number too
 * short to keep four digits hidden shows only its last two digits, or none at all.
 */
export function maskPhone(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/[^0-9]/g, '');
  const international = trimmed.startsWith('+');
  const tail = digits.slice(-shownTailDigits);
  // With a +, the first two digits are (the start of) the country code; without, three
  // characters as written (a trunk or international prefix and the start of the number).
  const headDigits = international ? 2 : 3;
  if (digits.length - headDigits - shownTailDigits >= minHiddenDigits) {
    const head = `${international ? '+' : ''}${digits.slice(0, headDigits)}`;
    return `${head} ${hidden} •• ${tail}`;
  }
  if (digits.length - shownTailDigits >= minHiddenDigits) return `${hidden} •• ${tail}`;
  return `${hidden} •• ••`;
}

/**
 * `anna@example.com` becomes `a•••@example.com`: the first character of the local part and the
 * whole domain. The dots do not vary with the local part's length, so a short one is not
 * given away by its mask. The first character is a whole code point, never half of one.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return hidden;
  const first = email.codePointAt(0);
  const shown = at === 0 || first === undefined ? '' : String.fromCodePoint(first);
  return `${shown}${hidden}${email.slice(at)}`;
}
