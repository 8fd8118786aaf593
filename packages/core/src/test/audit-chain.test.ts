// Tests of the audit hash chain: a chain verifies, and a changed, removed or reordered entry is found.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditEntry, computeAuditHash, genesisHash, verifyAuditChain } from '../audit-chain.ts';

function buildChain(tenantId: string, length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = genesisHash;
  for (let seq = 1; seq <= length; seq++) {
    const content = {
      id: `aud_${seq}`,
      tenantId,
      seq,
      occurredAt: 1_700_000_000_000 + seq,
      actorType: 'operator',
      actorId: 'opr_1',
      action: 'customer.updated',
      targetType: 'customer',
      targetId: `cus_${seq}`,
      data: JSON.stringify({ fields: ['phone'] }),
      prevHash,
    };
    const entry = { ...content, hash: computeAuditHash(content) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

describe('verifyAuditChain', () => {
  it('accepts an untouched chain and an empty one', () => {
    assert.deepEqual(verifyAuditChain('ten_a', buildChain('ten_a', 5)), { ok: true, checked: 5 });
    assert.deepEqual(verifyAuditChain('ten_a', []), { ok: true, checked: 0 });
  });

  const editable = [
    'occurredAt',
    'actorType',
    'actorId',
    'action',
    'targetType',
    'targetId',
    'data',
  ] as const;
  for (const field of editable) {
    it(`finds an entry whose ${field} was changed`, () => {
      const chain = buildChain('ten_a', 5);
      const victim = chain[2]!;
      (victim as unknown as Record<string, unknown>)[field] =
        field === 'occurredAt' ? victim.occurredAt + 1 : 'forged';
      assert.deepEqual(verifyAuditChain('ten_a', chain), {
        ok: false,
        checked: 2,
        firstBroken: { seq: 3, id: 'aud_3', reason: 'hash_mismatch' },
      });
    });
  }

  it('finds an entry rewritten with a recomputed hash, at the entry after it', () => {
    const chain = buildChain('ten_a', 5);
    const victim = chain[1]!;
    victim.data = JSON.stringify({ fields: ['email'] });
    victim.hash = computeAuditHash(victim);
    const verdict = verifyAuditChain('ten_a', chain);
    assert.equal(verdict.ok, false);
    assert.deepEqual(!verdict.ok && verdict.firstBroken, {
      seq: 3,
      id: 'aud_3',
      reason: 'prev_hash_mismatch',
    });
  });

  it('finds a removed entry and reordered entries', () => {
    const removed = buildChain('ten_a', 5);
    removed.splice(1, 1);
    const verdict = verifyAuditChain('ten_a', removed);
    assert.deepEqual(!verdict.ok && verdict.firstBroken, { seq: 3, id: 'aud_3', reason: 'sequence_gap' });

    const swapped = buildChain('ten_a', 5);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    assert.equal(verifyAuditChain('ten_a', swapped).ok, false);
  });

  it("refuses another tenant's entries spliced into the chain", () => {
    const chain = buildChain('ten_a', 3);
    const foreign = buildChain('ten_b', 4)[3]!;
    chain.push({ ...foreign, seq: 4 });
    const verdict = verifyAuditChain('ten_a', chain);
    assert.deepEqual(!verdict.ok && verdict.firstBroken, { seq: 4, id: 'aud_4', reason: 'tenant_mismatch' });
  });

  it('binds the hash to every field, so equal content in another position hashes differently', () => {
    const [first] = buildChain('ten_a', 1);
    const moved = { ...first!, seq: 2 };
    assert.notEqual(computeAuditHash(moved), first!.hash);
  });
});
