// Migration 0029: the algorithm an OpenID client signs its CIBA authentication requests with, when
// it registered one (CIBA Core section 4, backchannel_authentication_request_signing_alg).
import type { Kysely } from 'kysely';

// Null for existing clients: they may send requests signed or plain, as before. A client with an
// algorithm must sign every request with it (features/ciba/ciba.ts), as FAPI-CIBA requires.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oidc_clients').addColumn('request_signing_alg', 'varchar(10)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oidc_clients').dropColumn('request_signing_alg').execute();
}
