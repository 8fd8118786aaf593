// Migration 0023: operators who must choose their own password before they work.
import type { Kysely } from 'kysely';

// Set when an operator's password was generated for them (by an admin inviting them, or reset on
// the command line); cleared when they change it themselves. Until then their sessions may only
// read the session, change the password and sign out (http/authenticate.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('operators')
    .addColumn('password_change_required', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('operators').dropColumn('password_change_required').execute();
}
