// Migration 0022: every method's outcome is a verification (SMS, e-mail, TOTP, app codes and
// security questions besides push).
import { type Kysely, PostgresAdapter } from 'kysely';

// A fallback method's check is recorded as a row of `verifications` with its method
// (`sms_otp`, `email_otp`, `totp`, `app_code`, `security_questions`) and a final status
// (features/methods/outcomes.ts), so history, the verification API and webhooks speak of every
// method in one shape. `action` is the policy action the check was for (fallback methods are
// asked for an action, push for a purpose); push rows leave it null. The index serves the list's
// method filter, newest first.
export async function up(db: Kysely<unknown>): Promise<void> {
  // `security_questions` is longer than the 16 characters push's method column was made for.
  // SQLite does not hold text to a declared length (nor can it alter a column's type).
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await db.schema
      .alterTable('verifications')
      .alterColumn('method', (c) => c.setDataType('varchar(32)'))
      .execute();
  }
  await db.schema.alterTable('verifications').addColumn('action', 'varchar(64)').execute();
  await db.schema
    .createIndex('verifications_method')
    .on('verifications')
    .columns(['tenant_id', 'method', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verifications_method').execute();
  await db.schema.alterTable('verifications').dropColumn('action').execute();
}
