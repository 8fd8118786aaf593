// Migration 0009: security-question checks in flight.
import type { Kysely } from 'kysely';

// Security-question checks reserve their try before the answers are hashed, so parallel checks
// cannot evaluate more guesses than the lockout allows (storage/atomic.ts,
// reserveQuestionCheck). The reservations in flight are counted apart from the settled
// failures: a passed check clears the failures before it, but not the tries still running.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('customer_method_locks')
    .addColumn('questions_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customer_method_locks').dropColumn('questions_in_flight').execute();
}
