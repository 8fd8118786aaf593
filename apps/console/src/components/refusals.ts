// Refusals in words: what an error code (and its reason) means for the agent, in the console and
// the widget, instead of "Something went wrong (CODE)".
import type { ErrorCode } from '../api/types.ts';
import { reasonCodes } from '../fallbacks/api.ts';
import type { Translate } from '../i18n/i18n.tsx';

const worded = [
  'IDENTITY_CHECK_REQUIRED',
  'FRAUD_REPORT_NOT_OPEN',
  'DELIVERY_FAILED',
  'TOO_MANY_FAILURES',
  'RATE_LIMITED',
  'CONFLICT',
  'CUSTOMER_HAS_NO_DEVICE',
] as const;

/**
 * The sentence for a refusal, or null for a code with no sentence of its own (the caller falls
 * back to its generic text). `details` is the error's details: its `reason` says why a method or
 * channel is unavailable.
 */
export function refusalText(
  t: Translate,
  code: ErrorCode | 'NETWORK',
  details: Readonly<Record<string, unknown>> = {},
): string | null {
  const reason = typeof details.reason === 'string' ? details.reason : null;
  const knownReason = reason !== null && (reasonCodes as readonly string[]).includes(reason);
  switch (code) {
    case 'METHOD_UNAVAILABLE':
      if (reason === 'PUSH_LOCKED_FRAUD' || reason === 'PUSH_LOCKED_DENIALS')
        return t(`err.reason.${reason}`);
      return knownReason
        ? `${t('err.METHOD_UNAVAILABLE')} ${t(`fb.reason.${reason as (typeof reasonCodes)[number]}`)}`
        : t('err.METHOD_UNAVAILABLE');
    case 'CHANNEL_UNAVAILABLE':
      return knownReason
        ? t('err.CHANNEL_UNAVAILABLE', { reason: t(`fb.reason.${reason as (typeof reasonCodes)[number]}`) })
        : null;
    default:
      return (worded as readonly string[]).includes(code)
        ? t(`err.${code as (typeof worded)[number]}`)
        : null;
  }
}
