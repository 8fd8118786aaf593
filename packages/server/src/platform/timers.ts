/**
 * Timers, passed explicitly like the clock, so a test that moves its clock by hand also fires
 * what was due (expiry "on time, even when nobody asks" is then tested without waiting).
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout(callback, delayMs) {
    // Never keep the process alive just for a pending expiry: the sweep catches up after a restart.
    return setTimeout(callback, Math.max(0, delayMs)).unref();
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
