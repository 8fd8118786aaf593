// Customers: the people a helpdesk verifies, their contact details and search.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import { sql } from 'kysely';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { normaliseEmail, parseEmailAddress } from '../../platform/email-address.ts';
import { rowCache, rowCacheNames } from '../../platform/row-cache.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { type ConflictRule, changeOnce, conflictsAs } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import type { CustomerRow } from '../../storage/schema.ts';

export interface Customer {
  id: string;
  externalId: string | null;
  displayName: string;
  phone: string | null;
  phoneChangedAt: number | null;
  email: string | null;
  locale: string | null;
  /** When the customer last reported fraud from a device ("I am not on a call"); shown prominently. */
  fraudReportedAt: number | null;
  /** When that report was resolved; the report is open while this is null or older than it. */
  fraudResolvedAt: number | null;
  /** The customer asked to receive no campaign messages (rollout invitations, announcements). */
  campaignOptOut: boolean;
  createdAt: number;
  updatedAt: number;
  /** A made-up customer of the practice space (features/practice/): every screen marks it. */
  practice: boolean;
}

export interface CustomerInput {
  externalId?: string | null | undefined;
  displayName?: string | undefined;
  phone?: string | null | undefined;
  email?: string | null | undefined;
  locale?: string | null | undefined;
  campaignOptOut?: boolean | undefined;
}

export interface CustomerSearch {
  /** Free text: name (any part), external id, e-mail, or phone digits. */
  q?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  externalId?: string | undefined;
  limit: number;
  /** Id of the last customer of the previous page. */
  after?: string | undefined;
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    externalId: row.external_id,
    displayName: row.display_name,
    phone: row.phone,
    phoneChangedAt: row.phone_changed_at,
    email: row.email,
    locale: row.locale,
    fraudReportedAt: row.fraud_reported_at,
    fraudResolvedAt:
      row.fraud_resolved_at !== null &&
      row.fraud_reported_at !== null &&
      row.fraud_resolved_at >= row.fraud_reported_at
        ? row.fraud_resolved_at
        : null,
    campaignOptOut: row.campaign_opt_out_at !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    practice: row.practice === 1,
  };
}

/** Case- and accent-insensitive form of a name for search ("Zoë" matches "zoe"). */
export function foldName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Parses a phone number in international form and returns it as E.164, or throws a 400. */
export function normalisePhone(input: string): string {
  const invalid = () =>
    new AppError(
      'INVALID_PHONE_NUMBER',
      'A phone number must be a valid number in international form, starting with + and the country code.',
    );
  if (!input.trim().startsWith('+')) throw invalid();
  try {
    const parsed = parsePhoneNumberWithError(input);
    if (!parsed.isValid()) throw invalid();
    return parsed.number;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalid();
  }
}

function normaliseLocale(input: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(input);
    if (!canonical) throw new Error('empty');
    return canonical;
  } catch {
    throw new AppError('VALIDATION_FAILED', `"${input}" is not a language tag such as en or de-CH.`);
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Turns raw input into column values, checking each field; `undefined` means "not given". */
export function normaliseInput(input: CustomerInput): Partial<CustomerRow> {
  const out: Partial<CustomerRow> = {};
  if (input.displayName !== undefined) {
    const name = input.displayName.trim().replace(/\s+/g, ' ');
    if (!name) throw new AppError('VALIDATION_FAILED', 'A customer needs a display name.');
    out.display_name = name;
    out.name_folded = foldName(name);
  }
  if (input.externalId !== undefined) {
    out.external_id = input.externalId === null ? null : input.externalId.trim() || null;
  }
  if (input.phone !== undefined) out.phone = input.phone === null ? null : normalisePhone(input.phone);
  if (input.email !== undefined) {
    out.email = input.email === null ? null : parseEmailAddress(input.email);
  }
  if (input.locale !== undefined) out.locale = input.locale === null ? null : normaliseLocale(input.locale);
  return out;
}

const externalIdTaken = (externalId: string) =>
  new AppError('EXTERNAL_ID_TAKEN', `Another customer already has the external id "${externalId}".`);

/**
 * The unique key (tenant, external id) keeps external ids apart when two requests write the same
 * one at once: both pass the check below, and the second's write gets the same answer.
 */
const externalIdRules = (externalId: string | null | undefined): ConflictRule[] => [
  {
    kind: 'unique',
    table: 'customers',
    columns: ['tenant_id', 'external_id'],
    error: () => externalIdTaken(externalId ?? ''),
  },
];

async function assertExternalIdFree(tx: Db, tenantId: string, externalId: string, exceptId?: string) {
  let query = tx
    .selectFrom('customers')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('external_id', '=', externalId);
  if (exceptId) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) throw externalIdTaken(externalId);
}

export function createCustomerService({ db, clock, config, events }: ServiceContext) {
  // Removing a customer removes its devices: their cached keys (features/devices/device-auth.ts)
  // are forgotten, all of them, since a removal is rare and the ids are not at hand.
  const deviceKeys = rowCache(events, rowCacheNames.device, { ttlMs: config.rowCacheMaxAgeMs });
  async function getRow(tx: Db, tenantId: string, id: string): Promise<CustomerRow> {
    const row = await tx
      .selectFrom('customers')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Customer');
    return row;
  }

  return {
    async create(
      tenantId: string,
      input: CustomerInput & { displayName: string },
      actor: Actor,
    ): Promise<Customer> {
      const values = normaliseInput(input);
      const now = clock();
      return inTransaction(db, async (tx) => {
        if (values.external_id) await assertExternalIdFree(tx, tenantId, values.external_id);
        const row: CustomerRow = {
          id: newId('customer', now),
          tenant_id: tenantId,
          external_id: values.external_id ?? null,
          display_name: values.display_name!,
          name_folded: values.name_folded!,
          phone: values.phone ?? null,
          phone_changed_at: null,
          email: values.email ?? null,
          locale: values.locale ?? null,
          fraud_reported_at: null,
          fraud_resolved_at: null,
          campaign_opt_out_at: input.campaignOptOut ? now : null,
          created_at: now,
          updated_at: now,
          practice: 0,
        };
        await tx.insertInto('customers').values(row).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'customer.created',
          target: { type: 'customer', id: row.id },
          data: { fields: Object.keys(input).filter((k) => input[k as keyof CustomerInput] != null) },
          now,
        });
        return toCustomer(row);
      }).catch(conflictsAs(externalIdRules(values.external_id)));
    },

    async get(tenantId: string, id: string): Promise<Customer> {
      return toCustomer(await getRow(db, tenantId, id));
    },

    async findByExternalId(tenantId: string, externalId: string): Promise<Customer | undefined> {
      const row = await db
        .selectFrom('customers')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('external_id', '=', externalId)
        .where('practice', '=', 0)
        .executeTakeFirst();
      return row ? toCustomer(row) : undefined;
    },

    /** Changes the given fields; `null` clears an optional one. A phone change is timestamped. */
    async update(tenantId: string, id: string, input: CustomerInput, actor: Actor): Promise<Customer> {
      const values = normaliseInput(input);
      const now = clock();
      return inTransaction(db, async (tx) => {
        const current = await getRow(tx, tenantId, id);
        // The opt-out keeps the time it was first given; only a change of mind moves it.
        if (
          input.campaignOptOut !== undefined &&
          input.campaignOptOut !== (current.campaign_opt_out_at !== null)
        ) {
          values.campaign_opt_out_at = input.campaignOptOut ? now : null;
        }
        if (values.external_id) await assertExternalIdFree(tx, tenantId, values.external_id, id);
        const changed = (Object.keys(values) as (keyof CustomerRow)[]).filter(
          (k) => k !== 'name_folded' && values[k] !== current[k],
        );
        if (changed.length === 0) return toCustomer(current);
        // A practice customer's number and address reach nobody; a real one would reach a person.
        if (current.practice === 1 && (changed.includes('phone') || changed.includes('email'))) {
          throw new AppError(
            'CONFLICT',
            "A practice customer's phone number and e-mail address cannot be changed.",
          );
        }
        const phoneChanged = changed.includes('phone');
        const next: CustomerRow = {
          ...current,
          ...values,
          phone_changed_at: phoneChanged ? now : current.phone_changed_at,
          updated_at: now,
        };
        // Deleted since it was read: nothing is changed, so nothing is audited.
        await changeOnce(
          tx
            .updateTable('customers')
            .set({ ...values, phone_changed_at: next.phone_changed_at, updated_at: now })
            .where('tenant_id', '=', tenantId)
            .where('id', '=', id),
          () => notFound('Customer'),
        );
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'customer.updated',
          target: { type: 'customer', id },
          data: { fields: changed, phoneChanged },
          now,
        });
        return toCustomer(next);
      }).catch(conflictsAs(externalIdRules(values.external_id)));
    },

    async remove(tenantId: string, id: string, actor: Actor): Promise<void> {
      const now = clock();
      deviceKeys.forget();
      try {
        await removeInTransaction(tenantId, id, actor, now);
      } finally {
        deviceKeys.forget();
      }
    },

    /** One page of customers in creation order, narrowed by the given filters (all must match). */
    async search(
      tenantId: string,
      search: CustomerSearch,
    ): Promise<{ items: Customer[]; nextAfter: string | null }> {
      // Practice customers are reached by id from a practice session, never found among real ones.
      let query = db
        .selectFrom('customers')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('practice', '=', 0);
      if (search.externalId) query = query.where('external_id', '=', search.externalId);
      if (search.email) query = query.where('email', '=', normaliseEmail(search.email));
      if (search.phone) query = query.where('phone', '=', normalisePhone(search.phone));
      const q = search.q?.trim();
      if (q) {
        const digits = q.replace(/[\s().-]/g, '');
        query = query.where((eb) => {
          const options = [
            sql<boolean>`name_folded like ${`%${escapeLike(foldName(q))}%`} escape '\\'`,
            eb('external_id', '=', q),
          ];
          if (q.includes('@'))
            options.push(sql<boolean>`email like ${`${escapeLike(q.toLowerCase())}%`} escape '\\'`);
          if (/^\+?\d{3,15}$/.test(digits)) {
            options.push(
              sql<boolean>`phone like ${`%${escapeLike(digits.replace(/^\+/, ''))}%`} escape '\\'`,
            );
          }
          return eb.or(options);
        });
      }
      if (search.after) query = query.where('id', '>', search.after);
      const rows = await query
        .orderBy('id', 'asc')
        .limit(search.limit + 1)
        .execute();
      const page = rows.slice(0, search.limit);
      return {
        items: page.map(toCustomer),
        nextAfter: rows.length > search.limit ? page[page.length - 1]!.id : null,
      };
    },
  };

  async function removeInTransaction(tenantId: string, id: string, actor: Actor, now: number): Promise<void> {
    await inTransaction(db, async (tx) => {
      await getRow(tx, tenantId, id);
      // Devices go with the customer; verifications stay, as the history of what was asked and answered.
      await tx
        .deleteFrom('device_offline_secrets')
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', id)
        .execute();
      await tx
        .deleteFrom('devices')
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', id)
        .execute();
      // A call announced to a customer who no longer exists is over; the notices and reports stay
      // as history, like verifications.
      await tx
        .updateTable('call_notices')
        .set({ status: 'ended', ended_at: now })
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', id)
        .where('status', '=', 'active')
        .execute();
      // Of concurrent deletes, only the one whose statement removed the row audits it; the
      // others answer as for a customer already gone.
      await changeOnce(
        tx.deleteFrom('customers').where('tenant_id', '=', tenantId).where('id', '=', id),
        () => notFound('Customer'),
      );
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'customer.deleted',
        target: { type: 'customer', id },
        now,
      });
    });
  }
}

export type CustomerService = ReturnType<typeof createCustomerService>;
