// Migration 0008: partial indexes for pending requests and recent denials.
import { type Kysely, sql } from 'kysely';

// The customer's pending request and their recent denials, from two partial indexes that hold
// only those rows, in place of one index over every verification ever made. That index took two
// writes per push flow (the pending row, then its final status), each on a page of its own for
// the customer. The pending index holds only the requests in flight: a page or two that every
// flow shares. Queries name the status as a literal (storage/status-literals.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verifications_pending').execute();
  await db.schema
    .createIndex('verifications_pending')
    .on('verifications')
    // With the id, it also gives the device's list its order (newest first), so SQLite does not
    // prefer verifications_customer and read the customer's whole history for it.
    .columns(['tenant_id', 'customer_id', 'id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('verifications_denied')
    .on('verifications')
    .columns(['tenant_id', 'customer_id', 'finished_at'])
    .where(sql.ref('status'), '=', 'denied')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verifications_denied').execute();
  await db.schema.dropIndex('verifications_pending').execute();
  await db.schema
    .createIndex('verifications_pending')
    .on('verifications')
    .columns(['status', 'tenant_id', 'customer_id'])
    .execute();
}
