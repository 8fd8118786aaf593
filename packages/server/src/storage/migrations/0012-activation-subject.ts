// Migration 0012: activations found by customer.
import type { Kysely } from 'kysely';

// A new activation revokes the customer's earlier unused ones (features/devices/devices.ts), which looks
// them up by customer; without this index every creation would read every activation ever made.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('one_time_tokens_subject')
    .on('one_time_tokens')
    .columns(['tenant_id', 'purpose', 'subject_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('one_time_tokens_subject').execute();
}
