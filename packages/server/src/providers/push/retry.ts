// Bounded retries for vendor push APIs: exponential backoff that honours Retry-After.

/** Waits `ms` milliseconds; tests pass one that records the wait and returns at once. */
export type Sleep = (ms: number) => Promise<void>;

/** A vendor's HTTP answer, read whole. */
export interface VendorAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** No HTTP answer came back; `reason` is short text safe to show on a timeline. */
export class NetworkError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts: number;
  /** Wait before the second attempt; doubled for each one after. Default 500 ms. */
  baseDelayMs: number;
  /**
   * The longest wait between attempts, Retry-After included. A caller is on the line, and a push
   * later than this is not worth waiting for. Default 5 s.
   */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 };

/** One attempt's verdict: done with a result, or worth another try after an optional server hint. */
export type AttemptVerdict<T> =
  | { done: true; result: T }
  | { done: false; result: T; retryAfterMs: number | null };

/**
 * Runs `attempt` until it is done or the attempts run out, and answers the last result. The wait
 * before attempt n+1 is the server's Retry-After when it gave one, else base * 2^(n-1), with up to
 * a quarter of jitter; never more than `maxDelayMs` (a longer Retry-After ends the retries, since
 * the push would arrive after the caller hung up).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<AttemptVerdict<T>>,
  policy: RetryPolicy,
  sleep: Sleep,
  random: () => number = Math.random,
): Promise<T> {
  let verdict = await attempt(1);
  for (let n = 2; n <= policy.maxAttempts && !verdict.done; n++) {
    const hint = verdict.retryAfterMs;
    if (hint !== null && hint > policy.maxDelayMs) break;
    const backoff = policy.baseDelayMs * 2 ** (n - 2);
    const wait = hint ?? Math.min(policy.maxDelayMs, Math.round(backoff * (1 + random() / 4)));
    await sleep(wait);
    verdict = await attempt(n);
  }
  return verdict.result;
}

/**
 * The Retry-After header (RFC 9110 section 10.2.3) in milliseconds from `now`: delay-seconds or an
 * HTTP date; null when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date is always in GMT (IMF-fixdate, or the two obsolete forms).
  if (!/GMT$/.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
