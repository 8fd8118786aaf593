// SCIM filters on Users, turned into SQL over customers.
import { AppError } from '@helpdesk-auth/core';
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import { type Filter, parse } from 'scim2-parse-filter';

/**
 * SCIM filters (RFC 7644 section 3.4.2.2) on Users, turned into SQL over `customers as c` left
 * joined with `scim_users as s`. Parsing is scim2-parse-filter's; this file decides which
 * attributes and operators we answer, and refuses the rest with `invalidFilter` rather than
 * guessing. Every value reaches the database as a bound parameter.
 */
export class ScimProblem extends AppError {
  readonly scimType: string | undefined;
  constructor(
    code: ConstructorParameters<typeof AppError>[0],
    scimType: string | undefined,
    message: string,
  ) {
    super(code, message);
    this.scimType = scimType;
  }
}

export const invalidFilter = (message: string) => new ScimProblem('INVALID_FILTER', 'invalidFilter', message);

type Kind = 'text' | 'exact' | 'boolean' | 'time';

interface Attribute {
  kind: Kind;
  /** The column, as SQL; text attributes are compared lower-cased (caseExact false, RFC 7643 section 2.2). */
  column: RawBuilder<unknown>;
}

const attributes: Record<string, Attribute> = {
  id: { kind: 'exact', column: sql`c.id` },
  externalid: { kind: 'exact', column: sql`c.external_id` },
  username: { kind: 'text', column: sql`coalesce(s.user_name, c.external_id, c.id)` },
  displayname: { kind: 'text', column: sql`c.display_name` },
  'name.givenname': { kind: 'text', column: sql`s.given_name` },
  'name.familyname': { kind: 'text', column: sql`s.family_name` },
  'name.formatted': { kind: 'text', column: sql`c.display_name` },
  emails: { kind: 'text', column: sql`c.email` },
  'emails.value': { kind: 'text', column: sql`c.email` },
  'emails.type': { kind: 'text', column: sql`s.email_type` },
  phonenumbers: { kind: 'exact', column: sql`c.phone` },
  'phonenumbers.value': { kind: 'exact', column: sql`c.phone` },
  'phonenumbers.type': { kind: 'text', column: sql`s.phone_type` },
  locale: { kind: 'text', column: sql`c.locale` },
  active: { kind: 'boolean', column: sql`coalesce(s.active, 1)` },
  'meta.created': { kind: 'time', column: sql`c.created_at` },
  'meta.lastmodified': { kind: 'time', column: sql`c.updated_at` },
};

const coreUserUrn = 'urn:ietf:params:scim:schemas:core:2.0:user:';

function attributeFor(path: string): Attribute {
  let key = path.toLowerCase();
  if (key.startsWith(coreUserUrn)) key = key.slice(coreUserUrn.length);
  const found = attributes[key];
  if (!found) throw invalidFilter(`Filtering on "${path}" is not supported.`);
  return found;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function compare(op: string, path: string, value: unknown): RawBuilder<SqlBool> {
  const attribute = attributeFor(path);
  const { column } = attribute;
  if (op === 'pr') {
    return attribute.kind === 'text' || attribute.kind === 'exact'
      ? sql<SqlBool>`(${column} is not null and ${column} <> '')`
      : sql<SqlBool>`(${column} is not null)`;
  }
  if (value === null) {
    if (op === 'eq') return sql<SqlBool>`(${column} is null)`;
    if (op === 'ne') return sql<SqlBool>`(${column} is not null)`;
    throw invalidFilter(`"${op} null" is not a comparison.`);
  }
  if (attribute.kind === 'boolean') {
    if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne'))
      throw invalidFilter(`"${path}" is compared with eq or ne and true or false.`);
    return sql<SqlBool>`(${column} ${sql.raw(op === 'eq' ? '=' : '<>')} ${value ? 1 : 0})`;
  }
  if (attribute.kind === 'time') {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) throw invalidFilter(`"${path}" is compared with a date and time.`);
    const ops: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
    const sqlOp = ops[op];
    if (!sqlOp) throw invalidFilter(`"${op}" does not apply to "${path}".`);
    return sql<SqlBool>`(${column} ${sql.raw(sqlOp)} ${ms})`;
  }
  if (typeof value !== 'string') throw invalidFilter(`"${path}" is compared with a string.`);
  const text = attribute.kind === 'text';
  const left = text ? sql`lower(${column})` : column;
  const right = text ? value.toLowerCase() : value;
  switch (op) {
    case 'eq':
      return sql<SqlBool>`(${left} = ${right})`;
    case 'ne':
      return sql<SqlBool>`(${column} is null or ${left} <> ${right})`;
    case 'co':
      return sql<SqlBool>`(${left} like ${`%${escapeLike(right)}%`} escape '\\')`;
    case 'sw':
      return sql<SqlBool>`(${left} like ${`${escapeLike(right)}%`} escape '\\')`;
    case 'ew':
      return sql<SqlBool>`(${left} like ${`%${escapeLike(right)}`} escape '\\')`;
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      const ops: Record<string, string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };
      return sql<SqlBool>`(${left} ${sql.raw(ops[op]!)} ${right})`;
    }
    default:
      throw invalidFilter(`The operator "${op}" is not supported.`);
  }
}

const maxDepth = 16;

function toSql(filter: Filter, prefix: string, depth: number): RawBuilder<SqlBool> {
  if (depth > maxDepth) throw invalidFilter('The filter is nested too deeply.');
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = (filter as { filters: Filter[] }).filters.map((f) => toSql(f, prefix, depth + 1));
      return sql<SqlBool>`(${sql.join(parts, sql.raw(filter.op === 'and' ? ' and ' : ' or '))})`;
    }
    case 'not':
      return sql<SqlBool>`(not ${toSql((filter as { filter: Filter }).filter, prefix, depth + 1)})`;
    case '[]': {
      if (prefix) throw invalidFilter('Value filters cannot be nested.');
      const { attrPath, valFilter } = filter as { attrPath: string; valFilter: Filter };
      return toSql(valFilter, `${attrPath}.`, depth + 1);
    }
    default: {
      const { attrPath, compValue } = filter as { attrPath: string; compValue?: unknown };
      return compare(filter.op, `${prefix}${attrPath}`, compValue);
    }
  }
}

/** Parses a SCIM filter into a SQL condition, or throws `invalidFilter`. */
export function scimFilterToSql(text: string): Expression<SqlBool> {
  let parsed: Filter;
  try {
    parsed = parse(text);
  } catch {
    throw invalidFilter('The filter does not parse (RFC 7644 section 3.4.2.2).');
  }
  return toSql(parsed, '', 0);
}
