// Migration 0014: the signed key sets that tell enrolled devices about a new signing key.
import type { Kysely } from 'kysely';

// One row per signing-key rotation: the key set after it (a JWS signed by the key it replaces,
// platform/signing/server-keys.ts). The version is the primary key, so two rotations at once
// cannot both claim the same place in the chain: the second one's insert fails and it rolls back.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('server_key_sets')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    // The key that signed the set, and the key it introduced.
    .addColumn('signed_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('new_key_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_key_sets').execute();
}
