// Waits, without polling, on a verification's live events until it ends, then acts once: the one
// follower for features that wait on a verification they started (CIBA's ping mode, Keycloak's channel).
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';

/**
 * Followers keyed by the request that waits. Each listens to its verification's live events and
 * calls `onFinal` once, when a final status arrives; it gives up 5 seconds after the verification's
 * expiry, by which time it has ended, and the owner's sweep covers an event this process missed
 * (another process decided, or the server restarted). `onFinal` must not throw synchronously;
 * a rejection is left to the sweep too.
 */
export function createVerificationFollowers({
  events,
  timers,
  clock,
}: Pick<ServiceContext, 'events' | 'timers' | 'clock'>) {
  const followers = new Map<string, { unsubscribe: () => void; timer: unknown }>();

  function stop(key: string): void {
    const follower = followers.get(key);
    if (!follower) return;
    followers.delete(key);
    follower.unsubscribe();
    timers.clearTimeout(follower.timer);
  }

  return {
    follow(key: string, verificationId: string, until: number, onFinal: () => Promise<unknown>): void {
      const unsubscribe = events.subscribe(topics.verification(verificationId), (event) => {
        if (event.data.status === 'pending') return;
        stop(key);
        onFinal().catch(() => {
          // The sweep tries again.
        });
      });
      const timer = timers.setTimeout(() => stop(key), until - clock() + 5_000);
      followers.set(key, { unsubscribe, timer });
    },

    /** Stops every follower (server shutdown); the sweep of the next start takes over. */
    stopAll(): void {
      for (const key of [...followers.keys()]) stop(key);
    },
  };
}
