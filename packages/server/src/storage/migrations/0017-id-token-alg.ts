// Migration 0017: the algorithm an OpenID client's ID tokens are signed with (ES256 or RS256).
import type { Kysely } from 'kysely';

// Existing clients keep ES256; RS256 clients are signed with the server's RSA key
// (platform/signing/server-keys.ts, server_keys.purpose = 'id-token-rsa').
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('oidc_clients')
    .addColumn('id_token_alg', 'varchar(10)', (c) => c.notNull().defaultTo('ES256'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oidc_clients').dropColumn('id_token_alg').execute();
}
