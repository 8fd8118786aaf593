// The verification policy: versioned per tenant, validated, audited.
import {
  AppError,
  defaultVerificationPolicy,
  type VerificationPolicy,
  validateVerificationPolicy,
  withNewPolicyDefaults,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { type RowCache, rowCache, rowCacheNames } from '../../platform/row-cache.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { conflictsAs } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import { prepared, type Slots } from '../../storage/prepared.ts';

export interface PolicyVersion {
  /** 0 for the built-in default, which no one has saved yet. */
  version: number;
  policy: VerificationPolicy;
  /** Null for the built-in default. */
  updatedAt: number | null;
  updatedBy: { type: string; id: string | null } | null;
}

export interface PolicyVersionSummary {
  version: number;
  updatedAt: number;
  updatedBy: { type: string; id: string | null };
}

function parseStored(document: string): VerificationPolicy {
  const policy = withNewPolicyDefaults(JSON.parse(document)) as VerificationPolicy;
  // Stored policies were validated on the way in; a broken one must not silently weaken a check.
  const problems = validateVerificationPolicy(policy);
  if (problems.length > 0) throw new Error(`Stored verification policy is invalid: ${problems.join(' ')}`);
  return policy;
}

/** Paths of the settings that differ between two policies, for the audit log ("sms.maxAttempts"). */
export function changedSettings(before: unknown, after: unknown, prefix = ''): string[] {
  if (
    typeof before !== 'object' ||
    typeof after !== 'object' ||
    before === null ||
    after === null ||
    Array.isArray(before) ||
    Array.isArray(after)
  ) {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix.replace(/\.$/, '')];
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].flatMap((key) =>
    changedSettings(
      (before as Record<string, unknown>)[key],
      (after as Record<string, unknown>)[key],
      `${prefix}${key}.`,
    ),
  );
}

/** The tenant's current policy; reads in the caller's transaction when given one. */
export async function loadPolicy(db: Db, tenantId: string): Promise<PolicyVersion> {
  const row = await db
    .selectFrom('fallback_policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) {
    return {
      version: 0,
      policy: structuredClone(defaultVerificationPolicy) as VerificationPolicy,
      updatedAt: null,
      updatedBy: null,
    };
  }
  return {
    version: row.version,
    policy: parseStored(row.document),
    updatedAt: row.created_at,
    updatedBy: { type: row.actor_type, id: row.actor_id },
  };
}

const sharedDefault: Readonly<VerificationPolicy> = deepFreeze(
  structuredClone(defaultVerificationPolicy) as VerificationPolicy,
);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const latestPolicy = prepared((db, slot: Slots<{ tenantId: string }>) =>
  db
    .selectFrom('fallback_policies')
    .select('document')
    .where('tenant_id', '=', slot('tenantId'))
    .orderBy('version', 'desc')
    .limit(1),
);

/**
 * The policy in force, to read and never change: the default is one frozen object rather than a
 * fresh copy, which the push flow, asking on every start and approval, would otherwise pay for.
 * With `cache` (the process's policy cache, `policyCache`), the stored document comes from memory
 * when it was read recently; a save forgets it (platform/row-cache.ts).
 */
export async function policyInForce(
  db: Db,
  tenantId: string,
  cache?: PolicyCache,
): Promise<Readonly<VerificationPolicy>> {
  const read = async () => ({ document: (await latestPolicy.first(db, { tenantId }))?.document ?? null });
  const { document } = (cache ? await cache.get(tenantId, read) : await read()) ?? { document: null };
  return policyFromDocument(document);
}

export type PolicyCache = RowCache<{ document: string | null }>;

/** The process's cache of the stored policy documents in force, by tenant. */
export function policyCache(context: Pick<ServiceContext, 'events' | 'config'>): PolicyCache {
  return rowCache<{ document: string | null }>(context.events, rowCacheNames.policy, {
    ttlMs: context.config.rowCacheMaxAgeMs,
  });
}

/**
 * Policies read to enforce, by their stored text: the push flow reads the tenant's document on
 * every start and approval, and parsing and validating it again each time cost about 10 µs. The
 * text is the key, so a new version (a new text) is parsed afresh the first time it is read; a
 * document that fails validation is never kept, and fails again on every read. At most 256 texts
 * are kept, the most recently read.
 */
const parsedPolicies = new Map<string, Readonly<VerificationPolicy>>();
const parsedPolicyLimit = 256;

/** The policy a stored document holds; the shared default when the tenant never saved one. */
export function policyFromDocument(document: string | null): Readonly<VerificationPolicy> {
  if (document === null) return sharedDefault;
  let policy = parsedPolicies.get(document);
  if (policy) {
    // Most recently read last, so the first entry is the one to drop when the map is full.
    parsedPolicies.delete(document);
  } else {
    policy = deepFreeze(parseStored(document));
    if (parsedPolicies.size >= parsedPolicyLimit) parsedPolicies.delete(parsedPolicies.keys().next().value!);
  }
  parsedPolicies.set(document, policy);
  return policy;
}

/**
 * Per-tenant fallback policies, versioned: every save adds a version, the highest is in force,
 * and the audit log records who saved which version and which settings changed.
 */
export function createPolicyService(context: ServiceContext) {
  const { db, clock } = context;
  const cached = policyCache(context);
  return {
    current: (tenantId: string) => loadPolicy(db, tenantId),

    async versions(tenantId: string): Promise<PolicyVersionSummary[]> {
      const rows = await db
        .selectFrom('fallback_policies')
        .select(['version', 'created_at', 'actor_type', 'actor_id'])
        .where('tenant_id', '=', tenantId)
        .orderBy('version', 'desc')
        .limit(200)
        .execute();
      return rows.map((r) => ({
        version: r.version,
        updatedAt: r.created_at,
        updatedBy: { type: r.actor_type, id: r.actor_id },
      }));
    },

    async version(tenantId: string, version: number): Promise<PolicyVersion | undefined> {
      if (version === 0) {
        return {
          version: 0,
          policy: structuredClone(defaultVerificationPolicy) as VerificationPolicy,
          updatedAt: null,
          updatedBy: null,
        };
      }
      const row = await db
        .selectFrom('fallback_policies')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row
        ? {
            version: row.version,
            policy: parseStored(row.document),
            updatedAt: row.created_at,
            updatedBy: { type: row.actor_type, id: row.actor_id },
          }
        : undefined;
    },

    validate: (input: unknown): string[] => validateVerificationPolicy(withNewPolicyDefaults(input)),

    /**
     * Saves `policy` as the next version. `expectedVersion` is the version the admin edited:
     * when someone saved in between, the save is refused instead of silently undoing their change.
     */
    async replace(
      tenantId: string,
      input: { policy: unknown; expectedVersion: number },
      actor: Actor,
    ): Promise<PolicyVersion> {
      // A client written before a setting existed gets its default rather than a refusal.
      const policy = withNewPolicyDefaults(input.policy) as VerificationPolicy;
      const problems = validateVerificationPolicy(policy);
      if (problems.length > 0) {
        throw new AppError('POLICY_INVALID', `The policy is not valid: ${problems.join(' ')}`);
      }
      const now = clock();
      const versionConflict = (message: string) =>
        new AppError('POLICY_VERSION_CONFLICT', `${message}; reload it and edit again.`);
      // Forgotten before and after the commit (platform/row-cache.ts).
      cached.forget(tenantId);
      return inTransaction(db, async (tx) => {
        const current = await loadPolicy(tx, tenantId);
        if (current.version !== input.expectedVersion) {
          throw versionConflict(`The policy is at version ${current.version}, not ${input.expectedVersion}`);
        }
        const version = current.version + 1;
        // The primary key (tenant, version) refuses a concurrent save of the same version.
        await tx
          .insertInto('fallback_policies')
          .values({
            tenant_id: tenantId,
            version,
            document: JSON.stringify(policy),
            created_at: now,
            actor_type: actor.type,
            actor_id: actor.id,
          })
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'policy.updated',
          target: { type: 'tenant', id: tenantId },
          // Setting paths as text: names like codeTtlSeconds would trip the audit log's secret-key guard.
          data: { version, changed: changedSettings(current.policy, policy) },
          now,
        });
        return { version, policy, updatedAt: now, updatedBy: { type: actor.type, id: actor.id } };
      })
        .finally(() => cached.forget(tenantId))
        .catch(
          conflictsAs([
            {
              kind: 'unique',
              table: 'fallback_policies',
              columns: ['tenant_id', 'version'],
              error: () =>
                versionConflict(`Someone else saved version ${input.expectedVersion + 1} at the same time`),
            },
          ]),
        );
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
