// Migration 0034: the simulated phones' answers of the practice space, kept in the database so
// that any server process gives them, once, also after the process that heard the request stopped.
import { type Kysely, sql } from 'kysely';

// One row per practice request a simulated phone is to answer: the scenario's next answer
// (`step`) and when it is due. A process claims a due answer with one conditional update (the
// due time moves a lease ahead), gives it, and moves the row to the next answer or deletes it
// (features/practice/simulated-phone.ts). No foreign key to the practice tables: this migration
// may run before the one that makes them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('practice_answers')
    .addColumn('verification_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('device_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index practice_answers_due on practice_answers (due_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('practice_answers_due').execute();
  await db.schema.dropTable('practice_answers').execute();
}
