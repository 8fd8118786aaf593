// Migration 0020: indexes for the webhook pump. It claims each endpoint's next due deliveries in
// event order and checks whether another process holds a live lease on one of them; without
// these, both read every pending delivery of the endpoint, which a backlog makes slow.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // An endpoint's pending deliveries in event order (delivery ids are time-ordered).
  await db.schema
    .createIndex('webhook_deliveries_endpoint_queue')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'status', 'id'])
    .execute();
  // An endpoint's live leases: cleared when an attempt is recorded, so only the few in flight.
  await db.schema
    .createIndex('webhook_deliveries_endpoint_lease')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'lease_until'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_endpoint_lease').execute();
  await db.schema.dropIndex('webhook_deliveries_endpoint_queue').execute();
}
