// Every action the server can write to the audit log has a name and a sentence in the console, in
// English and German, and is listed in the console's Action filter (knownAuditActions). Without
// them the audit log page shows the stored action name instead of a sentence. The server's
// sources and the console's files are read as text: no server runs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..', '..', '..');
const serverSrc = join(root, 'packages', 'server', 'src');
const consoleSrc = join(root, 'apps', 'console', 'src');

/**
 * Actions written through a template literal, by the text before `${`, with every value the
 * template can take (read from the types of the code that fills it). A new template family
 * must be added here; the test fails naming any template it does not know.
 */
const templateFamilies: Record<string, string[]> = {
  // features/methods/outcomes.ts (OutcomeStatus) and features/push/record.ts (finalStatuses).
  'verification.': ['approved', 'denied', 'fraud_reported', 'expired', 'cancelled', 'failed'],
  // features/methods/one-time-codes.ts: finish(status: 'verified' | 'failed' | 'cancelled' | 'expired').
  'otp.': ['verified', 'failed', 'cancelled', 'expired'],
  // features/calls/confirm.ts (callDeviceOutcomes) and features/calls/model.ts (finish: 'ended' | 'expired').
  'call.': ['confirmed', 'mismatch', 'ended', 'expired'],
  // features/campaigns/campaigns.ts: the transitions start, pause, resume, cancel.
  'campaign.': ['started', 'paused', 'resumed', 'cancelled'],
};

/**
 * Files whose appendAudit takes the action from a variable, and where the action is named:
 * `callee` when it is a string argument of that local function, `property` when it is an
 * `action: '…'` property of an object built elsewhere (a record made before the call, or the
 * object callers pass; found by the scan of every `action:` property). A new forwarding helper
 * must be added here; the test fails naming any file it does not know.
 */
const forwarders: Record<string, { callee: string } | 'property'> = {
  'features/methods/app-codes.ts': { callee: 'audit' },
  'features/methods/totp.ts': { callee: 'audit' },
  'features/operators/sso/operator-sso.ts': { callee: 'audit' },
  'features/operators/second-factor.ts': 'property',
  'features/practice/cleanup.ts': 'property',
  'features/webhooks/endpoints.ts': 'property',
};

const actionLiteral = /'([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)'/g;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'test-support') files.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      files.push(path);
    }
  }
  return files;
}

/** The index of the last character of the comment that starts at `i`. */
function skipComment(text: string, i: number): number {
  const end = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2) + 1;
  return end <= 0 ? text.length : end;
}

/** The text from `start` up to the first `,`, `;` or closing bracket outside brackets and strings. */
function expressionAt(text: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      i = skipComment(text, i);
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      if (depth === 0) return text.slice(start, i);
      depth--;
    } else if ((c === ',' || c === ';') && depth === 0) return text.slice(start, i);
  }
  return text.slice(start);
}

/** The arguments of the call whose `(` is at `open`, as one text. */
function balanced(text: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      i = skipComment(text, i);
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('Unbalanced call.');
}

/** The action names an `action:` value can give: its literals, or a template family's values. */
function actionsOf(expression: string, where: string, problems: string[]): string[] {
  const template = /`([a-z][a-z0-9_]*\.)\$\{/.exec(expression);
  if (template) {
    const values = templateFamilies[template[1]!];
    if (!values) {
      problems.push(`${where}: the template ${expression.trim()} is not in templateFamilies`);
      return [];
    }
    return values.map((value) => `${template[1]}${value}`);
  }
  return [...expression.matchAll(actionLiteral)].map((m) => m[1]!);
}

/** Every action the server's sources can write, and what the scan could not read. */
function serverActions(): { actions: Set<string>; problems: string[] } {
  const actions = new Set<string>();
  const problems: string[] = [];
  const seenForwarders = new Set<string>();
  for (const file of sourceFiles(serverSrc)) {
    const text = readFileSync(file, 'utf8');
    const name = relative(serverSrc, file).replaceAll('\\', '/');
    // Every `action:` property with an action-like value: appendAudit's records, and the objects
    // handed to a forwarding helper.
    for (const m of text.matchAll(/\baction:\s*/g)) {
      for (const action of actionsOf(expressionAt(text, m.index + m[0].length), name, problems))
        actions.add(action);
    }
    // Every appendAudit call must name its action in a way this scan reads.
    for (const m of text.matchAll(/\bappendAudit(?:Sealed)?\(/g)) {
      if (/function\s+$/.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
      const args = balanced(text, m.index + m[0].length - 1);
      const property = /(?:^|[\s{,])action\s*(:\s*)?/.exec(args);
      // No property: the record is an object built before the call.
      const value = !property
        ? args.trim()
        : property[1]
          ? expressionAt(args, property.index + property[0].length).trim()
          : 'action';
      if (/['`]/.test(value)) continue; // A literal, conditional literals or a template: read above.
      const forwarder = forwarders[name];
      if (!forwarder) {
        problems.push(`${name}: appendAudit takes its action from \`${value}\`; add the file to forwarders`);
        continue;
      }
      seenForwarders.add(name);
      if (forwarder === 'property') continue;
      const calls = [...text.matchAll(new RegExp(`\\b${forwarder.callee}\\(`, 'g'))].filter(
        (call) => !/function\s+$/.test(text.slice(Math.max(0, call.index - 20), call.index)),
      );
      for (const call of calls) {
        const given = [...balanced(text, call.index + call[0].length - 1).matchAll(actionLiteral)].map(
          (l) => l[1]!,
        );
        if (given.length === 0) problems.push(`${name}: a call of ${forwarder.callee}() names no action`);
        for (const action of given) actions.add(action);
      }
    }
  }
  for (const name of Object.keys(forwarders))
    if (!seenForwarders.has(name)) problems.push(`${name} is in forwarders but forwards no action any more`);
  return { actions, problems };
}

function catalogueKeys(language: 'en' | 'de'): Set<string> {
  const keys = new Set<string>();
  const dir = join(consoleSrc, 'i18n');
  for (const file of readdirSync(dir).filter((f) => f.endsWith(`.${language}.ts`) || f === `${language}.ts`))
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/^\s*'([^']+)':/gm)) keys.add(m[1]!);
  return keys;
}

function knownAuditActions(): Set<string> {
  const page = readFileSync(join(consoleSrc, 'pages', 'AuditLog.tsx'), 'utf8');
  const list = /export const knownAuditActions = \[([\s\S]*?)\] as const/.exec(page);
  assert.ok(list, 'AuditLog.tsx declares knownAuditActions');
  return new Set([...list[1]!.matchAll(actionLiteral)].map((m) => m[1]!));
}

test('the scan of the server finds the actions written in each of its forms', () => {
  const { actions, problems } = serverActions();
  assert.deepEqual(problems, []);
  // One of each form: a literal, a conditional, a template, a forwarding helper's argument and a
  // forwarded object property. If one is missing, the scan no longer reads that form.
  for (const action of [
    'customer.created',
    'fraud_case.signal_added',
    'campaign.paused',
    'app_code.verified',
    'operator.sso_refused',
    'operator.second_factor_verified',
    'practice.purged',
  ])
    assert.ok(actions.has(action), `the scan finds ${action}`);
  assert.ok(!actions.has('test.crash'), 'test helpers are not scanned');
});

test('every action the server writes has a name and a sentence in English and German in the console', () => {
  const { actions } = serverActions();
  const known = knownAuditActions();
  const en = catalogueKeys('en');
  const de = catalogueKeys('de');
  const missing: string[] = [];
  for (const action of [...actions].sort()) {
    const lacks = [
      known.has(action) ? null : 'knownAuditActions',
      en.has(`audit.action.${action}`) ? null : 'English name',
      en.has(`audit.sentence.${action}`) ? null : 'English sentence',
      de.has(`audit.action.${action}`) ? null : 'German name',
      de.has(`audit.sentence.${action}`) ? null : 'German sentence',
    ].filter((x) => x !== null);
    if (lacks.length) missing.push(`${action} (no ${lacks.join(', ')})`);
  }
  assert.deepEqual(missing, [], `audit actions the console cannot say:\n${missing.join('\n')}`);
});
