// E-mail addresses: the normal form they are stored and compared in, and their check.
import { AppError } from '@helpdesk-auth/core';

/** Lower-cased and trimmed, the form e-mail addresses are stored and compared in. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Normalises an e-mail address and refuses text that is not one (a 400, not a stored typo). */
export function parseEmailAddress(input: string): string {
  const email = normaliseEmail(input);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new AppError('VALIDATION_FAILED', `"${email}" is not an e-mail address.`);
  }
  return email;
}
