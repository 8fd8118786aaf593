// Housekeeping: deletes replay claims and rate-limit windows that no longer matter.
import type { ServiceContext } from '../platform/context.ts';

/**
 * Deletes what has stopped mattering: replay claims past their expiry (a proof that old is
 * refused as stale anyway) and rate-limit windows that have ended. Without it these tables grow
 * with every device request.
 */
export function createHousekeeping({ db, clock }: ServiceContext) {
  return {
    async purgeExpired(): Promise<{ claims: number; rateLimits: number }> {
      const now = clock();
      const claims = await db.deleteFrom('claims').where('expires_at', '<=', now).executeTakeFirst();
      const rateLimits = await db.deleteFrom('rate_limits').where('reset_at', '<=', now).executeTakeFirst();
      return { claims: Number(claims.numDeletedRows), rateLimits: Number(rateLimits.numDeletedRows) };
    },
  };
}
