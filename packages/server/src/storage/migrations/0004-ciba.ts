// Migration 0004: OpenID clients, CIBA requests and the Keycloak channel.
import type { Kysely } from 'kysely';

// OpenID Connect CIBA and the Keycloak authentication channel: the OpenID clients admins
// register, the backchannel authentication requests they make, each tenant's Keycloak channel
// and the requests Keycloak delegates to it. Every request points at the push verification that
// carries it; its outcome is that verification's final status. Schema builder only, so the same
// migration runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oidc_clients')
    // The client_id.
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('auth_method', 'varchar(32)', (c) => c.notNull())
    // client_secret_basic: SHA-256 of the 256-bit secret, which is shown once.
    .addColumn('secret_hash', 'varchar(64)')
    // private_key_jwt: the client's public keys (JWKS, JSON).
    .addColumn('jwks', 'text')
    .addColumn('delivery_mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('notification_endpoint', 'varchar(2048)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oidc_clients_tenant')
    .on('oidc_clients')
    .columns(['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('ciba_requests')
    // The auth_req_id: 80 random bits, and only ever redeemed by the client it was issued to.
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('verification_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scope', 'varchar(200)', (c) => c.notNull())
    .addColumn('acr_values', 'varchar(200)')
    .addColumn('delivery_mode', 'varchar(8)', (c) => c.notNull())
    // Ping mode: the bearer token the client gave for its notification, sealed.
    .addColumn('notification_token_sealed', 'text')
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set once, when the tokens are issued: an auth_req_id is redeemed at most once.
    .addColumn('redeemed_at', 'bigint')
    // Ping mode: when the notification was delivered (or given up on).
    .addColumn('notified_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ciba_requests_verification')
    .on('ciba_requests')
    .columns(['verification_id'])
    .execute();
  // The ping sweep: requests whose notification is still owed.
  await db.schema
    .createIndex('ciba_requests_unnotified')
    .on('ciba_requests')
    .columns(['delivery_mode', 'notified_at'])
    .execute();

  await db.schema
    .createTable('keycloak_channels')
    .addColumn('tenant_id', 'varchar(64)', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('base_url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('realm', 'varchar(200)', (c) => c.notNull())
    // The realm's issuer as Keycloak writes it in its tokens (iss and aud); unique, because it
    // names the tenant an incoming request belongs to.
    .addColumn('issuer', 'varchar(2048)', (c) => c.notNull().unique())
    // JSON array of Keycloak client ids allowed to start requests; empty means any client of the realm.
    .addColumn('allowed_clients', 'text', (c) => c.notNull())
    .addColumn('requester_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('keycloak_requests')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    // Keycloak's id of the request (the bearer token's jti), unique per tenant.
    .addColumn('keycloak_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('verification_id', 'varchar(64)', (c) => c.notNull())
    // The bearer token Keycloak sent, sealed: the callback must present it again.
    .addColumn('bearer_sealed', 'text', (c) => c.notNull())
    .addColumn('bearer_expires_at', 'bigint', (c) => c.notNull())
    // SUCCEED, UNAUTHORIZED or CANCELLED, once the verification is final.
    .addColumn('callback_status', 'varchar(16)')
    .addColumn('callback_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    // When Keycloak accepted the callback, or when it was given up.
    .addColumn('callback_done_at', 'bigint')
    .addColumn('callback_outcome', 'varchar(16)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('keycloak_requests_keycloak_id')
    .on('keycloak_requests')
    .columns(['tenant_id', 'keycloak_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('keycloak_requests_verification')
    .on('keycloak_requests')
    .columns(['verification_id'])
    .execute();
  await db.schema
    .createIndex('keycloak_requests_due')
    .on('keycloak_requests')
    .columns(['callback_done_at', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['keycloak_requests', 'keycloak_channels', 'ciba_requests', 'oidc_clients']) {
    await db.schema.dropTable(table).execute();
  }
}
