// Verification statuses written into SQL text, so the partial indexes apply.
import { sql } from 'kysely';

/**
 * Verification statuses written into the SQL text itself, not bound as parameters, for the
 * queries that should use the partial indexes `verifications_pending` and `verifications_denied`
 * (migration 0008). A literal `status = 'pending'` lets SQLite choose the partial index once,
 * when the statement is prepared. With `status = ?`, SQLite can choose it only by planning for
 * the value bound, which makes it plan the statement again after each new binding.
 */
export const statusLiteral = {
  pending: sql.lit('pending' as const),
  denied: sql.lit('denied' as const),
};
