// A process that appends audit entries with deferred sealing until it is killed, for the
// audit sequencer's crash test (platform/audit-sealing.test.ts). It tells its parent the id of
// each entry whose transaction committed, before that entry is sealed.
import { appendAudit, cliActor, sealAudit, setAuditSealing } from '../platform/audit-log.ts';
import { durable, openDatabase } from '../storage/database.ts';

const [databaseUrl, dataDir, tenantId] = process.argv.slice(2) as [string, string, string];
const database = openDatabase({ databaseUrl: databaseUrl || undefined, dataDir });
setAuditSealing(database.db, 'deferred');

for (let i = 0; ; i++) {
  // A plain transaction, not inTransaction: sealing is this loop's own next step, so a kill can
  // land between any two of commit, report and sealing.
  const { id } = await database.db
    .transaction()
    .execute((tx) =>
      appendAudit(tx, { tenantId, actor: cliActor, action: 'test.crash', data: { i }, now: Date.now() }),
    );
  // SQLite commits in groups: the entry is committed once the group carrying it is.
  await durable(database.db);
  await new Promise<void>((resolve) => process.send!({ committed: id }, () => resolve()));
  if (i % 3 === 0) await sealAudit(database.db, tenantId);
}
