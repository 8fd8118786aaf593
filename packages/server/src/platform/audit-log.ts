// The audit log: hash-chained entries per tenant, appended in the change's own transaction.
import { newId } from '@helpdesk-auth/core';
import {
  type AuditEntry,
  type ChainVerdict,
  computeAuditHash,
  createAuditChainVerifier,
  genesisHash,
} from '@helpdesk-auth/core/audit-chain';
import type { Db } from '../storage/database.ts';
import { prepared, type Slots } from '../storage/prepared.ts';
import type { AuditEventRow } from '../storage/schema.ts';

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

export function createAuditHead(db: Db, tenantId: string): Promise<unknown> {
  return db.insertInto('audit_heads').values({ tenant_id: tenantId, seq: 0, hash: genesisHash }).execute();
}

// The three statements of every audited change, prepared (storage/prepared.ts).
const takeSeq = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db
    .updateTable('audit_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('tenant_id', '=', slot('tenantId'))
    .returning(['seq', 'hash']),
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

/**
 * Appends one entry to the tenant's chain. Call it inside the transaction that makes the change
 * it records, so the change and its evidence commit or fail together. Taking the next sequence
 * number is an UPDATE on the tenant's head row, which also locks that row (PostgreSQL) until
 * commit, so concurrent appends for one tenant queue instead of forking the chain.
 */
export async function appendAudit(tx: Db, record: AuditRecord): Promise<AuditEntry> {
  if (!tx.isTransaction)
    throw new Error('appendAudit must run inside the transaction of the change it records.');
  const data = record.data ?? {};
  assertNoSecrets(data, '');
  const head = await takeSeq.first(tx, { tenantId: record.tenantId });
  if (!head) throw new Error(`Tenant ${record.tenantId} has no audit head.`);
  const content = {
    id: newId('audit', record.now),
    tenantId: record.tenantId,
    seq: head.seq,
    occurredAt: record.now,
    actorType: record.actor.type,
    actorId: record.actor.id,
    action: record.action,
    targetType: record.target?.type ?? null,
    targetId: record.target?.id ?? null,
    data: JSON.stringify(data),
    prevHash: head.hash,
  };
  const entry: AuditEntry = { ...content, hash: computeAuditHash(content) };
  await insertEntry.changes(tx, entry);
  await setHeadHash.changes(tx, { tenantId: record.tenantId, hash: entry.hash });
  return entry;
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

/** Newest first, filtered, one page. */
export async function listAudit(db: Db, tenantId: string, filter: AuditFilter): Promise<AuditEntry[]> {
  let query = applyAuditFilter(auditQuery(db, tenantId), tenantId, filter);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
  return rows.map(fromAuditRow);
}

/**
 * Every entry of a tenant, oldest first, read in pages so memory stays flat; with a filter, only
 * the entries it matches (the export of what the auditor's list shows).
 */
export async function* readAuditChain(
  db: Db,
  tenantId: string,
  pageSize = 1000,
  filter: Omit<AuditFilter, 'beforeSeq' | 'limit'> = {},
): AsyncGenerator<AuditEntry> {
  let afterSeq = 0;
  for (;;) {
    const query = applyAuditFilter(auditQuery(db, tenantId), tenantId, filter).where('seq', '>', afterSeq);
    const rows = await query.orderBy('seq', 'asc').limit(pageSize).execute();
    for (const row of rows) yield fromAuditRow(row);
    if (rows.length < pageSize) return;
    afterSeq = rows[rows.length - 1]!.seq;
  }
}

export type AuditVerification = ChainVerdict & { headSeq: number };

/**
 * Verifies a tenant's whole chain, then checks that it ends where the head row says, which
 * catches entries deleted from the end (a truncated chain is otherwise internally consistent).
 */
export async function verifyTenantAuditChain(db: Db, tenantId: string): Promise<AuditVerification> {
  const verifier = createAuditChainVerifier(tenantId);
  for await (const entry of readAuditChain(db, tenantId)) {
    if (verifier.add(entry)) break;
  }
  const head = await db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  const headSeq = head?.seq ?? 0;
  const verdict = verifier.verdict();
  if (!verdict.ok) return { ...verdict, headSeq };
  const end = verifier.head();
  if (!head || end.seq !== head.seq || end.hash !== head.hash) {
    return {
      ok: false,
      checked: verdict.checked,
      headSeq,
      firstBroken: { seq: end.seq + 1, id: '(missing)', reason: 'sequence_gap' },
    };
  }
  return { ...verdict, headSeq };
}
