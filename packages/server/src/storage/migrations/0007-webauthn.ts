// Migration 0007: WebAuthn credentials of devices.
import type { Kysely } from 'kysely';

// Biometric approval: a device's WebAuthn credential, and whether a verification was started
// under a policy that requires user verification. One credential per device, kept on the device
// row, so the decision path reads nothing more than it already does.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('devices')
    // base64url credential id, as the authenticator reports it (WebAuthn allows up to 1023 bytes).
    .addColumn('webauthn_credential_id', 'varchar(1400)')
    .execute();
  // The credential's COSE public key, base64url.
  await db.schema.alterTable('devices').addColumn('webauthn_public_key', 'text').execute();
  // Signature counter last seen (WebAuthn Level 3, section 6.1.1); 0 for authenticators without one.
  await db.schema
    .alterTable('devices')
    .addColumn('webauthn_counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('devices').addColumn('webauthn_registered_at', 'bigint').execute();
  await db.schema
    .createIndex('devices_webauthn_credential')
    .on('devices')
    .column('webauthn_credential_id')
    .unique()
    .execute();
  // The policy in force when the request started governs its decision.
  await db.schema
    .alterTable('verifications')
    .addColumn('require_user_verification', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('verifications').dropColumn('require_user_verification').execute();
  await db.schema.dropIndex('devices_webauthn_credential').execute();
  for (const column of [
    'webauthn_registered_at',
    'webauthn_counter',
    'webauthn_public_key',
    'webauthn_credential_id',
  ]) {
    await db.schema.alterTable('devices').dropColumn(column).execute();
  }
}
