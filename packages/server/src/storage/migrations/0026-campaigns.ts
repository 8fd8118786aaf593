// Migration 0026: customer rollout campaigns (invitations to enrol and announcements sent to many
// customers), their recipients, and a customer's opt-out from campaign messages.
import type { Kysely } from 'kysely';

// A campaign's audience is read in keyset order (customer id) and written into
// `campaign_recipients` a batch at a time; `audience_cursor` is the last customer id read, so a
// restarted server carries on where the last batch ended. One row per (campaign, customer) is the
// guarantee that nobody is sent one campaign twice: the row is created before anything is sent,
// and claimed by a conditional update of its status. `link_token` names the row in the tracked
// link (GET /v1/campaign-links/{token}) that records the link's opening.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('messages', 'text', (c) => c.notNull())
    .addColumn('rate_per_second', 'integer', (c) => c.notNull())
    .addColumn('link_valid_days', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('audience_cursor', 'varchar(64)')
    .addColumn('audience_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('audience_estimate', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('campaigns_tenant').on('campaigns').columns(['tenant_id', 'id']).execute();
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status']).execute();

  await db.schema
    .createTable('campaign_recipients')
    .addColumn('campaign_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(32)')
    .addColumn('channel', 'varchar(16)')
    .addColumn('provider', 'varchar(16)')
    .addColumn('provider_message_id', 'varchar(200)')
    .addColumn('activation_id', 'varchar(64)')
    .addColumn('link_token', 'varchar(64)')
    .addColumn('claimed_at', 'bigint')
    .addColumn('sent_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('opened_at', 'bigint')
    .addPrimaryKeyConstraint('campaign_recipients_pk', ['campaign_id', 'customer_id'])
    .execute();
  await db.schema
    .createIndex('campaign_recipients_status')
    .on('campaign_recipients')
    .columns(['campaign_id', 'status', 'customer_id'])
    .execute();
  await db.schema
    .createIndex('campaign_recipients_link')
    .on('campaign_recipients')
    .column('link_token')
    .unique()
    .execute();
  await db.schema
    .createIndex('campaign_recipients_provider')
    .on('campaign_recipients')
    .columns(['provider', 'provider_message_id'])
    .execute();

  // When the customer asked to receive no campaign messages (null: they did not).
  await db.schema.alterTable('customers').addColumn('campaign_opt_out_at', 'bigint').execute();
  // The funnel's "enrolled" step asks whether a customer has a device enrolled after a time.
  await db.schema
    .createIndex('devices_customer_created')
    .on('devices')
    .columns(['customer_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('devices_customer_created').execute();
  await db.schema.alterTable('customers').dropColumn('campaign_opt_out_at').execute();
  await db.schema.dropTable('campaign_recipients').execute();
  await db.schema.dropTable('campaigns').execute();
}
