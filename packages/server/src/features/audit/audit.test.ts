// Tests of the audit API: listing, filtering, exporting and verifying the chain, on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AuditEntry, computeAuditHash, verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { DatabaseKind } from '../../storage/database.ts';
import {
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

function auditSuite(kind: DatabaseKind) {
  let h: TestHarness;
  let tenant: TestTenant & { clients: Record<string, OperatorClient> };
  let auditor: OperatorClient;

  before(async () => {
    h = await startTestHarness(kind);
    tenant = await h.tenantWithOperators('acme');
    auditor = tenant.clients.auditor!;
    for (let i = 0; i < 4; i++) {
      await h.app.inject({
        method: 'POST',
        url: '/v1/customers',
        ...tenant.clients.admin!.auth(),
        payload: { displayName: `Audited ${i}` },
      });
    }
  });
  after(() => h?.close());

  const get = (url: string, client = auditor) => h.app.inject({ method: 'GET', url, ...client.auth() });

  it('lists entries newest first and filters by action, actor and target', async () => {
    const all = (await get('/v1/audit-events?limit=200')).json().items as Array<Record<string, unknown>>;
    const seqs = all.map((e) => e.seq as number);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => b - a),
    );
    const created = (await get('/v1/audit-events?action=customer.created')).json().items as Array<
      Record<string, unknown>
    >;
    assert.equal(created.length, 4);
    assert.ok(created.every((e) => (e.actor as { id: string }).id === tenant.clients.admin!.operatorId));
    const target = created[0]!.target as { id: string };
    const byTarget = (await get(`/v1/audit-events?targetId=${target.id}`)).json().items;
    assert.equal(byTarget.length, 1);
    const byActor = (await get(`/v1/audit-events?actorId=${auditor.operatorId}`)).json().items as Array<
      Record<string, unknown>
    >;
    assert.ok(byActor.length >= 1);
    assert.ok(byActor.every((e) => (e.actor as { id: string }).id === auditor.operatorId));
  });

  it('filters by time and pages with a cursor', async () => {
    const future = new Date(h.clock.now() + 60_000).toISOString();
    assert.equal((await get(`/v1/audit-events?from=${future}`)).json().items.length, 0);
    const first = (await get('/v1/audit-events?limit=2')).json();
    const second = (await get(`/v1/audit-events?limit=2&cursor=${first.nextCursor}`)).json();
    assert.equal(first.items.length, 2);
    assert.equal(second.items[0].seq, first.items[1].seq - 1);
  });

  it('exports the chain as JSON Lines that verify on their own', async () => {
    const response = await get('/v1/audit-events/export');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /application\/x-ndjson/);
    const entries = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
    assert.deepEqual(verifyAuditChain(tenant.id, entries), { ok: true, checked: entries.length });
  });

  it('names the actor, the target and the customer of each entry, from this tenant only', async () => {
    const created = (await get('/v1/audit-events?action=customer.created')).json().items as Array<{
      actor: { id: string; name: string | null };
      target: { id: string; name: string | null };
      customer: { id: string; name: string | null; externalId: string | null };
    }>;
    const admin = (await get('/v1/operators', tenant.clients.admin))
      .json()
      .items.find((o: { id: string }) => o.id === tenant.clients.admin!.operatorId) as {
      displayName: string;
    };
    assert.ok(created.every((e) => e.actor.name === admin.displayName));
    assert.deepEqual(created.map((e) => e.target.name).sort(), [
      'Audited 0',
      'Audited 1',
      'Audited 2',
      'Audited 3',
    ]);
    assert.ok(created.every((e) => e.customer.id === e.target.id && e.customer.name === e.target.name));
    // Another tenant's auditor sees its own log only, and no name from this one.
    const other = await h.tenantWithOperators('other');
    const foreign = (await get('/v1/audit-events?limit=200', other.clients.auditor)).json().items as Array<{
      target: { name: string | null } | null;
      customer: { name: string | null } | null;
    }>;
    assert.ok(foreign.every((e) => !String(e.target?.name ?? '').startsWith('Audited')));
    assert.ok(foreign.every((e) => !String(e.customer?.name ?? '').startsWith('Audited')));
  });

  it('exports only what the filters match, each entry as stored, and refuses a bad date', async () => {
    const response = await get('/v1/audit-events/export?action=customer.created');
    assert.equal(response.statusCode, 200);
    const entries = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
    assert.equal(entries.length, 4);
    assert.ok(entries.every((e) => e.action === 'customer.created' && e.tenantId === tenant.id));
    // Each entry still proves itself: its hash is over exactly what was stored.
    for (const entry of entries) {
      const { hash, ...content } = entry;
      assert.equal(computeAuditHash(content), hash);
    }
    const byTarget = await get(`/v1/audit-events/export?targetId=${entries[0]!.targetId}`);
    assert.equal(byTarget.body.trim().split('\n').length, 1);
    const future = new Date(h.clock.now() + 60_000).toISOString();
    assert.equal((await get(`/v1/audit-events/export?from=${future}`)).body, '');
    const bad = await get('/v1/audit-events/export?from=yesterday');
    assert.equal(bad.statusCode, 400);
    assert.equal((await get('/v1/audit-events/export?unknown=1')).statusCode, 400);
  });

  it('filters by customer: its own entries and those of its verifications, in the list and the export', async () => {
    const created = (await get('/v1/audit-events?action=customer.created')).json().items as Array<{
      target: { id: string };
    }>;
    const [alice, bob] = created.map((e) => e.target.id);
    const db = h.runtime.database.db;
    // A verification of each, as the push flow records them (the verification is the target).
    await db.transaction().execute(async (tx) => {
      for (const [customerId, id] of [
        [alice!, 'ver_01J00000000000000000000001'],
        [bob!, 'ver_01J00000000000000000000002'],
      ] as const) {
        await appendAudit(tx, {
          tenantId: tenant.id,
          actor: systemActor,
          action: 'verification.expired',
          target: { type: 'verification', id },
          data: { customerId },
          now: h.clock.now(),
        });
      }
    });
    const items = (await get(`/v1/audit-events?customerId=${alice}`)).json().items as Array<{
      action: string;
      target: { id: string };
      customer: { id: string };
    }>;
    assert.deepEqual(items.map((e) => e.action).sort(), ['customer.created', 'verification.expired']);
    assert.ok(items.every((e) => e.customer.id === alice));
    const exported = (await get(`/v1/audit-events/export?customerId=${alice}`)).body.trim().split('\n');
    assert.equal(exported.length, 2);
    // Only a customer id is taken, so nothing can be smuggled into the pattern.
    assert.equal((await get('/v1/audit-events?customerId=%25')).statusCode, 400);
    assert.equal((await get('/v1/audit-events/export?customerId=cus_%25')).statusCode, 400);
  });

  it('keeps one verified chain, every change in it once, when many requests change data at once', async () => {
    const before = (await get('/v1/audit-events/verification')).json();
    const created = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/v1/customers',
          ...tenant.clients.admin!.auth(),
          payload: { displayName: `Parallel ${i}` },
        });
        assert.equal(response.statusCode, 201);
        return response.json().id as string;
      }),
    );
    const verification = (await get('/v1/audit-events/verification')).json();
    assert.deepEqual(verification, {
      ok: true,
      checked: before.checked + 30,
      headSeq: before.headSeq + 30,
      unsealed: 0,
    });
    const entries = (await get('/v1/audit-events?action=customer.created&limit=200')).json().items as Array<{
      target: { id: string };
    }>;
    for (const id of created) assert.equal(entries.filter((e) => e.target.id === id).length, 1);
  });

  it('reports a tampered entry and a truncated chain', async () => {
    assert.equal((await get('/v1/audit-events/verification')).json().ok, true);
    const db = h.runtime.database.db;
    const victim = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('audit_events')
      .set({ action: 'forged.action' })
      .where('id', '=', victim.id)
      .execute();
    const tampered = (await get('/v1/audit-events/verification')).json();
    assert.deepEqual(tampered.firstBroken, { seq: 3, id: victim.id, reason: 'hash_mismatch' });
    assert.equal(tampered.checked, 2);
    await db.updateTable('audit_events').set({ action: victim.action }).where('id', '=', victim.id).execute();

    const last = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await db.deleteFrom('audit_events').where('id', '=', last.id).execute();
    const truncated = (await get('/v1/audit-events/verification')).json();
    assert.equal(truncated.ok, false);
    assert.equal(truncated.firstBroken.seq, last.seq);
    assert.equal(truncated.firstBroken.reason, 'sequence_gap');
  });

  it('is for auditors and admins only', async () => {
    for (const role of ['agent', 'supervisor']) {
      const response = await get('/v1/audit-events', tenant.clients[role]);
      assert.equal(response.statusCode, 403);
    }
    assert.equal((await get('/v1/audit-events', tenant.clients.admin)).statusCode, 200);
  });
}

describe('audit API: SQLite', () => auditSuite('sqlite'));
describe('audit API: PostgreSQL', { skip: await postgresSkip() }, () => auditSuite('postgres'));
