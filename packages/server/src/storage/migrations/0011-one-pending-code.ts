// Migration 0011: one live one-time code per customer and channel.
import { type Kysely, sql } from 'kysely';

// One live code per customer and channel (SMS, e-mail), held by the database as for push
// requests (migration 0010): a start cancels the pending challenge and inserts its own, and on
// PostgreSQL two starts at once could both find nothing pending and both insert, leaving two
// codes with tries of their own. With this index the second insert fails and the start runs
// again, superseding the first (features/methods/one-time-codes.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Databases written before may hold several pending challenges: keep the newest of each.
  await sql`update otp_challenges set status = 'cancelled', finished_at = created_at
    where status = 'pending' and exists (
      select 1 from otp_challenges newer
      where newer.tenant_id = otp_challenges.tenant_id
        and newer.customer_id = otp_challenges.customer_id
        and newer.channel = otp_challenges.channel
        and newer.status = 'pending'
        and newer.id > otp_challenges.id
    )`.execute(db);
  await db.schema
    .createIndex('otp_challenges_pending')
    .on('otp_challenges')
    .unique()
    .columns(['tenant_id', 'customer_id', 'channel'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('otp_challenges_pending').execute();
}
