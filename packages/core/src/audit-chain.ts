/**
 * The audit log is a hash chain per tenant: each entry stores the hash of the entry before it,
 * and its own hash covers every stored field plus that previous hash. Changing, removing or
 * reordering any stored entry breaks the chain from that entry on, which `verifyAuditChain`
 * reports. Codes, answers and secrets never reach `data` (the audit service enforces that).
 */
import { hash } from 'node:crypto';

export interface AuditEntryContent {
  id: string;
  tenantId: string;
  seq: number;
  occurredAt: number;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** JSON text exactly as stored. */
  data: string;
  prevHash: string;
}

export interface AuditEntry extends AuditEntryContent {
  hash: string;
}

export const genesisHash = '0'.repeat(64);

/** Hash of an entry: SHA-256 over a fixed-order, unambiguous JSON array of its fields. */
export function computeAuditHash(entry: AuditEntryContent): string {
  const fields = [
    'helpdesk-auth/audit/v1',
    entry.id,
    entry.tenantId,
    entry.seq,
    entry.occurredAt,
    entry.actorType,
    entry.actorId,
    entry.action,
    entry.targetType,
    entry.targetId,
    entry.data,
    entry.prevHash,
  ];
  return hash('sha256', JSON.stringify(fields), 'hex');
}

export type ChainBreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'tenant_mismatch';

export interface ChainBreak {
  seq: number;
  id: string;
  reason: ChainBreakReason;
}

export type ChainVerdict =
  | { ok: true; checked: number }
  | { ok: false; checked: number; firstBroken: ChainBreak };

/**
 * Checks entries one at a time, in sequence order, so a caller can stream a large log through
 * it without holding it in memory. Returns the first break; entries after it are not trusted.
 */
export function createAuditChainVerifier(tenantId: string) {
  let expectedSeq = 1;
  let prevHash = genesisHash;
  let checked = 0;
  let broken: ChainBreak | undefined;

  return {
    add(entry: AuditEntry): ChainBreak | undefined {
      if (broken) return broken;
      const at = (reason: ChainBreakReason): ChainBreak => {
        broken = { seq: entry.seq, id: entry.id, reason };
        return broken;
      };
      if (entry.tenantId !== tenantId) return at('tenant_mismatch');
      if (entry.seq !== expectedSeq) return at('sequence_gap');
      if (entry.prevHash !== prevHash) return at('prev_hash_mismatch');
      if (computeAuditHash(entry) !== entry.hash) return at('hash_mismatch');
      checked++;
      expectedSeq++;
      prevHash = entry.hash;
      return undefined;
    },
    verdict(): ChainVerdict {
      return broken ? { ok: false, checked, firstBroken: broken } : { ok: true, checked };
    },
    /** The hash the next entry must carry as `prevHash`. */
    head(): { seq: number; hash: string } {
      return { seq: expectedSeq - 1, hash: prevHash };
    },
  };
}

export function verifyAuditChain(tenantId: string, entries: Iterable<AuditEntry>): ChainVerdict {
  const verifier = createAuditChainVerifier(tenantId);
  for (const entry of entries) {
    if (verifier.add(entry)) break;
  }
  return verifier.verdict();
}
