// The audit log: hash-chained entries per tenant. An entry commits with the change it records;
// on PostgreSQL it then takes its place in the chain in a short transaction of its own.
import { newId } from '@helpdesk-auth/core';
import {
  type AuditEntry,
  type ChainVerdict,
  computeAuditHash,
  createAuditChainVerifier,
  genesisHash,
} from '@helpdesk-auth/core/audit-chain';
import { type DialectAdapter, PostgresAdapter, sql } from 'kysely';
import { afterCommit } from '../storage/after-commit.ts';
import { inTransaction } from '../storage/atomic.ts';
import type { Db } from '../storage/database.ts';
import { prepared, type Slots } from '../storage/prepared.ts';
import type { AuditEventRow, AuditPendingRow } from '../storage/schema.ts';

/** Who did something: a signed-in operator, an integration's API key, the CLI, or the server itself. */
export type Actor =
  | { type: 'operator'; id: string }
  | { type: 'api_key'; id: string }
  | { type: 'cli'; id: null }
  | { type: 'system'; id: null }
  // A registered OpenID Connect client (CIBA), and a Keycloak realm delegating to its channel.
  | { type: 'oidc_client'; id: string }
  | { type: 'keycloak'; id: null };

export const cliActor: Actor = { type: 'cli', id: null };
export const systemActor: Actor = { type: 'system', id: null };

export interface AuditRecord {
  tenantId: string;
  actor: Actor;
  action: string;
  target?: { type: string; id: string };
  data?: Record<string, unknown>;
  now: number;
}

// Keys that must never appear in audit data: codes, answers and secrets stay out of the log
// (DESIGN.md section 6). A match is a programming error, so it throws before anything is written.
const forbiddenKeys = /pass(word)?|secret|token|code|answer|seed|hash|otp|pin$/i;

function assertNoSecrets(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (forbiddenKeys.test(key)) throw new Error(`Audit data must not carry secrets (${path}${key}).`);
    assertNoSecrets(inner, `${path}${key}.`);
  }
}

/**
 * An entry about a practice customer (its id in `data.customerId`, or the entry's target) carries
 * `practice: true`: it stays in the tenant's chain, audited as practice, and never becomes a
 * webhook event (features/webhooks/webhook-events.ts). Done here so no call site can forget it,
 * and without a query of its own: the statement that writes the entry (or takes its sequence
 * number) looks the customer up by its key and chooses between the two prepared forms of the
 * data, so an audited write costs what it did before practice existed, and nothing is remembered
 * between writes. A caller that already knows sets `data.practice` itself (the practice feature),
 * and then nothing is looked up.
 */
interface PracticeCheck {
  customerId: string;
  /** The entry's data with `practice: true`, used when the customer is a practice customer. */
  practiceData: string;
}

function practiceCheck(record: AuditRecord): PracticeCheck | null {
  if (record.data?.practice !== undefined) return null;
  const fromData = record.data?.customerId;
  const customerId =
    typeof fromData === 'string' ? fromData : record.target?.type === 'customer' ? record.target.id : null;
  if (!customerId) return null;
  return { customerId, practiceData: JSON.stringify({ ...record.data, practice: true }) };
}

export function createAuditHead(db: Db, tenantId: string): Promise<unknown> {
  return db.insertInto('audit_heads').values({ tenant_id: tenantId, seq: 0, hash: genesisHash }).execute();
}

/**
 * How an entry gets its place in the chain.
 *
 * - `deferred` (PostgreSQL): the change's transaction only inserts the entry's content into
 *   `audit_pending`, which takes no lock any other transaction waits for. Once it has committed,
 *   the sequencer seals it: in a transaction of its own that holds the tenant's head row, it
 *   numbers every committed pending entry of the tenant, chains their hashes onto the head, moves
 *   them to `audit_events` and moves the head. Concurrent changes of a tenant no longer queue on
 *   its head row for the rest of their transactions; their entries are sealed together.
 * - `inline` (SQLite): the entry is numbered, hashed and chained in the change's own transaction.
 *   SQLite runs one write transaction at a time anyway, so holding the head costs nothing, and
 *   sealing after the commit would cost every change a second group commit.
 *
 * Both write the same chain, verified the same way; tests run both on both databases.
 */
export type AuditSealing = 'inline' | 'deferred';

const sealingChosen = new WeakMap<DialectAdapter, AuditSealing>();

function adapterOf(db: Db): DialectAdapter {
  return db.getExecutor().adapter;
}

function isPostgres(db: Db): boolean {
  return adapterOf(db) instanceof PostgresAdapter;
}

/** Chooses how a database's entries are sealed (tests try both on both databases). */
export function setAuditSealing(db: Db, sealing: AuditSealing): void {
  sealingChosen.set(adapterOf(db), sealing);
}

export function auditSealing(db: Db): AuditSealing {
  return sealingChosen.get(adapterOf(db)) ?? (isPostgres(db) ? 'deferred' : 'inline');
}

// The statements of every audited change, prepared (storage/prepared.ts).
const takeSeq = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db
    .updateTable('audit_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('tenant_id', '=', slot('tenantId'))
    .returning(['seq', 'hash']),
);
/** `takeSeq`, also answering whether the entry's customer is a practice customer (1, 0 or null). */
const takeSeqAbout = prepared((db, slot: Slots<{ tenantId: string; customerId: string }>) =>
  db
    .updateTable('audit_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('tenant_id', '=', slot('tenantId'))
    .returning((eb) => [
      'seq',
      'hash',
      eb
        .selectFrom('customers')
        .select('customers.practice')
        .where('customers.tenant_id', '=', slot('tenantId'))
        .where('customers.id', '=', slot('customerId'))
        .as('practice'),
    ]),
);
const insertEntry = prepared((db, slot: Slots<AuditEntry>) =>
  db.insertInto('audit_events').values({
    id: slot('id'),
    tenant_id: slot('tenantId'),
    seq: slot('seq'),
    occurred_at: slot('occurredAt'),
    actor_type: slot('actorType'),
    actor_id: slot('actorId'),
    action: slot('action'),
    target_type: slot('targetType'),
    target_id: slot('targetId'),
    data: slot('data'),
    prev_hash: slot('prevHash'),
    hash: slot('hash'),
  }),
);
const setHeadHash = prepared((db, slot: Slots<{ tenantId: string; hash: string }>) =>
  db
    .updateTable('audit_heads')
    .set({ hash: slot('hash') })
    .where('tenant_id', '=', slot('tenantId')),
);
const insertPending = prepared((db, slot: Slots<AuditPendingRow>) =>
  db.insertInto('audit_pending').values({
    id: slot('id'),
    tenant_id: slot('tenant_id'),
    occurred_at: slot('occurred_at'),
    actor_type: slot('actor_type'),
    actor_id: slot('actor_id'),
    action: slot('action'),
    target_type: slot('target_type'),
    target_id: slot('target_id'),
    data: slot('data'),
  }),
);

/**
 * `insertPending` for an entry about a customer: the data with `practice: true` when the customer
 * is a practice customer, as it is, otherwise, chosen in the insert itself.
 */
const insertPendingAbout = prepared(
  (db, slot: Slots<AuditPendingRow & { customerId: string; practiceData: string }>) =>
    db
      .insertInto('audit_pending')
      .values({
        id: slot('id'),
        tenant_id: slot('tenant_id'),
        occurred_at: slot('occurred_at'),
        actor_type: slot('actor_type'),
        actor_id: slot('actor_id'),
        action: slot('action'),
        target_type: slot('target_type'),
        target_id: slot('target_id'),
        data: sql<string>`case when exists (select 1 from customers where customers.tenant_id = ${slot('tenant_id')}
          and customers.id = ${slot('customerId')} and customers.practice = 1)
          then ${slot('practiceData')} else ${slot('data')} end`,
      })
      .returning('data'),
);

/** The entries one sealing transaction takes at most. */
const sealBatchSize = 500;

// The sequencer's statements. Their text does not depend on how many entries a batch holds (the
// entries travel as one JSON parameter), so PostgreSQL prepares each once (postgres-statements.ts).
const headForSealing = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db.selectFrom('audit_heads').select(['seq', 'hash']).where('tenant_id', '=', slot('tenantId')),
);
const headForSealingLocked = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db.selectFrom('audit_heads').select(['seq', 'hash']).where('tenant_id', '=', slot('tenantId')).forUpdate(),
);
const headForSealingOrSkip = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', slot('tenantId'))
    .forUpdate()
    .skipLocked(),
);
const pendingOfTenant = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db
    .selectFrom('audit_pending')
    .selectAll()
    .where('tenant_id', '=', slot('tenantId'))
    .orderBy('id', 'asc')
    .limit(sealBatchSize),
);
const anyPending = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db.selectFrom('audit_pending').select('id').where('tenant_id', '=', slot('tenantId')).limit(1),
);
const setHead = prepared((db, slot: Slots<{ tenantId: string; seq: number; hash: string }>) =>
  db
    .updateTable('audit_heads')
    .set({ seq: slot('seq'), hash: slot('hash') })
    .where('tenant_id', '=', slot('tenantId')),
);

function entryContent(record: AuditRecord): AuditPendingRow {
  const data = record.data ?? {};
  assertNoSecrets(data, '');
  return {
    id: newId('audit', record.now),
    tenant_id: record.tenantId,
    occurred_at: record.now,
    actor_type: record.actor.type,
    actor_id: record.actor.id,
    action: record.action,
    target_type: record.target?.type ?? null,
    target_id: record.target?.id ?? null,
    data: JSON.stringify(data),
  };
}

/** The entry `row` becomes as number `seq` after the entry whose hash is `prevHash`. */
function chained(row: AuditPendingRow, seq: number, prevHash: string): AuditEntry {
  const content = {
    id: row.id,
    tenantId: row.tenant_id,
    seq,
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    data: row.data,
    prevHash,
  };
  return { ...content, hash: computeAuditHash(content) };
}

/**
 * Numbers, hashes and inserts one entry after the head, holding the head until commit; with a
 * practice check, the statement that takes the number also tells whether the customer is a
 * practice one, and the entry gets the data that says so before it is hashed.
 */
async function appendInline(
  tx: Db,
  content: AuditPendingRow,
  check: PracticeCheck | null,
): Promise<AuditEntry> {
  let row = content;
  let head: { seq: number; hash: string } | undefined;
  if (check) {
    const about = await takeSeqAbout.first(tx, { tenantId: row.tenant_id, customerId: check.customerId });
    if (about && Number(about.practice) === 1) row = { ...row, data: check.practiceData };
    head = about;
  } else {
    head = await takeSeq.first(tx, { tenantId: row.tenant_id });
  }
  if (!head) throw new Error(`Tenant ${row.tenant_id} has no audit head.`);
  const entry = chained(row, head.seq, head.hash);
  await insertEntry.changes(tx, entry);
  await setHeadHash.changes(tx, { tenantId: row.tenant_id, hash: entry.hash });
  return entry;
}

/** What `appendAudit` wrote. */
export interface AppendedAudit {
  id: string;
  /** The entry is about a practice customer and carries `practice: true` (see `practiceCheck`). */
  practice: boolean;
}

/**
 * Appends one entry to the tenant's log. Call it inside the transaction that makes the change it
 * records, so the change and its evidence commit or fail together. With deferred sealing (see
 * `AuditSealing`) the entry is sealed into the chain right after the commit, before the
 * `inTransaction` that made the change returns; should that fail, the sequencer's sweep seals it.
 * Either way it has a place in the chain before the caller can read the log (readers seal first).
 */
export async function appendAudit(tx: Db, record: AuditRecord): Promise<AppendedAudit> {
  if (!tx.isTransaction)
    throw new Error('appendAudit must run inside the transaction of the change it records.');
  const row = entryContent(record);
  const check = practiceCheck(record);
  if (auditSealing(tx) === 'inline') {
    const entry = await appendInline(tx, row, check);
    return {
      id: row.id,
      practice: check ? entry.data === check.practiceData : record.data?.practice === true,
    };
  }
  let practice = record.data?.practice === true;
  if (check) {
    const written = await insertPendingAbout.first(tx, { ...row, ...check });
    practice = written?.data === check.practiceData;
  } else {
    await insertPending.changes(tx, row);
  }
  afterCommit(tx, (db) => sealPromptly(db, row.tenant_id));
  return { id: row.id, practice };
}

/**
 * Appends many entries at once, as `appendAudit` appends one, in the caller's transaction: for a
 * change made to many rows together (a campaign's batch of invitations). Which of the customers
 * the entries are about are practice customers is read in one statement per tenant (see
 * `practiceCheck`), and with deferred sealing the entries are written in one multi-row insert, so
 * a batch costs a few round trips instead of one or more per entry. The entries keep the order
 * given.
 */
export async function appendAuditMany(tx: Db, records: AuditRecord[]): Promise<AppendedAudit[]> {
  if (!tx.isTransaction)
    throw new Error('appendAuditMany must run inside the transaction of the change it records.');
  if (records.length === 0) return [];
  const checks = records.map(practiceCheck);
  const practiceOf = await practiceCustomersAmong(tx, records, checks);
  const appended: AppendedAudit[] = [];
  const rows = records.map((record, i) => {
    const row = entryContent(record);
    const check = checks[i];
    const practice = check
      ? practiceOf.has(`${record.tenantId}:${check.customerId}`)
      : record.data?.practice === true;
    appended.push({ id: row.id, practice });
    return check && practice ? { ...row, data: check.practiceData } : row;
  });
  if (auditSealing(tx) === 'inline') {
    for (const row of rows) await appendInline(tx, row, null);
  } else {
    await tx.insertInto('audit_pending').values(rows).execute();
    for (const tenantId of new Set(rows.map((r) => r.tenant_id)))
      afterCommit(tx, (db) => sealPromptly(db, tenantId));
  }
  return appended;
}

/** The practice customers among those the records are about, as `tenant:customer`, read in one statement per tenant. */
async function practiceCustomersAmong(
  tx: Db,
  records: AuditRecord[],
  checks: Array<PracticeCheck | null>,
): Promise<Set<string>> {
  const asked = new Map<string, Set<string>>();
  records.forEach((record, i) => {
    const check = checks[i];
    if (!check) return;
    const ids = asked.get(record.tenantId) ?? new Set<string>();
    ids.add(check.customerId);
    asked.set(record.tenantId, ids);
  });
  const practice = new Set<string>();
  for (const [tenantId, ids] of asked) {
    const rows = await tx
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .where('practice', '=', 1)
      .execute();
    for (const row of rows) practice.add(`${tenantId}:${row.id}`);
  }
  return practice;
}

/**
 * Appends one entry and gives it its place in the chain within the caller's transaction, for the
 * rare change that needs its own sequence number (a webhook endpoint's cursor starts after the
 * entry recording its creation). It seals the tenant's committed pending entries first, so they
 * stay before it, and holds the tenant's head until commit as every append once did.
 */
export async function appendAuditSealed(tx: Db, record: AuditRecord): Promise<AuditEntry> {
  if (!tx.isTransaction)
    throw new Error('appendAuditSealed must run inside the transaction of the change it records.');
  const row = entryContent(record);
  for (;;) {
    const head = await lockHead(tx, row.tenant_id, 'wait');
    if (!head) throw new Error(`Tenant ${row.tenant_id} has no audit head.`);
    if ((await sealBatch(tx, row.tenant_id, head)) < sealBatchSize) break;
  }
  return appendInline(tx, row, practiceCheck(record));
}

function lockHead(tx: Db, tenantId: string, lock: 'wait' | 'skip') {
  // SQLite has no row locks: its one write transaction at a time serialises the sealers.
  const query = !isPostgres(tx)
    ? headForSealing
    : lock === 'wait'
      ? headForSealingLocked
      : headForSealingOrSkip;
  return query.first(tx, { tenantId });
}

/**
 * Seals up to one batch of the tenant's committed pending entries after `head`, in `tx`, which
 * holds the head row. Returns how many it sealed. Order in the chain: entries sealed by an
 * earlier transaction come first; within a batch, by id (creation time, then creation order).
 */
async function sealBatch(tx: Db, tenantId: string, head: { seq: number; hash: string }): Promise<number> {
  // A statement of its own, after the one that locked the head: under read committed it then
  // sees what the sealer before this one committed. Read in the locking statement, it would
  // come from a snapshot taken before waiting for the lock.
  const rows = await pendingOfTenant.all(tx, { tenantId });
  if (rows.length === 0) return 0;
  let seq = head.seq;
  let prevHash = head.hash;
  const entries = rows.map((row) => {
    seq++;
    const entry = chained(row, seq, prevHash);
    prevHash = entry.hash;
    return entry;
  });
  const sealed = JSON.stringify(
    entries.map((e) => ({
      id: e.id,
      tenant_id: e.tenantId,
      seq: e.seq,
      occurred_at: e.occurredAt,
      actor_type: e.actorType,
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      data: e.data,
      prev_hash: e.prevHash,
      hash: e.hash,
    })),
  );
  if (isPostgres(tx)) {
    // One round trip: PostgreSQL runs every data-modifying part of a WITH to completion.
    const { rows: counts } = await sql<{ inserted: number; deleted: number; head: number }>`
      with batch as (
        select * from json_to_recordset(${sealed}::json) as r(id text, tenant_id text, seq bigint,
          occurred_at bigint, actor_type text, actor_id text, action text, target_type text, target_id text,
          data text, prev_hash text, hash text)
      ), inserted as (
        insert into audit_events (id, tenant_id, seq, occurred_at, actor_type, actor_id, action, target_type,
          target_id, data, prev_hash, hash)
        select id, tenant_id, seq, occurred_at, actor_type, actor_id, action, target_type, target_id, data,
          prev_hash, hash from batch
        returning 1
      ), deleted as (
        delete from audit_pending where tenant_id = ${tenantId} and id in (select id from batch) returning 1
      ), head as (
        update audit_heads set seq = ${seq}, hash = ${prevHash} where tenant_id = ${tenantId} returning 1
      )
      select (select count(*) from inserted) as inserted, (select count(*) from deleted) as deleted,
        (select count(*) from head) as head`.execute(tx);
    const done = counts[0];
    if (Number(done?.head) !== 1) throw new Error(`Tenant ${tenantId} has no audit head.`);
    checkBatch(tenantId, entries.length, Number(done?.inserted), Number(done?.deleted));
  } else {
    const ids = JSON.stringify(entries.map((e) => e.id));
    const inserted =
      await sql`insert into audit_events (id, tenant_id, seq, occurred_at, actor_type, actor_id,
        action, target_type, target_id, data, prev_hash, hash)
      select json_extract(value, '$.id'), json_extract(value, '$.tenant_id'), json_extract(value, '$.seq'),
        json_extract(value, '$.occurred_at'), json_extract(value, '$.actor_type'), json_extract(value, '$.actor_id'),
        json_extract(value, '$.action'), json_extract(value, '$.target_type'), json_extract(value, '$.target_id'),
        json_extract(value, '$.data'), json_extract(value, '$.prev_hash'), json_extract(value, '$.hash')
      from json_each(${sealed})`.execute(tx);
    const deleted =
      await sql`delete from audit_pending where tenant_id = ${tenantId} and id in (select value from json_each(${ids}))`.execute(
        tx,
      );
    checkBatch(tenantId, entries.length, Number(inserted.numAffectedRows), Number(deleted.numAffectedRows));
    await setHead.changes(tx, { tenantId, seq, hash: prevHash });
  }
  return entries.length;
}

// Only a sealer holding the head deletes pending entries, so both counts are the batch's;
// anything else is a bug, and throwing rolls the batch back with nothing lost.
function checkBatch(tenantId: string, size: number, inserted: number, deleted: number): void {
  if (inserted !== size || deleted !== size)
    throw new Error(`Audit sealing of tenant ${tenantId} found its batch changed under it.`);
}

/**
 * Seals the tenant's committed pending entries, a batch per transaction, until none is left.
 * `wait` queues behind another sealer of the tenant (any process) and then seals what it left;
 * `skip` leaves the tenant to the sealer that holds it. Returns how many entries it sealed.
 */
async function sealTenant(db: Db, tenantId: string, lock: 'wait' | 'skip'): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await inTransaction(db, async (tx) => {
      const head = await lockHead(tx, tenantId, lock);
      return head ? sealBatch(tx, tenantId, head) : 0;
    });
    total += sealed;
    if (sealed < sealBatchSize) return total;
  }
}

/**
 * Seals every entry of the tenant that committed before this call, waiting for another sealer
 * if one is at work. Readers of the log call it first, so they see every entry committed before
 * they asked, in its place. Returns how many entries this call sealed.
 */
export async function sealAudit(db: Db, tenantId: string): Promise<number> {
  if (!(await anyPending.first(db, { tenantId }))) return 0;
  return sealTenant(db, tenantId, 'wait');
}

/**
 * The sequencer's sweep: seals the pending entries of every tenant, skipping a tenant another
 * sealer holds (that one seals them). Entries whose after-commit sealing never ran (the process
 * stopped between the commit and the sealing, or the sealing failed) are sealed here; servers
 * run it at start and every second. Returns how many entries it sealed.
 */
export async function sealAuditBacklog(db: Db): Promise<number> {
  const tenants = await db.selectFrom('audit_pending').select('tenant_id').distinct().execute();
  let total = 0;
  for (const { tenant_id } of tenants) total += await sealTenant(db, tenant_id, 'skip');
  return total;
}

// After-commit sealing, per database and tenant: one sealing at a time in this process, and
// the changes that commit meanwhile share the next one (as transactions share a group commit).
interface Turn {
  running?: Promise<void>;
  queued?: Promise<void>;
}
const turns = new WeakMap<Db, Map<string, Turn>>();

function sealPromptly(db: Db, tenantId: string): Promise<void> {
  let ofDb = turns.get(db);
  if (!ofDb) {
    ofDb = new Map();
    turns.set(db, ofDb);
  }
  const tenants = ofDb;
  let turn = tenants.get(tenantId);
  if (!turn) {
    turn = {};
    tenants.set(tenantId, turn);
  }
  const t = turn;
  const start = (): Promise<void> => {
    const run: Promise<void> = sealTenant(db, tenantId, 'wait')
      .then(() => undefined)
      .finally(() => {
        if (t.running === run) t.running = undefined;
        if (!t.running && !t.queued) tenants.delete(tenantId);
      });
    t.running = run;
    return run;
  };
  if (!t.running) return start();
  // A sealing under way may have read the pending entries before this one committed: the next
  // one starts after it, and every caller that comes meanwhile waits for that same next one.
  t.queued ??= t.running
    .catch(() => undefined)
    .then(() => {
      t.queued = undefined;
      // A caller that came between the end of the last sealing and this moment started one
      // already, after every commit this turn's callers waited for: share it.
      return t.running ?? start();
    });
  return t.queued;
}

/** How many of the tenant's entries have committed and wait to be sealed. */
export async function unsealedAuditCount(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('audit_pending')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export function fromAuditRow(row: AuditEventRow): AuditEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    seq: row.seq,
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditFilter {
  action?: string | undefined;
  /**
   * Entries about one customer: the customer itself, its verifications and one-time codes (whose
   * data names it) and its devices.
   */
  customerId?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  /** Return entries with a sequence number below this (newest first paging). */
  beforeSeq?: number | undefined;
  limit: number;
}

/** The filter's conditions on a query of one tenant's entries. */
function applyAuditFilter<Q extends AuditQuery>(
  query: Q,
  tenantId: string,
  filter: Omit<AuditFilter, 'limit'>,
): Q {
  let q = query as AuditQuery;
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
  if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
  if (filter.from !== undefined) q = q.where('occurred_at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('occurred_at', '<', filter.to);
  const customerId = filter.customerId;
  if (customerId) {
    // The data is stored as JSON.stringify wrote it, so a customer's id appears exactly so. The
    // route admits only customer ids (letters, digits, _), which hold no LIKE wildcard.
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('target_type', '=', 'customer'), eb('target_id', '=', customerId)]),
        eb('data', 'like', `%"customerId":"${customerId}"%`),
        eb.and([
          eb('target_type', '=', 'device'),
          eb(
            'target_id',
            'in',
            eb
              .selectFrom('devices')
              .select('devices.id')
              .where('devices.tenant_id', '=', tenantId)
              .where('devices.customer_id', '=', customerId),
          ),
        ]),
      ]),
    );
  }
  return q as Q;
}
type AuditQuery = ReturnType<typeof auditQuery>;
const auditQuery = (db: Db, tenantId: string) =>
  db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);

/**
 * Newest first, filtered, one page. Seals the tenant's committed entries first, so the page
 * holds every entry committed before the call, each in its place in the chain.
 */
export async function listAudit(db: Db, tenantId: string, filter: AuditFilter): Promise<AuditEntry[]> {
  await sealAudit(db, tenantId);
  let query = applyAuditFilter(auditQuery(db, tenantId), tenantId, filter);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
  return rows.map(fromAuditRow);
}

/**
 * Every sealed entry of a tenant, oldest first, read in pages so memory stays flat; it seals the
 * entries committed before the call first. `upToSeq` stops at that sequence number; with a
 * filter, only the entries it matches (the export of what the auditor's list shows).
 */
export async function* readAuditChain(
  db: Db,
  tenantId: string,
  options: {
    pageSize?: number;
    upToSeq?: number;
    filter?: Omit<AuditFilter, 'beforeSeq' | 'limit'>;
  } = {},
): AsyncGenerator<AuditEntry> {
  const pageSize = options.pageSize ?? 1000;
  await sealAudit(db, tenantId);
  let afterSeq = 0;
  for (;;) {
    let query = applyAuditFilter(auditQuery(db, tenantId), tenantId, options.filter ?? {}).where(
      'seq',
      '>',
      afterSeq,
    );
    if (options.upToSeq !== undefined) query = query.where('seq', '<=', options.upToSeq);
    const rows = await query.orderBy('seq', 'asc').limit(pageSize).execute();
    for (const row of rows) yield fromAuditRow(row);
    if (rows.length < pageSize) return;
    afterSeq = rows[rows.length - 1]!.seq;
  }
}

/**
 * A tenant's chain verified: `headSeq` is the position it is sealed up to (the head row), and
 * `unsealed` how many committed entries were still waiting for their place when it was checked
 * (entries committed during the check; the check seals what committed before it).
 */
export type AuditVerification = ChainVerdict & { headSeq: number; unsealed: number };

/**
 * Seals what committed before the call, then verifies the tenant's chain up to its head and
 * checks that it ends where the head row says, which catches entries deleted from the end (a
 * truncated chain is otherwise internally consistent). The head is read first: sealing that goes
 * on meanwhile moves it further, but everything up to the head read is committed.
 */
export async function verifyTenantAuditChain(db: Db, tenantId: string): Promise<AuditVerification> {
  await sealAudit(db, tenantId);
  const head = await db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  const headSeq = head?.seq ?? 0;
  const verifier = createAuditChainVerifier(tenantId);
  for await (const entry of readAuditChain(db, tenantId, { upToSeq: headSeq })) {
    if (verifier.add(entry)) break;
  }
  const unsealed = await unsealedAuditCount(db, tenantId);
  const verdict = verifier.verdict();
  if (!verdict.ok) return { ...verdict, headSeq, unsealed };
  const end = verifier.head();
  if (!head || end.seq !== head.seq || end.hash !== head.hash) {
    return {
      ok: false,
      checked: verdict.checked,
      headSeq,
      unsealed,
      firstBroken: { seq: end.seq + 1, id: '(missing)', reason: 'sequence_gap' },
    };
  }
  return { ...verdict, headSeq, unsealed };
}
