// The CSV customer import: read the file, show what will be imported, send it in parts of 200
// rows with a progress bar, then a summary with the refused rows and why.
import { parse } from 'csv-parse/browser/esm/sync';
import { type ChangeEvent, useEffect, useId, useRef, useState } from 'react';
import type { ConsoleApi } from '../api/client.ts';
import { type MessageKey, type Params, useI18n } from '../i18n/i18n.tsx';
import { useErrorText } from './common.tsx';
import '../pages/customer.css';

/** Rows per request: small enough for steady progress, large enough for few round trips. */
export const importPartSize = 200;

const knownColumns: Record<string, string> = {
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

interface CsvRecord {
  /** Line in the file where the record starts (the header is line 1). */
  line: number;
  cells: string[];
}

type FileProblem = { key: MessageKey; params?: Params };

/**
 * The file's records, read with csv-parse as the server reads each part (same options), to preview
 * the file and split it into parts; the server parses every part again and is the judge of what
 * is valid. A file that is not CSV at all (an unclosed quote) is refused here.
 */
export function parseCsv(text: string): CsvRecord[] | FileProblem {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      // Uneven rows are reported with their line below, in the console's words.
      relax_column_count: true,
      info: true,
    }) as unknown as typeof parsed;
  } catch {
    return { key: 'imp.problem.quote' };
  }
  // csv-parse reports the line a record ends on; the line a person looks for is where it starts:
  // that, less the line breaks inside its quoted cells (as the server counts them).
  return parsed.map(({ record, info }) => ({
    line: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
    cells: record,
  }));
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

interface Parsed {
  header: string[];
  rows: CsvRecord[];
}

/** Rows per request, and a size well under the server's default body limit (64 KiB). */
const partBytes = 48_000;

interface Part {
  csv: string;
  rows: number;
  /** The part's line numbers (its header is line 1) mapped to the file's. */
  lines: Map<number, number>;
}

/** The file as parts of at most `importPartSize` rows and `partBytes` characters, each with the header. */
function splitParts(parsed: Parsed): Part[] {
  const header = parsed.header.map(quote).join(',');
  const parts: Part[] = [];
  let current: Part | null = null;
  let partLine = 2;
  for (const row of parsed.rows) {
    const text = row.cells.map(quote).join(',');
    if (!current || current.rows >= importPartSize || current.csv.length + text.length + 1 > partBytes) {
      current = { csv: `${header}\n`, rows: 0, lines: new Map() };
      parts.push(current);
      partLine = 2;
    }
    current.csv += `${text}\n`;
    current.rows++;
    current.lines.set(partLine, row.line);
    // The next row starts after this one's line breaks, those inside its quoted cells included.
    partLine += 1 + row.cells.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
  }
  return parts;
}

function check(text: string): Parsed | FileProblem {
  const records = parseCsv(text);
  if (!Array.isArray(records)) return records;
  const [head, ...rows] = records;
  if (!head) return { key: 'imp.problem.empty' };
  const columns = head.cells.map((name) => knownColumns[name.toLowerCase().replace(/[\s_-]/g, '')]);
  const unknown = head.cells.find((_, i) => !columns[i]);
  if (unknown !== undefined) return { key: 'imp.problem.column', params: { name: unknown } };
  if (!columns.includes('display_name')) return { key: 'imp.problem.noName' };
  const uneven = rows.find((r) => r.cells.length !== head.cells.length);
  if (uneven)
    return {
      key: 'imp.problem.cells',
      params: { line: uneven.line, found: uneven.cells.length, expected: head.cells.length },
    };
  return { header: head.cells, rows };
}

interface Refusal {
  line: number;
  code: string;
  message: string;
}

interface Progress {
  done: number;
  total: number;
  created: number;
  updated: number;
  failed: number;
  refusals: Refusal[];
  state: 'running' | 'finished' | 'stopped' | 'error';
  error?: unknown;
}

/**
 * Sends the parts in order, each answer added to the running counts; stops after the part in
 * flight when asked, and on the first error. Returns how it ended.
 */
async function sendParts(
  api: ConsoleApi,
  parts: Part[],
  updateExisting: boolean,
  dryRun: boolean,
  report: (state: Progress) => void,
  stop: () => boolean,
): Promise<Progress> {
  let state: Progress = {
    done: 0,
    total: parts.reduce((n, part) => n + part.rows, 0),
    created: 0,
    updated: 0,
    failed: 0,
    refusals: [],
    state: 'running',
  };
  report(state);
  for (const part of parts) {
    if (stop()) return { ...state, state: 'stopped' };
    try {
      const summary = await api.importCustomers(part.csv, updateExisting, dryRun);
      state = {
        ...state,
        done: state.done + part.rows,
        created: state.created + summary.created,
        updated: state.updated + summary.updated,
        failed: state.failed + summary.failed,
        refusals: [
          ...state.refusals,
          ...summary.errors.map((e) => ({ ...e, line: part.lines.get(e.line) ?? e.line })),
        ],
      };
      report(state);
    } catch (error) {
      return { ...state, state: 'error', error };
    }
  }
  return { ...state, state: 'finished' };
}

/**
 * A modal dialog for admins. The file is read in the browser and previewed (row count, the first
 * rows); the import sends it in parts of `importPartSize` rows, each as its own request, so the
 * progress bar moves and the page stays responsive. Stop ends after the part in flight; an error
 * stops the import and says how far it got. Line numbers in the summary are the file's own.
 */
export function CustomerImport({ api, onClose }: { api: ConsoleApi; onClose: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [problem, setProblem] = useState<FileProblem | null>(null);
  const [updateExisting, setUpdateExisting] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [checked, setChecked] = useState<Progress | null>(null);
  const stopRequested = useRef(false);
  const stopButton = useRef<HTMLButtonElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
    fileInput.current?.focus();
    return () => node?.close();
  }, []);

  const running = progress?.state === 'running';
  const ended = progress !== null && !running;

  // The import button goes away when pressed: the keyboard goes on at Stop, then at Close.
  useEffect(() => {
    if (running) stopButton.current?.focus();
    else if (ended) closeButton.current?.focus();
  }, [running, ended]);

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    setParsed(null);
    setProblem(null);
    setProgress(null);
    setChecked(null);
    const file = event.target.files?.[0];
    if (!file) return;
    const result = check(await file.text());
    if ('key' in result) setProblem(result);
    else setParsed(result);
  };

  // The server checks the file as the import would (a dry run), so its problems show before
  // anything is written. Checked again when the update choice changes what a known id means.
  useEffect(() => {
    if (!parsed) return;
    let cancelled = false;
    setChecked(null);
    void sendParts(
      api,
      splitParts(parsed),
      updateExisting,
      true,
      () => {},
      () => cancelled,
    ).then((result) => {
      if (!cancelled) setChecked(result);
    });
    return () => {
      cancelled = true;
    };
  }, [api, parsed, updateExisting]);

  const run = async () => {
    if (!parsed) return;
    stopRequested.current = false;
    const result = await sendParts(
      api,
      splitParts(parsed),
      updateExisting,
      false,
      setProgress,
      () => stopRequested.current,
    );
    setProgress(result);
  };

  const percent = progress?.total ? Math.round((progress.done / progress.total) * 100) : 0;
  const counts: Params = progress
    ? {
        done: progress.done,
        total: progress.total,
        created: progress.created,
        updated: progress.updated,
        failed: progress.failed,
      }
    : { done: 0, total: 0, created: 0, updated: 0, failed: 0 };
  // The server's reason in the interface language where it is one we know; else its own sentence.
  const refusalText = (r: Refusal) => {
    if (r.code === 'INVALID_PHONE_NUMBER' || r.code === 'EXTERNAL_ID_TAKEN') return t(`cf.error.${r.code}`);
    if (r.code === 'VALIDATION_FAILED') {
      if (/e-mail address/.test(r.message)) return t('cf.error.email');
      if (/language tag/.test(r.message)) return t('cf.error.locale');
      if (/display.?name/i.test(r.message)) return t('cf.error.required');
    }
    return r.message;
  };

  const refusalTable = (refusals: Refusal[], headingId: string, heading: string) => (
    <>
      <h3 id={headingId}>{heading}</h3>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to scroll it */}
      <section className="table-scroll" tabIndex={0} aria-labelledby={headingId}>
        <table className="import-refusals">
          <thead>
            <tr>
              <th scope="col">{t('imp.line')}</th>
              <th scope="col">{t('imp.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {refusals.map((r) => (
              <tr key={r.line}>
                <td>{r.line}</td>
                <td>{refusalText(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );

  return (
    <dialog
      ref={dialog}
      className="enroll-dialog import-dialog"
      aria-labelledby={`${ids}-title`}
      onCancel={(event) => {
        event.preventDefault();
        if (!running) onClose();
      }}
      data-testid="customer-import"
    >
      <h2 id={`${ids}-title`}>{t('imp.title')}</h2>
      <p>{t('imp.intro')}</p>
      <div className="field">
        <label htmlFor={`${ids}-file`}>{t('imp.file')}</label>
        <input
          id={`${ids}-file`}
          ref={fileInput}
          type="file"
          accept=".csv,text/csv"
          disabled={running}
          onChange={(e) => void choose(e)}
        />
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={updateExisting}
          disabled={running}
          onChange={(e) => setUpdateExisting(e.target.checked)}
        />{' '}
        {t('imp.updateExisting')}
      </label>
      {problem && (
        <p className="notice error" role="alert" data-testid="import-file-problem">
          {t('imp.fileProblem', { problem: t(problem.key, problem.params) })}
        </p>
      )}
      {parsed && (
        <div>
          <p role="status" data-testid="import-rows">
            {t('imp.rows', { count: parsed.rows.length })}
          </p>
          <h3 id={`${ids}-preview`}>{t('imp.preview')}</h3>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to scroll it */}
          <section className="table-scroll" tabIndex={0} aria-labelledby={`${ids}-preview`}>
            <table className="import-preview">
              <thead>
                <tr>
                  <th scope="col">{t('imp.line')}</th>
                  {parsed.header.map((name) => (
                    <th key={name} scope="col">
                      {name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {parsed.rows.slice(0, 5).map((row) => (
                  <tr key={row.line}>
                    <td>{row.line}</td>
                    {row.cells.map((cell, i) => (
                      <td key={parsed.header[i]}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {!progress && (
            <div data-testid="import-check">
              {checked === null ? (
                <p role="status">{t('imp.checking')}</p>
              ) : checked.state === 'error' ? (
                <p className="notice warning" role="status">
                  {t('imp.checkError', { error: errorText(checked.error) })}
                </p>
              ) : checked.failed === 0 ? (
                <p className="notice ok" role="status">
                  {t('imp.checkOk', { created: checked.created, updated: checked.updated })}
                </p>
              ) : (
                <>
                  <p className="notice warning" role="status">
                    {t('imp.checkProblems', {
                      failed: checked.failed,
                      created: checked.created,
                      updated: checked.updated,
                    })}
                  </p>
                  {refusalTable(checked.refusals, `${ids}-problems`, t('imp.problems'))}
                </>
              )}
            </div>
          )}
        </div>
      )}
      {progress && (
        <div className="import-progress">
          <label htmlFor={`${ids}-progress`}>{t('imp.progress')}</label>
          <progress
            id={`${ids}-progress`}
            max={100}
            value={percent}
            aria-valuenow={percent}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuetext={t('imp.progressText', counts)}
            data-testid="import-progress"
          />
          <p aria-live="polite" data-testid="import-progress-text">
            {t('imp.progressText', counts)} ({percent} %)
          </p>
        </div>
      )}
      {progress && progress.state !== 'running' && (
        <div data-testid="import-summary">
          <p
            className={progress.state === 'finished' ? 'notice ok' : 'notice warning'}
            role={progress.state === 'error' ? 'alert' : 'status'}
          >
            {progress.state === 'finished'
              ? t('imp.summary', counts)
              : progress.state === 'stopped'
                ? t('imp.stopped', counts)
                : `${t('imp.stoppedError', { ...counts, error: errorText(progress.error) })} ${t('imp.stopped', counts)}`}
          </p>
          {progress.refusals.length > 0 &&
            refusalTable(progress.refusals, `${ids}-refused`, t('imp.refused'))}
        </div>
      )}
      <div className="actions">
        {parsed && !progress && (
          <button type="button" className="button primary" onClick={() => void run()}>
            {t('imp.start', { count: parsed.rows.length })}
          </button>
        )}
        {running && (
          <button
            type="button"
            className="button"
            ref={stopButton}
            onClick={() => (stopRequested.current = true)}
          >
            {t('imp.stop')}
          </button>
        )}
        <button type="button" className="button" ref={closeButton} disabled={running} onClick={onClose}>
          {t('imp.close')}
        </button>
      </div>
    </dialog>
  );
}
