// Migration 0021: a customer's fraud report can be resolved (by a supervisor or an admin, with a note).
import type { Kysely } from 'kysely';

// The report stays where it was (customers.fraud_reported_at, which the push lock reads); the
// resolution is a time beside it. A report is open while it is newer than its resolution, so a
// new report after a resolution is open again without anything to reset.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('fraud_resolved_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customers').dropColumn('fraud_resolved_at').execute();
}
