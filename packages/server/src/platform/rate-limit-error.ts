// The 429 every rate limit answers with.
import { AppError, type ErrorCode } from '@helpdesk-auth/core';

/** The 429 every limit answers with, carrying Retry-After until the window ends. */
export function tooManyAttempts(
  message: string,
  hit: { resetAt: number },
  now: number,
  code: Extract<ErrorCode, 'RATE_LIMITED' | 'PUSH_RATE_LIMITED'> = 'RATE_LIMITED',
): AppError {
  return new AppError(code, message, {
    retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
  });
}
