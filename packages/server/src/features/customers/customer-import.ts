// Bulk import of customers from CSV, checked whole before anything is written.
import { AppError, isAppError } from '@helpdesk-auth/core';
import { parse } from 'csv-parse/sync';
import type { Actor } from '../../platform/audit-log.ts';
import { type CustomerInput, type CustomerService, normaliseInput } from './customers.ts';

/**
 * Bulk import of customers from CSV. The whole file is parsed and its header checked before
 * anything is written, so a malformed file imports nothing. Each row is then its own
 * transaction (customer and audit entry together): a bad row is reported and skipped, never
 * half-written.
 */
export const importColumns = ['display_name', 'external_id', 'phone', 'email', 'locale'] as const;
type Column = (typeof importColumns)[number];

const headerAliases: Record<string, Column> = {
  displayname: 'display_name',
  name: 'display_name',
  externalid: 'external_id',
  customerid: 'external_id',
  phone: 'phone',
  phonenumber: 'phone',
  email: 'email',
  emailaddress: 'email',
  locale: 'locale',
  language: 'locale',
};

export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

export interface ImportRowError {
  /** Line number in the file (the header is line 1). */
  line: number;
  code: string;
  message: string;
}

export interface ImportSummary {
  total: number;
  created: number;
  updated: number;
  failed: number;
  errors: ImportRowError[];
}

interface ParsedRow {
  line: number;
  values: Partial<Record<Column, string>>;
}

export function parseCustomerCsv(text: string): ParsedRow[] {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
      info: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    throw new ImportFileError(`The file is not valid CSV: ${(error as Error).message.replace(/\.?$/, '.')}`);
  }
  // csv-parse reports the line a record ends on; a quoted cell may span lines, so the line a
  // person looks for (where the record starts) is that minus the line breaks inside its cells.
  const startLine = ({ record, info }: { record: string[]; info: { lines: number } }) =>
    info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
  const [headerRecord, ...rows] = parsed;
  const header = headerRecord?.record;
  if (!header) throw new ImportFileError('The file is empty; the first line must name the columns.');
  const columns = header.map((name) => {
    const column = headerAliases[name.toLowerCase().replace(/[\s_-]/g, '')];
    if (!column) {
      throw new ImportFileError(`Unknown column "${name}". Known columns: ${importColumns.join(', ')}.`);
    }
    return column;
  });
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate) throw new ImportFileError(`The column ${duplicate} appears twice.`);
  if (!columns.includes('display_name')) throw new ImportFileError('The file needs a display_name column.');
  return rows.map((row) => {
    const values: Partial<Record<Column, string>> = {};
    columns.forEach((column, i) => {
      const cell = row.record[i];
      if (cell) values[column] = cell;
    });
    return { line: startLine(row), values };
  });
}

export async function importCustomers(
  deps: { customers: CustomerService },
  tenantId: string,
  text: string,
  options: {
    actor: Actor;
    updateExisting?: boolean;
    /** Check every row as the import would, and write nothing: the counts say what would happen. */
    dryRun?: boolean;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<ImportSummary> {
  const rows = parseCustomerCsv(text);
  const summary: ImportSummary = { total: rows.length, created: 0, updated: 0, failed: 0, errors: [] };
  let done = 0;
  // A dry run writes nothing, so an external id given twice in the file is caught here.
  const seen = new Set<string>();
  for (const row of rows) {
    try {
      const input: CustomerInput = {
        displayName: row.values.display_name,
        externalId: row.values.external_id,
        phone: row.values.phone,
        email: row.values.email,
        locale: row.values.locale,
      };
      if (!input.displayName) throw new AppError('VALIDATION_FAILED', 'display_name is empty.');
      const existing = input.externalId
        ? await deps.customers.findByExternalId(tenantId, input.externalId)
        : undefined;
      if (options.dryRun) {
        normaliseInput(input);
        const id = input.externalId?.trim();
        // Known already, in the database or from an earlier row: updated, or refused as taken.
        const known = id !== undefined && id !== '' && (seen.has(id) || existing !== undefined);
        if (known && !options.updateExisting) {
          throw new AppError('EXTERNAL_ID_TAKEN', `Another customer already has the external id "${id}".`);
        }
        if (id) seen.add(id);
        if (known) summary.updated++;
        else summary.created++;
      } else if (existing && options.updateExisting) {
        await deps.customers.update(tenantId, existing.id, input, options.actor);
        summary.updated++;
      } else {
        await deps.customers.create(tenantId, { ...input, displayName: input.displayName }, options.actor);
        summary.created++;
      }
    } catch (error) {
      if (!isAppError(error)) throw error;
      summary.failed++;
      summary.errors.push({ line: row.line, code: error.code, message: error.message });
    }
    options.onProgress?.(++done, rows.length);
  }
  return summary;
}
