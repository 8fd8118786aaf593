// A campaign's audience: the customers it reaches, read in keyset order a batch at a time (so
// memory does not grow with the audience), and a CSV of external ids resolved to customers.
import { AppError } from '@helpdesk-auth/core';
import { parse } from 'csv-parse/sync';
import type { Db } from '../../storage/database.ts';
import type { Audience } from './model.ts';

/** The audience's customers after `cursor` (a customer id), in id order, at most `limit`. */
function audienceQuery(db: Db, tenantId: string, audience: Audience) {
  // The practice space's made-up customers (features/practice/) are never anyone's audience.
  let query = db
    .selectFrom('customers')
    .where('customers.tenant_id', '=', tenantId)
    .where('customers.practice', '=', 0);
  if (audience.kind === 'search') {
    if (audience.noDevice) {
      query = query.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('devices')
              .select('devices.id')
              .whereRef('devices.customer_id', '=', 'customers.id')
              .where('devices.tenant_id', '=', tenantId)
              .where('devices.status', '=', 'active'),
          ),
        ),
      );
    }
    const language = audience.language;
    if (language) {
      // Languages are checked to be two or three letters, so the pattern carries no wildcard.
      query = query.where((eb) =>
        eb.or([eb('customers.locale', '=', language), eb('customers.locale', 'like', `${language}-%`)]),
      );
    }
  }
  return query;
}

export async function nextAudienceBatch(
  db: Db,
  tenantId: string,
  audience: Audience,
  cursor: string | null,
  limit: number,
): Promise<string[]> {
  // A CSV's recipients are written when the campaign is created; there is nothing to read.
  if (audience.kind === 'csv') return [];
  let query = audienceQuery(db, tenantId, audience).select('customers.id');
  if (cursor !== null) query = query.where('customers.id', '>', cursor);
  const rows = await query.orderBy('customers.id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** The audience's size now, shown as the campaign's total until its audience has been read. */
export async function countAudience(db: Db, tenantId: string, audience: Audience): Promise<number> {
  const row = await audienceQuery(db, tenantId, audience)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const externalIdHeaders = new Set(['externalid', 'customerid', 'id']);

/**
 * The external ids of a CSV file, read with the same parser as the customer import: a header line
 * naming an `external_id` column (other columns are ignored), one customer a line. A file of one
 * column without a recognised header is read as a plain list of external ids.
 */
export function parseExternalIdCsv(text: string): Array<{ line: number; externalId: string }> {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The file is not valid CSV: ${(error as Error).message.replace(/\.?$/, '.')}`,
    );
  }
  const header = records[0]?.record;
  if (!header) throw new AppError('VALIDATION_FAILED', 'The file is empty.');
  const named = header.findIndex((name) => externalIdHeaders.has(name.toLowerCase().replace(/[\s_-]/g, '')));
  let column = named;
  let rows = records.slice(1);
  if (named < 0) {
    if (header.length !== 1) {
      throw new AppError(
        'VALIDATION_FAILED',
        'The file needs an external_id column (a header line naming it), or one external id a line.',
      );
    }
    column = 0;
    rows = records;
  }
  const out: Array<{ line: number; externalId: string }> = [];
  for (const { record, info } of rows) {
    const value = record[column];
    if (value) out.push({ line: info.lines, externalId: value.slice(0, 200) });
  }
  if (out.length === 0) throw new AppError('VALIDATION_FAILED', 'The file lists no external ids.');
  return out;
}
