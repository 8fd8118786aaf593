// API keys for integrations: shown once, stored as a hash, scoped, revocable.
import { AppError, idPattern, isPermission, newId, notFound, type Permission } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { rowCache, rowCacheNames } from '../../platform/row-cache.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../../platform/secrets.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { rowsChanged } from '../../storage/constraint-violations.ts';
import { prepared, type Slots } from '../../storage/prepared.ts';
import type { ApiKeyRow } from '../../storage/schema.ts';

/**
 * API keys for integrations. The full key (`hda_<key id>_<secret>`) is shown once, at creation;
 * only a SHA-256 of the secret is stored. The `hda_` prefix lets secret scanners recognise a
 * leaked key. Keys are scoped to permissions and can be revoked at once.
 */
export interface ApiKey {
  id: string;
  name: string;
  scopes: Permission[];
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ApiKeyPrincipal {
  keyId: string;
  tenantId: string;
  name: string;
  scopes: readonly Permission[];
}

const keyIdLength = 'key_'.length + 26;
const keyIdRegex = new RegExp(idPattern('apiKey'));

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Permission[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function parseKey(presented: string): { id: string; secret: string } | undefined {
  if (!presented.startsWith('hda_')) return undefined;
  const id = presented.slice(4, 4 + keyIdLength);
  const separator = presented.charAt(4 + keyIdLength);
  const secret = presented.slice(5 + keyIdLength);
  if (!keyIdRegex.test(id) || separator !== '_' || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { id, secret };
}

// Runs on every request with an API key (storage/prepared.ts).
const keyForAuthentication = prepared((db, slot: Slots<{ id: string }>) =>
  db
    .selectFrom('api_keys')
    .select(['id', 'tenant_id', 'name', 'scopes', 'secret_hash', 'revoked_at', 'last_used_at'])
    .where('id', '=', slot('id')),
);

type KeyForAuthentication = Pick<
  ApiKeyRow,
  'id' | 'tenant_id' | 'name' | 'scopes' | 'secret_hash' | 'revoked_at' | 'last_used_at'
>;

export function createApiKeyService({ db, clock, config, events }: ServiceContext) {
  // The key behind every request with an API key, by key id (platform/row-cache.ts): a revocation
  // forgets it here at once, and in other processes through the hub.
  const cached = rowCache<KeyForAuthentication>(events, rowCacheNames.apiKey, {
    ttlMs: config.rowCacheMaxAgeMs,
  });
  return {
    async create(
      tenantId: string,
      input: { name: string; scopes: string[] },
      actor: Actor,
    ): Promise<{ apiKey: ApiKey; secret: string }> {
      const name = input.name.trim();
      if (!name) throw new AppError('VALIDATION_FAILED', 'An API key needs a name.');
      const unknown = input.scopes.filter((s) => !isPermission(s));
      if (unknown.length > 0)
        throw new AppError('VALIDATION_FAILED', `Unknown scope: ${unknown.join(', ')}.`);
      if (input.scopes.length === 0)
        throw new AppError('VALIDATION_FAILED', 'An API key needs at least one scope.');
      const scopes = [...new Set(input.scopes)] as Permission[];
      // A provisioning key is for an identity provider: it holds nothing else (docs/integrations/scim.md).
      if (scopes.includes('scim') && scopes.length > 1)
        throw new AppError('VALIDATION_FAILED', 'A key with the scim scope cannot have other scopes.');
      const now = clock();
      const id = newId('apiKey', now);
      const secret = randomToken(32);
      const row: ApiKeyRow = {
        id,
        tenant_id: tenantId,
        name,
        secret_hash: sha256Hex(secret),
        scopes: JSON.stringify(scopes),
        created_by: actor.id,
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      };
      await inTransaction(db, async (tx) => {
        await tx.insertInto('api_keys').values(row).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'api_key.created',
          target: { type: 'api_key', id },
          data: { name, scopes },
          now,
        });
      });
      return { apiKey: toApiKey(row), secret: `hda_${id}_${secret}` };
    },

    async list(tenantId: string): Promise<ApiKey[]> {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute();
      return rows.map(toApiKey);
    },

    async get(tenantId: string, id: string): Promise<ApiKey> {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('API key');
      return toApiKey(row);
    },

    /** Revokes a key; it stops working on the next request. Revoking twice is harmless. */
    async revoke(tenantId: string, id: string, actor: Actor): Promise<ApiKey> {
      const now = clock();
      // Forgotten before (so no read of this process keeps the old row from here on) and after
      // the commit (for one that read it in between).
      cached.forget(id);
      try {
        return await revokeInTransaction(tenantId, id, actor, now);
      } finally {
        cached.forget(id);
      }
    },

    /** Resolves a presented key, or undefined when it is malformed, unknown, wrong or revoked. */
    async authenticate(presented: string): Promise<ApiKeyPrincipal | undefined> {
      const parsed = parseKey(presented);
      if (!parsed) return undefined;
      const row = await cached.get(parsed.id, () => keyForAuthentication.first(db, { id: parsed.id }));
      if (!row || row.revoked_at !== null || !constantTimeEqual(row.secret_hash, sha256Hex(parsed.secret))) {
        return undefined;
      }
      const now = clock();
      // Keep "last used" fresh to the minute without a write on every request.
      if (row.last_used_at === null || now - row.last_used_at > 60_000) {
        await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
        cached.update(row.id, (key) => ({ ...key, last_used_at: now }));
      }
      return {
        keyId: row.id,
        tenantId: row.tenant_id,
        name: row.name,
        scopes: JSON.parse(row.scopes) as Permission[],
      };
    },
  };

  async function revokeInTransaction(
    tenantId: string,
    id: string,
    actor: Actor,
    now: number,
  ): Promise<ApiKey> {
    return inTransaction(db, async (tx) => {
      const row = await tx
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('API key');
      if (row.revoked_at !== null) return toApiKey(row);
      // Compare-and-set: of concurrent revocations only the one that set the time audits it; the
      // others answer as for a key already revoked, with the time that took effect.
      const result = await tx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (rowsChanged(result) === 0) {
        const revoked = await tx
          .selectFrom('api_keys')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!revoked) throw notFound('API key');
        return toApiKey(revoked);
      }
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'api_key.revoked',
        target: { type: 'api_key', id },
        now,
      });
      return toApiKey({ ...row, revoked_at: now });
    });
  }
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
