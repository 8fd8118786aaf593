// SCIM 2.0 Users mapped onto customers.
import { createHash } from 'node:crypto';
import { AppError, isAppError, notFound } from '@helpdesk-auth/core';
import { type ScimPatchOperation, type ScimResource, scimPatch } from 'scim-patch';
import { type Actor, appendAudit } from '../../../platform/audit-log.ts';
import type { ServiceContext } from '../../../platform/context.ts';
import { inTransaction, lockTenant } from '../../../storage/atomic.ts';
import { type ConflictRule, mapConflict } from '../../../storage/constraint-violations.ts';
import type { Db } from '../../../storage/database.ts';
import type { CustomerRow, ScimUsersTable } from '../../../storage/schema.ts';
import { type CustomerInput, createCustomerService, normalisePhone } from '../customers.ts';
import { invalidFilter, ScimProblem, scimFilterToSql } from './scim-filter.ts';

/**
 * SCIM 2.0 Users (RFC 7643 section 4.1, RFC 7644) mapped onto customers, so an identity provider
 * provisions the people who call the helpdesk. The customer record keeps what verification needs
 * (name, phone, e-mail, locale, external id); `scim_users` keeps what only SCIM speaks of (userName,
 * active, name parts, the types of the e-mail and phone). Changes go through the customer service,
 * so they are validated and audited exactly as changes made through /v1/customers.
 */
export const userSchemaUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const listSchemaUrn = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const patchSchemaUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimMultiValue {
  value: string;
  type?: string;
  primary?: boolean;
}

export interface ScimUser {
  schemas: string[];
  id: string;
  externalId?: string;
  userName: string;
  name: { givenName?: string; familyName?: string; formatted: string };
  displayName: string;
  emails?: ScimMultiValue[];
  phoneNumbers?: ScimMultiValue[];
  locale?: string;
  active: boolean;
  meta: {
    resourceType: 'User';
    created: string;
    lastModified: string;
    location: string;
    version: string;
  };
}

type JoinedRow = CustomerRow & {
  user_name: string | null;
  active: number | null;
  given_name: string | null;
  family_name: string | null;
  email_type: string | null;
  phone_type: string | null;
};

export const maxPageSize = 200;

const invalidValue = (message: string) => new ScimProblem('VALIDATION_FAILED', 'invalidValue', message);

function selectUsers(db: Db, tenantId: string) {
  return (
    db
      .selectFrom('customers as c')
      .leftJoin('scim_users as s', 's.customer_id', 'c.id')
      .selectAll('c')
      .select(['s.user_name', 's.active', 's.given_name', 's.family_name', 's.email_type', 's.phone_type'])
      .where('c.tenant_id', '=', tenantId)
      // The practice space's made-up customers are no identity provider's users.
      .where('c.practice', '=', 0)
  );
}

function toScimUser(row: JoinedRow, baseUrl: string): ScimUser {
  const user: ScimUser = {
    schemas: [userSchemaUrn],
    id: row.id,
    userName: row.user_name ?? row.external_id ?? row.id,
    name: {
      ...(row.given_name ? { givenName: row.given_name } : {}),
      ...(row.family_name ? { familyName: row.family_name } : {}),
      formatted: row.display_name,
    },
    displayName: row.display_name,
    active: row.active === null ? true : row.active === 1,
    meta: {
      resourceType: 'User',
      created: new Date(row.created_at).toISOString(),
      lastModified: new Date(row.updated_at).toISOString(),
      location: `${baseUrl}/scim/v2/Users/${row.id}`,
      version: `W/"${row.updated_at}"`,
    },
  };
  if (row.external_id !== null) user.externalId = row.external_id;
  if (row.email !== null) user.emails = [{ value: row.email, type: row.email_type ?? 'work', primary: true }];
  if (row.phone !== null)
    user.phoneNumbers = [{ value: row.phone, type: row.phone_type ?? 'mobile', primary: true }];
  if (row.locale !== null) user.locale = row.locale;
  // The version changes with every change to what a client reads, even two in the same millisecond.
  const { meta, ...content } = user;
  const digest = createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 16);
  user.meta = { ...meta, version: `W/"${row.updated_at}-${digest}"` };
  return user;
}

// --- Reading a SCIM User body --------------------------------------------------------------

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalText(value: unknown, attribute: string, maxLength: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`"${attribute}" must be a string.`);
  const trimmed = value.trim();
  if (trimmed.length > maxLength)
    throw invalidValue(`"${attribute}" is longer than ${maxLength} characters.`);
  return trimmed === '' ? undefined : trimmed;
}

/** Entra ID sends booleans as "True"/"False" in some patch requests; accept those, nothing else. */
function readBoolean(value: unknown, attribute: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`"${attribute}" must be true or false.`);
}

/** The primary value of a multi-valued attribute, else the preferred type, else the first. */
function pickValue(value: unknown, attribute: string, preferredType: string): ScimMultiValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidValue(`"${attribute}" must be an array.`);
  const items = value.filter((item) => isRecord(item) && item.value !== undefined && item.value !== null);
  for (const item of items) {
    if (typeof item.value !== 'string') throw invalidValue(`"${attribute}.value" must be a string.`);
  }
  const chosen =
    items.find((item) => readBoolean(item.primary, `${attribute}.primary`) === true) ??
    items.find((item) => typeof item.type === 'string' && item.type.toLowerCase() === preferredType) ??
    items[0];
  if (!chosen) return undefined;
  const text = optionalText(chosen.value, `${attribute}.value`, 320);
  if (!text) return undefined;
  const type = optionalText(chosen.type, `${attribute}.type`, 32);
  return { value: text, ...(type ? { type } : {}) };
}

interface ReadUser {
  customer: CustomerInput & { displayName: string };
  scim: Omit<ScimUsersTable, 'customer_id' | 'tenant_id'>;
  /**
   * The provider sent a phone number that is not a valid number in international form (Entra
   * ID's `mobile` is free text): the user is stored without it, and the audit log says so.
   */
  phoneUnusable: boolean;
}

/** A phone number as the customer record keeps it, or undefined when it cannot be one. */
function usablePhone(value: string): string | undefined {
  try {
    return normalisePhone(value);
  } catch {
    return undefined;
  }
}

/**
 * Reads a full SCIM User (POST, PUT, or the result of a PATCH) into our fields. Attributes we do
 * not keep (addresses, title, password, enterprise extension...) are ignored, as RFC 7644 section
 * 3.3 allows; they are not returned either.
 */
function readUser(body: Record<string, unknown>): ReadUser {
  const userName = optionalText(body.userName, 'userName', 300);
  if (!userName) throw invalidValue('"userName" is required.');
  const externalId = optionalText(body.externalId, 'externalId', 200);
  const name = isRecord(body.name) ? body.name : {};
  const givenName = optionalText(name.givenName, 'name.givenName', 200);
  const familyName = optionalText(name.familyName, 'name.familyName', 200);
  const formatted = optionalText(name.formatted, 'name.formatted', 200);
  const displayName =
    optionalText(body.displayName, 'displayName', 200) ??
    formatted ??
    ([givenName, familyName].filter(Boolean).join(' ') || userName.slice(0, 200));
  const email = pickValue(body.emails, 'emails', 'work');
  const sentPhone = pickValue(body.phoneNumbers, 'phoneNumbers', 'mobile');
  const usable = sentPhone ? usablePhone(sentPhone.value) : undefined;
  const phone = sentPhone && usable ? { ...sentPhone, value: usable } : undefined;
  // The customer's language for messages: `preferredLanguage` (an Accept-Language value, its first
  // tag) when sent, as Entra ID maps it; else `locale`, as Okta sends it. The resource shows `locale`.
  const languages = optionalText(body.preferredLanguage, 'preferredLanguage', 200);
  const preferred = languages?.split(',')[0]?.split(';')[0]?.trim();
  const locale = (preferred || undefined) ?? optionalText(body.locale, 'locale', 35);
  const active = readBoolean(body.active, 'active') ?? true;
  return {
    customer: {
      // userName stands in as the customer's external id when the provider sends none (Okta and
      // Entra ID both send userName; externalId is optional).
      externalId: externalId ?? userName.slice(0, 200),
      displayName,
      email: email?.value ?? null,
      phone: phone?.value ?? null,
      locale: locale ?? null,
    },
    scim: {
      user_name: userName,
      user_name_key: userName.toLowerCase(),
      active: active ? 1 : 0,
      given_name: givenName ?? null,
      family_name: familyName ?? null,
      email_type: email ? (email.type ?? 'work') : null,
      phone_type: phone ? (phone.type ?? 'mobile') : null,
    },
    phoneUnusable: sentPhone !== undefined && phone === undefined,
  };
}

// --- PATCH ---------------------------------------------------------------------------------

const simplePathPattern = /^[A-Za-z][\w.]*$/;

/**
 * Normalises PATCH operations the way identity providers actually send them: Entra ID writes
 * `"op": "Replace"`, sends no-path values whose keys are paths (`{"name.givenName": "Ann"}`),
 * and booleans as strings.
 */
function normaliseOperations(operations: unknown[]): ScimPatchOperation[] {
  const out: ScimPatchOperation[] = [];
  for (const raw of operations) {
    if (!isRecord(raw) || typeof raw.op !== 'string')
      throw new ScimProblem('VALIDATION_FAILED', 'invalidSyntax', 'Each operation needs an "op".');
    const op = raw.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw new ScimProblem(
        'VALIDATION_FAILED',
        'invalidSyntax',
        `"${raw.op}" is not add, replace or remove.`,
      );
    const path = typeof raw.path === 'string' ? stripUrn(raw.path) : undefined;
    if (raw.path !== undefined && typeof raw.path !== 'string')
      throw new ScimProblem('VALIDATION_FAILED', 'invalidPath', '"path" must be a string.');
    if (op === 'remove') {
      if (!path) throw new ScimProblem('VALIDATION_FAILED', 'noTarget', 'A remove needs a "path".');
      out.push({ op: 'remove', path, ...(raw.value !== undefined ? { value: raw.value } : {}) });
      continue;
    }
    if (path) {
      out.push({ op, path, value: raw.value });
      continue;
    }
    if (!isRecord(raw.value))
      throw new ScimProblem(
        'VALIDATION_FAILED',
        'invalidValue',
        'An operation without a path needs an object value.',
      );
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.value)) {
      const stripped = stripUrn(key);
      if (simplePathPattern.test(stripped) && !stripped.includes('.')) plain[stripped] = value;
      else out.push({ op, path: stripped, value });
    }
    if (Object.keys(plain).length > 0) out.push({ op, value: plain });
  }
  return out;
}

function stripUrn(path: string): string {
  const prefix = `${userSchemaUrn}:`;
  return path.toLowerCase().startsWith(prefix.toLowerCase()) ? path.slice(prefix.length) : path;
}

/** Attribute names are case-insensitive (RFC 7643 section 2.1); bring them to their canonical case. */
const canonicalNames = [
  'schemas',
  'id',
  'externalId',
  'userName',
  'name',
  'givenName',
  'familyName',
  'formatted',
  'displayName',
  'emails',
  'phoneNumbers',
  'value',
  'type',
  'primary',
  'locale',
  'preferredLanguage',
  'active',
  'meta',
  'Operations',
  'op',
  'path',
];
const canonicalByLower = new Map(canonicalNames.map((name) => [name.toLowerCase(), name]));

export function canonicaliseAttributeNames(value: unknown, depth = 0): unknown {
  if (depth > 4) return value;
  if (Array.isArray(value)) return value.map((item) => canonicaliseAttributeNames(item, depth + 1));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const canonical = canonicalByLower.get(key.toLowerCase()) ?? key;
    // Values of a no-path PATCH are attribute maps too; anything else keeps its content.
    out[canonical] = canonicaliseAttributeNames(inner, depth + 1);
  }
  return out;
}

// --- The service -----------------------------------------------------------------------------

function translateCustomerError(error: unknown): never {
  if (isAppError(error) && !(error instanceof ScimProblem)) {
    if (error.code === 'EXTERNAL_ID_TAKEN') throw new ScimProblem(error.code, 'uniqueness', error.message);
    // Deleted while this request wrote it.
    if (error.code === 'NOT_FOUND') throw notFound('User');
    if (error.code === 'VALIDATION_FAILED' || error.code === 'INVALID_PHONE_NUMBER')
      throw new ScimProblem(error.code, 'invalidValue', error.message);
  }
  throw error;
}

const userNameTaken = () =>
  new ScimProblem('USER_NAME_TAKEN', 'uniqueness', 'Another user already has this userName.');

/**
 * Two requests writing the same userName at once both pass the check; the unique key stops the
 * second, which gets the answer the check would have given. A user deleted while it is being
 * written is not found, as it would have been a moment later.
 */
const scimWriteRules: ConflictRule[] = [
  { kind: 'unique', table: 'scim_users', columns: ['tenant_id', 'user_name_key'], error: userNameTaken },
  { kind: 'foreign_key', table: 'scim_users', error: () => notFound('User') },
];

/** What a failed SCIM write answers: the violation named above, then in SCIM's own terms. */
const scimWriteFailure = (error: unknown): never =>
  translateCustomerError(mapConflict(error, scimWriteRules));

export interface ScimListQuery {
  filter?: string | undefined;
  startIndex?: number | undefined;
  count?: number | undefined;
}

export function createScimUserService(context: ServiceContext) {
  const { db, config } = context;
  const baseUrl = config.publicUrl.replace(/\/$/, '');

  async function getRow(tx: Db, tenantId: string, id: string): Promise<JoinedRow> {
    const row = await selectUsers(tx, tenantId).where('c.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('User');
    return row as JoinedRow;
  }

  async function assertUserNameFree(tx: Db, tenantId: string, key: string, exceptId?: string) {
    // A customer made outside SCIM answers to its external id (or id) as userName; those count too.
    let query = selectUsers(tx, tenantId)
      .select('c.id as taken_by')
      .where((eb) =>
        eb.or([
          eb('s.user_name_key', '=', key),
          eb.and([eb('s.customer_id', 'is', null), eb(eb.fn('lower', ['c.external_id']), '=', key)]),
        ]),
      );
    if (exceptId) query = query.where('c.id', '!=', exceptId);
    if (await query.executeTakeFirst()) throw userNameTaken();
  }

  /** Says in the audit log that the provider's phone number was not kept, and why (never the number). */
  async function auditUnusablePhone(tx: Db, tenantId: string, id: string, user: ReadUser, actor: Actor) {
    if (!user.phoneUnusable) return;
    await appendAudit(tx, {
      tenantId,
      actor,
      action: 'customer.phone_unusable',
      target: { type: 'customer', id },
      data: { via: 'scim', reason: 'not_international' },
      now: context.clock(),
    });
  }

  /**
   * RFC 7644 section 3.14: with `If-Match`, a change applies only to the version named. The
   * tenant is locked first, so two changes naming the same version cannot both pass.
   */
  async function checkVersion(tx: Db, tenantId: string, id: string, ifMatch: string | undefined) {
    if (ifMatch === undefined) return;
    await lockTenant(tx, tenantId);
    const current = toScimUser(await getRow(tx, tenantId, id), baseUrl).meta.version;
    const named = ifMatch.split(',').map((tag) => tag.trim());
    const strip = (tag: string) => tag.replace(/^W\//, '');
    if (!named.some((tag) => tag === '*' || strip(tag) === strip(current)))
      throw new AppError('PRECONDITION_FAILED', 'The user changed since this version; read it again.');
  }

  /** Writes a full representation over an existing customer (PUT and PATCH end here). */
  async function writeUser(tx: Db, tenantId: string, id: string, user: ReadUser, actor: Actor) {
    await assertUserNameFree(tx, tenantId, user.scim.user_name_key, id);
    const before = await tx
      .selectFrom('scim_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', id)
      .executeTakeFirst();
    const customers = createCustomerService({ ...context, db: tx });
    await customers.update(tenantId, id, user.customer, actor);
    // What only SCIM knows is audited too: deactivation above all.
    const scimChanged = (['user_name', 'active'] as const).filter(
      (key) => (before?.[key] ?? (key === 'active' ? 1 : undefined)) !== user.scim[key],
    );
    if (before && scimChanged.length > 0) {
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'customer.updated',
        target: { type: 'customer', id },
        data: { fields: scimChanged.map((key) => (key === 'user_name' ? 'userName' : key)), via: 'scim' },
        now: context.clock(),
      });
    }
    await tx
      .insertInto('scim_users')
      .values({ customer_id: id, tenant_id: tenantId, ...user.scim })
      .onConflict((oc) => oc.column('customer_id').doUpdateSet(user.scim))
      .execute();
    await auditUnusablePhone(tx, tenantId, id, user, actor);
    return toScimUser(await getRow(tx, tenantId, id), baseUrl);
  }

  return {
    async create(tenantId: string, body: Record<string, unknown>, actor: Actor): Promise<ScimUser> {
      const user = readUser(body);
      return inTransaction(db, async (tx) => {
        await assertUserNameFree(tx, tenantId, user.scim.user_name_key);
        const customers = createCustomerService({ ...context, db: tx });
        const customer = await customers.create(tenantId, user.customer, actor);
        await tx
          .insertInto('scim_users')
          .values({ customer_id: customer.id, tenant_id: tenantId, ...user.scim })
          .execute();
        await auditUnusablePhone(tx, tenantId, customer.id, user, actor);
        return toScimUser(await getRow(tx, tenantId, customer.id), baseUrl);
      }).catch(scimWriteFailure);
    },

    async get(tenantId: string, id: string): Promise<ScimUser> {
      return toScimUser(await getRow(db, tenantId, id), baseUrl);
    },

    async replace(
      tenantId: string,
      id: string,
      body: Record<string, unknown>,
      actor: Actor,
      ifMatch?: string,
    ): Promise<ScimUser> {
      const user = readUser(body);
      return inTransaction(db, async (tx) => {
        await getRow(tx, tenantId, id);
        await checkVersion(tx, tenantId, id, ifMatch);
        return writeUser(tx, tenantId, id, user, actor);
      }).catch(scimWriteFailure);
    },

    async patch(
      tenantId: string,
      id: string,
      operations: unknown[],
      actor: Actor,
      ifMatch?: string,
    ): Promise<ScimUser> {
      const normalised = normaliseOperations(operations);
      return inTransaction(db, async (tx) => {
        await checkVersion(tx, tenantId, id, ifMatch);
        const current = toScimUser(await getRow(tx, tenantId, id), baseUrl);
        let patched: ScimUser;
        try {
          // scim-patch types meta times as Date; it never touches them.
          patched = scimPatch(current as unknown as ScimResource, normalised, {
            mutateDocument: false,
            treatMissingAsAdd: true,
          }) as unknown as ScimUser;
        } catch (error) {
          const scimType = (error as { scimType?: string }).scimType ?? 'invalidValue';
          throw new ScimProblem('VALIDATION_FAILED', scimType, 'The patch operations cannot be applied.');
        }
        if (patched.id !== current.id)
          throw new ScimProblem('VALIDATION_FAILED', 'mutability', '"id" cannot be changed.');
        return writeUser(tx, tenantId, id, readUser(patched as unknown as Record<string, unknown>), actor);
      }).catch(scimWriteFailure);
    },

    async remove(tenantId: string, id: string, actor: Actor, ifMatch?: string): Promise<void> {
      if (ifMatch === undefined) {
        await createCustomerService(context).remove(tenantId, id, actor);
        return;
      }
      await inTransaction(db, async (tx) => {
        await checkVersion(tx, tenantId, id, ifMatch);
        await createCustomerService({ ...context, db: tx }).remove(tenantId, id, actor);
      });
    },

    async list(
      tenantId: string,
      query: ScimListQuery,
    ): Promise<{ totalResults: number; startIndex: number; itemsPerPage: number; Resources: ScimUser[] }> {
      // RFC 7644 section 3.4.2.4: startIndex below 1 is read as 1, a negative count as 0.
      const startIndex = Math.max(1, query.startIndex ?? 1);
      const count = Math.min(maxPageSize, Math.max(0, query.count ?? 100));
      let base = selectUsers(db, tenantId);
      if (query.filter !== undefined) {
        if (query.filter.trim() === '') throw invalidFilter('The filter is empty.');
        base = base.where(scimFilterToSql(query.filter));
      }
      const total = await base
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const rows =
        count === 0
          ? []
          : await base
              .orderBy('c.id')
              .limit(count)
              .offset(startIndex - 1)
              .execute();
      return {
        totalResults: Number(total.n),
        startIndex,
        itemsPerPage: rows.length,
        Resources: rows.map((row) => toScimUser(row as JoinedRow, baseUrl)),
      };
    },
  };
}

export type ScimUserService = ReturnType<typeof createScimUserService>;

/** Turns any failure into SCIM's scimType, for the error body (RFC 7644 section 3.12). */
export function scimTypeOf(error: unknown): string | undefined {
  if (error instanceof ScimProblem) return error.scimType;
  if (isAppError(error)) {
    if (error.code === 'EXTERNAL_ID_TAKEN' || error.code === 'USER_NAME_TAKEN') return 'uniqueness';
    if (error.code === 'INVALID_FILTER') return 'invalidFilter';
    if (error.code === 'VALIDATION_FAILED' || error.code === 'INVALID_PHONE_NUMBER') return 'invalidValue';
  }
  return undefined;
}

// --- Attribute selection (RFC 7644 section 3.9) ----------------------------------------------

/** `attributes` and `excludedAttributes` as a client sends them: comma-separated, maybe URN-qualified. */
function attributePaths(list: string | undefined): string[][] {
  if (list === undefined) return [];
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => {
      const unqualified = name.toLowerCase().startsWith(`${userSchemaUrn.toLowerCase()}:`)
        ? name.slice(userSchemaUrn.length + 1)
        : name;
      return unqualified.toLowerCase().split('.');
    });
}

/** `id` and `schemas` are returned always (RFC 7643 section 2.4); everything else may be left out. */
const alwaysReturned = new Set(['id', 'schemas']);

/**
 * Applies a client's `attributes` (only these, besides those always returned) or
 * `excludedAttributes` (all but these) to a user, top-level attributes and sub-attributes alike,
 * names compared without regard to case.
 */
export function selectAttributes(
  user: ScimUser,
  selection: { attributes?: string | undefined; excludedAttributes?: string | undefined },
): Partial<ScimUser> & Pick<ScimUser, 'id' | 'schemas'> {
  const included = attributePaths(selection.attributes);
  const excluded = attributePaths(selection.excludedAttributes);
  if (included.length === 0 && excluded.length === 0) return user;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    const name = key.toLowerCase();
    if (alwaysReturned.has(name)) {
      out[key] = value;
      continue;
    }
    const wanted = included.filter((path) => path[0] === name);
    if (included.length > 0 && wanted.length === 0) continue;
    if (excluded.some((path) => path.length === 1 && path[0] === name)) continue;
    const subIncluded = wanted.filter((path) => path.length > 1).map((path) => path[1]);
    const subExcluded = excluded.filter((path) => path.length > 1 && path[0] === name).map((path) => path[1]);
    if (
      value === null ||
      typeof value !== 'object' ||
      (subIncluded.length === 0 && subExcluded.length === 0)
    ) {
      out[key] = value;
      continue;
    }
    const pick = (item: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(item).filter(([sub]) => {
          const subName = sub.toLowerCase();
          if (wanted.some((path) => path.length === 1)) return !subExcluded.includes(subName);
          return (
            (subIncluded.length === 0 || subIncluded.includes(subName)) && !subExcluded.includes(subName)
          );
        }),
      );
    out[key] = Array.isArray(value)
      ? value.map((item) => pick(item as Record<string, unknown>))
      : pick(value as Record<string, unknown>);
  }
  return out as Partial<ScimUser> & Pick<ScimUser, 'id' | 'schemas'>;
}
