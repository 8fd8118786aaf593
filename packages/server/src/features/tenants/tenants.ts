// Tenants: one organisation each, its slug and its settings.
import {
  AppError,
  type MessageTemplates,
  messageTemplateProblems,
  newId,
  notFound,
  type PushSettings,
  resolvePushSettings,
  type TenantSettings,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit, createAuditHead } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { rowCache, rowCacheNames } from '../../platform/row-cache.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { conflictsAs } from '../../storage/constraint-violations.ts';
import type { TenantRow } from '../../storage/schema.ts';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  /** Push verification settings: code length, expiry, attempts, push cap (defaults filled in). */
  verification: PushSettings;
  /** The tenant's own texts for customers, per language (core customer-messages.ts). */
  messageTemplates: MessageTemplates;
  /** Whether operators who sign in with a password must show a second factor. */
  operatorSecondFactor: OperatorSecondFactorRule;
  createdAt: number;
  updatedAt: number;
}

export type OperatorSecondFactorRule = 'optional' | 'required';

/** The stored settings: the push settings (core) and the operators' second-factor rule. */
type StoredSettings = TenantSettings & { operatorSecondFactor?: OperatorSecondFactorRule };

export const tenantSlugPattern = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';

export function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    verification: resolvePushSettings(JSON.parse(row.settings) as TenantSettings),
    messageTemplates: (JSON.parse(row.settings) as TenantSettings).messageTemplates ?? {},
    operatorSecondFactor: (JSON.parse(row.settings) as StoredSettings).operatorSecondFactor ?? 'optional',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createTenantService({ db, clock, events, config }: ServiceContext) {
  // Starts read the tenant's name and settings from memory (features/push/start.ts).
  const cached = rowCache(events, rowCacheNames.tenant, { ttlMs: config.rowCacheMaxAgeMs });
  return {
    async create(input: { slug: string; name: string }, actor: Actor): Promise<Tenant> {
      if (!new RegExp(tenantSlugPattern).test(input.slug)) {
        throw new AppError(
          'VALIDATION_FAILED',
          'A tenant slug is 1 to 64 lower-case letters, digits and hyphens.',
        );
      }
      const name = input.name.trim();
      if (name.length === 0 || name.length > 200) {
        throw new AppError('VALIDATION_FAILED', 'A tenant name is 1 to 200 characters.');
      }
      const now = clock();
      const slugTaken = () =>
        new AppError('SLUG_TAKEN', `A tenant with the slug "${input.slug}" already exists.`);
      // The check answers early; the unique slug decides between concurrent creates.
      return inTransaction(db, async (tx) => {
        const taken = await tx
          .selectFrom('tenants')
          .select('id')
          .where('slug', '=', input.slug)
          .executeTakeFirst();
        if (taken) throw slugTaken();
        const row: TenantRow = {
          id: newId('tenant', now),
          slug: input.slug,
          name,
          settings: '{}',
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('tenants').values(row).execute();
        await createAuditHead(tx, row.id);
        await appendAudit(tx, {
          tenantId: row.id,
          actor,
          action: 'tenant.created',
          target: { type: 'tenant', id: row.id },
          data: { slug: row.slug, name: row.name },
          now,
        });
        return toTenant(row);
      }).catch(conflictsAs([{ kind: 'unique', table: 'tenants', columns: ['slug'], error: slugTaken }]));
    },

    async get(tenantId: string): Promise<Tenant> {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
      if (!row) throw notFound('Tenant');
      return toTenant(row);
    },

    async findBySlug(slug: string): Promise<Tenant | undefined> {
      const row = await db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
      return row ? toTenant(row) : undefined;
    },

    async list(): Promise<Tenant[]> {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('id').execute();
      return rows.map(toTenant);
    },

    async update(
      tenantId: string,
      patch: {
        name?: string | undefined;
        verification?: Partial<PushSettings> | undefined;
        messageTemplates?: MessageTemplates | undefined;
        operatorSecondFactor?: OperatorSecondFactorRule | undefined;
      },
      actor: Actor,
    ): Promise<Tenant> {
      const now = clock();
      // Forgotten before and after the commit (platform/row-cache.ts).
      cached.forget(tenantId);
      try {
        return await updateInTransaction(tenantId, patch, actor, now);
      } finally {
        cached.forget(tenantId);
      }
    },
  };

  async function updateInTransaction(
    tenantId: string,
    patch: {
      name?: string | undefined;
      verification?: Partial<PushSettings> | undefined;
      messageTemplates?: MessageTemplates | undefined;
      operatorSecondFactor?: OperatorSecondFactorRule | undefined;
    },
    actor: Actor,
    now: number,
  ): Promise<Tenant> {
    return inTransaction(db, async (tx) => {
      const current = await tx
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', tenantId)
        .executeTakeFirst();
      if (!current) throw notFound('Tenant');
      const name = patch.name?.trim() ?? current.name;
      if (name.length === 0) throw new AppError('VALIDATION_FAILED', 'A tenant name cannot be empty.');
      const settings = JSON.parse(current.settings) as StoredSettings;
      if (patch.operatorSecondFactor) settings.operatorSecondFactor = patch.operatorSecondFactor;
      if (patch.verification) {
        // Stored as the tenant's own choices; defaults fill the rest when read.
        const verification = { ...settings.verification, ...patch.verification };
        // Resolved as every read resolves it, so what is saved can always be read back.
        resolvePushSettings(
          { verification },
          (problems) => new AppError('VALIDATION_FAILED', problems.join(' ')),
        );
        settings.verification = verification;
      }
      if (patch.messageTemplates) {
        const problems = messageTemplateProblems(patch.messageTemplates);
        if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.join(' '));
        settings.messageTemplates = patch.messageTemplates;
      }
      const nextSettings = JSON.stringify(settings);
      await tx
        .updateTable('tenants')
        .set({ name, settings: nextSettings, updated_at: now })
        .where('id', '=', tenantId)
        .execute();
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'tenant.updated',
        target: { type: 'tenant', id: tenantId },
        data: {
          fields: Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined),
          // As text: setting names like codeLength would trip the audit log's secret-key guard.
          ...(patch.verification
            ? { policy: Object.entries(patch.verification).map(([key, value]) => `${key}=${value}`) }
            : {}),
          // Which languages have texts; the texts themselves (with "code" in their names) stay out.
          ...(patch.messageTemplates ? { templateLanguages: Object.keys(patch.messageTemplates) } : {}),
          ...(patch.operatorSecondFactor ? { operatorSecondFactor: patch.operatorSecondFactor } : {}),
        },
        now,
      });
      return toTenant({ ...current, name, settings: nextSettings, updated_at: now });
    });
  }
}

export type TenantService = ReturnType<typeof createTenantService>;
