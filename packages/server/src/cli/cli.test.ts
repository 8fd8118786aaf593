// End-to-end tests of the helpdesk-auth command line, run as a subprocess on a fresh data folder.
import assert from 'node:assert/strict';
import { type ExecFileException, execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type AuditEntry, verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { parse } from 'csv-parse/sync';
import { openRuntime, type Runtime } from '../app/runtime.ts';
import { loadConfig } from '../config/config.ts';
import type { Db } from '../storage/database.ts';
import { createTestPostgres, postgresSkip, type TestPostgres } from '../test-support/postgres.ts';

/**
 * End-to-end tests of the `helpdesk-auth` command line: each check runs the real entry point
 * (bin/helpdesk-auth.js) as a subprocess against a fresh data folder, and looks at stdout,
 * stderr, the exit code and what ended up in the database.
 */

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
/** What a first `migrate` reports: every migration file, in order. */
const allMigrations = `Applied: ${readdirSync(
  fileURLToPath(new URL('../storage/migrations/', import.meta.url)),
)
  .filter((file) => /^\d{4}-.*\.ts$/.test(file))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort()
  .join(', ')}\n`;
const nodeBin = path.join(repoRoot, 'node_modules/.bin/node');
const cliBin = path.join(repoRoot, 'packages/server/bin/helpdesk-auth.js');
// A fixed key, so commands do not generate one and warn about it on stderr.
const encryptionKey = Buffer.alloc(32, 7).toString('base64');

type Env = Record<string, string>;

interface CliResult {
  /** Exit code; null when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed by the hang guard. */
  timedOut: boolean;
}

function runCli(env: Env, args: string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      nodeBin,
      [cliBin, ...args],
      {
        cwd: repoRoot,
        env,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error: ExecFileException | null, stdout: string, stderr: string) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr, timedOut: error?.killed === true && code === null });
      },
    );
  });
}

/** The environment of a CLI run: nothing inherited but PATH, so the caller's settings never leak in. */
function cliEnv(dataDir: string, extra: Env = {}): Env {
  return {
    PATH: process.env.PATH ?? '',
    DATA_DIR: dataDir,
    HELPDESK_AUTH_MODE: 'test',
    ENCRYPTION_KEY: encryptionKey,
    ...extra,
  };
}

const describeResult = (r: CliResult) =>
  `exit ${r.code}${r.timedOut ? ' (killed: hang)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

function assertSuccess(r: CliResult): void {
  assert.equal(r.code, 0, describeResult(r));
  assert.equal(r.stderr, '', describeResult(r));
}

function assertNoStackTrace(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /^\s+at\s/m, `stderr must not carry a stack trace\n${describeResult(r)}`);
}

/** Opens the same database as the CLI, in this process, the way the server does. */
async function withRuntime<T>(env: Env, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig(env), { warn: () => {} });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

async function countCustomers(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function countAudit(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function customerByExternalId(db: Db, tenantId: string, externalId: string) {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

async function auditRow(db: Db, tenantId: string, seq: number) {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
}

function parseJsonl(text: string): AuditEntry[] {
  assert.ok(text.endsWith('\n'), 'JSON Lines output ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEntry);
}

// Decided once, before the suites are declared (false when PostgreSQL is reachable).
const pgSkip = await postgresSkip();

// CSV fixtures shared by the SQLite and PostgreSQL runs.
const rowsWithErrors = [
  'display_name,external_id,phone', // line 1
  'Good One,g1,+41446681800', // line 2
  'Bad Phone,b1,12345', // line 3
  ',b2,', // line 4: empty name
  'Dup Id,g1,', // line 5: external_id of line 2
  'Good Two,g2,+1 212 555 0100', // line 6
].join('\n');
const rowsWithErrorsStderr = [
  /^line 3: INVALID_PHONE_NUMBER: \S.*$/,
  /^line 4: VALIDATION_FAILED: display_name is empty\.$/,
  /^line 5: EXTERNAL_ID_TAKEN: Another customer already has the external id "g1"\.$/,
];

function assertRowErrors(r: CliResult): void {
  assert.equal(r.code, 1, describeResult(r));
  assert.equal(r.stdout, '5 rows: 2 created, 0 updated, 3 failed.\n');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, rowsWithErrorsStderr.length, describeResult(r));
  rowsWithErrorsStderr.forEach((pattern, i) => {
    assert.match(lines[i]!, pattern);
  });
}

describe('helpdesk-auth CLI', { concurrency: true }, () => {
  const tempDirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('prints usage for the program and every command, exit 0, without touching the database', async () => {
    const dataDir = tempDir('ha-cli-help-');
    const env = cliEnv(dataDir);
    const top = await runCli(env, ['--help']);
    assertSuccess(top);
    assert.match(top.stdout, /^Usage: helpdesk-auth \[options\] \[command\]\n/);
    for (const command of ['serve', 'migrate', 'tenant', 'operator', 'api-key', 'customer', 'audit']) {
      assert.match(top.stdout, new RegExp(`^  ${command}\\b`, 'm'), `top-level help lists ${command}`);
    }

    const expectations: [string[], string[]][] = [
      [['serve'], ['--port <port>', '--host <host>']],
      [['migrate'], []],
      [
        ['tenant', 'create'],
        ['<slug>', '--name <name>'],
      ],
      [['tenant', 'list'], []],
      [
        ['operator', 'create'],
        ['--tenant <slug>', '--email <email>', '--name <name>', '--role <role>', 'auditor'],
      ],
      [
        ['operator', 'reset-password'],
        ['--tenant <slug>', '--email <email>'],
      ],
      [
        ['api-key', 'create'],
        ['--tenant <slug>', '--name <name>', '--scopes <list>', 'customers:read'],
      ],
      [
        ['customer', 'import'],
        ['<file>', '--tenant <slug>', '--update-existing'],
      ],
      [
        ['audit', 'verify'],
        ['--tenant <slug>', '--all'],
      ],
      [
        ['audit', 'export'],
        ['--tenant <slug>', '--format <format>', '"jsonl"', '"csv"', '--output <file>'],
      ],
    ];
    const results = await Promise.all(expectations.map(([command]) => runCli(env, [...command, '--help'])));
    expectations.forEach(([command, flags], i) => {
      const r = results[i]!;
      assertSuccess(r);
      assert.ok(
        r.stdout.startsWith(`Usage: helpdesk-auth ${command.join(' ')} [options]`),
        `usage line of ${command.join(' ')}:\n${r.stdout}`,
      );
      assert.match(r.stdout, /-h, --help/);
      for (const flag of flags)
        assert.ok(r.stdout.includes(flag), `${command.join(' ')} --help mentions ${flag}`);
    });
    assert.deepEqual(readdirSync(dataDir), [], 'help creates no database and no key');
  });

  describe('usage errors', { concurrency: false }, () => {
    let dataDir: string;
    const cases: { args: string[]; message: string }[] = [
      {
        args: ['operator', 'create', '--email', 'ann@example.com', '--name', 'Ann', '--role', 'bogus'],
        message:
          "error: option '-r, --role <role>' argument 'bogus' is invalid. Choose one of agent, supervisor, admin, auditor.",
      },
      {
        args: ['api-key', 'create', '--name', 'Zendesk', '--scopes', 'customers:read,bogus:scope'],
        message: 'Unknown scope bogus:scope. Known scopes: customers:read, customers:write, devices:read,',
      },
      {
        args: ['operator', 'create', '--name', 'Ann'],
        message: "error: required option '-e, --email <email>' not specified",
      },
      {
        args: ['tenant', 'create', 'acme'],
        message: "error: required option '-n, --name <name>' not specified",
      },
      { args: ['tenant', 'create', '--name', 'Acme'], message: "error: missing required argument 'slug'" },
      { args: ['customer', 'import'], message: "error: missing required argument 'file'" },
      {
        args: ['audit', 'export', '--format', 'xml'],
        message:
          "error: option '-f, --format <format>' argument 'xml' is invalid. Allowed choices are jsonl, csv.",
      },
      { args: ['serve', '--port', '70000'], message: 'A port is 1 to 65535.' },
      { args: ['frobnicate'], message: "error: unknown command 'frobnicate'" },
      {
        args: ['tenant', 'list', '--bogus'],
        message: "error: unknown option '--bogus'",
      },
    ];
    let results: CliResult[];

    before(async () => {
      dataDir = tempDir('ha-cli-usage-');
      results = await Promise.all(cases.map((c) => runCli(cliEnv(dataDir), c.args)));
    });

    it('fail with a clear message on stderr, nothing on stdout, no stack trace and no database', () => {
      cases.forEach((c, i) => {
        const r = results[i]!;
        assert.notEqual(r.code, 0, `${c.args.join(' ')}: ${describeResult(r)}`);
        assert.equal(r.timedOut, false);
        assert.equal(r.stdout, '', c.args.join(' '));
        assert.ok(
          r.stderr.includes(c.message),
          `${c.args.join(' ')} says ${c.message}\n${describeResult(r)}`,
        );
        assert.ok(r.stderr.includes('(run with --help for usage)'), c.args.join(' '));
        assertNoStackTrace(r);
      });
      assert.deepEqual(readdirSync(dataDir), [], 'a usage error opens no database');
    });

    it('exit with code 2, as main.ts documents for bad usage', () => {
      cases.forEach((c, i) => {
        assert.equal(results[i]!.code, 2, `${c.args.join(' ')}: ${describeResult(results[i]!)}`);
      });
    });

    it('an empty --scopes list says that a scope is needed', async () => {
      const r = await runCli(cliEnv(dataDir), ['api-key', 'create', '--name', 'k', '--scopes', ' , ']);
      assert.notEqual(r.code, 0, describeResult(r));
      assert.match(r.stderr, /scope/i);
      assert.doesNotMatch(r.stderr, /Unknown scope \./, 'does not name an empty "unknown" scope');
      assertNoStackTrace(r);
    });

    it('commands needing a tenant explain how to create one when there is none', async () => {
      const r = await runCli(cliEnv(dataDir), [
        'api-key',
        'create',
        '--name',
        'k',
        '--scopes',
        'customers:read',
      ]);
      assert.equal(r.code, 1, describeResult(r));
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        'error: There are no tenants yet. Create one with: helpdesk-auth tenant create <slug> --name <name>\n',
      );
    });
  });

  describe('configuration and database errors', { concurrency: false }, () => {
    it('an invalid configuration is reported with every problem, exit 2', async () => {
      const dataDir = tempDir('ha-cli-config-');
      const r = await runCli(cliEnv(dataDir, { DATABASE_URL: 'mysql://db.example/x', LOG_LEVEL: 'loud' }), [
        'tenant',
        'list',
      ]);
      assert.equal(r.code, 2, describeResult(r));
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        'Invalid configuration:\n' +
          '  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent.\n' +
          '  - DATABASE_URL must be a postgres:// URL.\n',
      );
      const production = await runCli(
        { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, HELPDESK_AUTH_MODE: 'production' },
        ['migrate'],
      );
      assert.equal(production.code, 2, describeResult(production));
      assert.match(production.stderr, /ENCRYPTION_KEY is required in production/);
      assert.deepEqual(readdirSync(dataDir), []);
    });

    it('a refused DATABASE_URL fails at once with a non-zero exit, naming the cause, without the password', async () => {
      const dataDir = tempDir('ha-cli-refused-');
      const env = cliEnv(dataDir, { DATABASE_URL: 'postgres://helpdesk:s3cret-pw@127.0.0.1:1/x' });
      const results = await Promise.all([runCli(env, ['migrate']), runCli(env, ['tenant', 'list'])]);
      for (const r of results) {
        assert.equal(r.timedOut, false, describeResult(r));
        assert.equal(r.code, 1, describeResult(r));
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^error: /);
        assert.match(r.stderr, /ECONNREFUSED/);
        assert.ok(!r.stderr.includes('s3cret-pw'), 'the database password is not printed');
      }
    });

    it('a refused DATABASE_URL is reported as a plain message, not a stack trace', async () => {
      const dataDir = tempDir('ha-cli-refused-');
      const r = await runCli(cliEnv(dataDir, { DATABASE_URL: 'postgres://127.0.0.1:1/x' }), [
        'tenant',
        'list',
      ]);
      assert.notEqual(r.code, 0, describeResult(r));
      assert.match(r.stderr, /ECONNREFUSED/);
      assertNoStackTrace(r);
    });

    it('a database server that accepts but never answers ends in an error, not a hang', async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      try {
        const dataDir = tempDir('ha-cli-silent-');
        // The guard only decides "hang" versus "gave up by itself"; it is not a timing check.
        const r = await runCli(
          cliEnv(dataDir, { DATABASE_URL: `postgres://127.0.0.1:${port}/x` }),
          ['tenant', 'list'],
          {
            timeoutMs: 90_000,
          },
        );
        assert.equal(r.timedOut, false, `the command hung and was killed\n${describeResult(r)}`);
        assert.notEqual(r.code, 0, describeResult(r));
        assert.match(r.stderr, /^error: /m);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  describe('on SQLite', { concurrency: false }, () => {
    let dataDir: string;
    let env: Env;
    let acmeId: string;
    let globexId: string;
    let operatorPassword: string;

    const cli = (...args: string[]) => runCli(env, args);
    const csvFile = (name: string, text: string) => {
      const file = path.join(dataDir, name);
      writeFileSync(file, text);
      return file;
    };

    before(() => {
      dataDir = tempDir('ha-cli-sqlite-');
      env = cliEnv(dataDir);
    });

    it('migrate applies the schema once, then reports it up to date', async () => {
      const first = await cli('migrate');
      assertSuccess(first);
      assert.equal(first.stdout, allMigrations);
      assert.ok(readdirSync(dataDir).includes('helpdesk-auth.sqlite'));
      const second = await cli('migrate');
      assertSuccess(second);
      assert.equal(second.stdout, 'The database schema is up to date.\n');
    });

    it('tenant create makes a tenant once; a duplicate slug fails with SLUG_TAKEN', async () => {
      const created = await cli('tenant', 'create', 'acme', '--name', 'Acme Bank');
      assertSuccess(created);
      const match = /^Created tenant acme \((ten_[0-9A-Z]{26})\)\.\n$/.exec(created.stdout);
      assert.ok(match, created.stdout);
      acmeId = match[1]!;

      const duplicate = await cli('tenant', 'create', 'acme', '--name', 'Other Acme');
      assert.equal(duplicate.code, 1, describeResult(duplicate));
      assert.equal(duplicate.stdout, '');
      assert.equal(duplicate.stderr, 'error: SLUG_TAKEN: A tenant with the slug "acme" already exists.\n');

      const badSlug = await cli('tenant', 'create', 'Not A Slug', '--name', 'X');
      assert.equal(badSlug.code, 1, describeResult(badSlug));
      assert.match(badSlug.stderr, /^error: VALIDATION_FAILED: A tenant slug is/);
      assertNoStackTrace(badSlug);

      const list = await cli('tenant', 'list');
      assertSuccess(list);
      assert.equal(list.stdout, `acme\t${acmeId}\tAcme Bank\n`);
      await withRuntime(env, async ({ services }) => {
        const tenants = await services.tenants.list();
        assert.deepEqual(
          tenants.map((t) => [t.slug, t.name]),
          [['acme', 'Acme Bank']],
        );
      });
    });

    it('operator create prints a generated password once, and that password signs in', async () => {
      const r = await cli(
        'operator',
        'create',
        '--email',
        'Ann@Example.com',
        '--name',
        'Ann Admin',
        '--role',
        'admin',
      );
      assertSuccess(r);
      const lines = r.stdout.split('\n');
      assert.equal(lines.length, 3, r.stdout);
      assert.match(lines[0]!, /^Created admin ann@example\.com in tenant acme \(opr_[0-9A-Z]{26}\)\.$/);
      const match = /^Password \(shown only now\): (\S{12,})$/.exec(lines[1]!);
      assert.ok(match, r.stdout);
      operatorPassword = match[1]!;
      assert.equal(r.stdout.split(operatorPassword).length - 1, 1, 'the password is printed exactly once');

      await withRuntime(env, async ({ services }) => {
        const { session } = await services.sessions.signIn({
          tenant: 'acme',
          email: 'ann@example.com',
          password: operatorPassword,
          address: '127.0.0.1',
        });
        assert.equal(session.operator.email, 'ann@example.com');
        assert.equal(session.operator.displayName, 'Ann Admin');
        assert.equal(session.operator.role, 'admin');
        assert.equal(session.tenantSlug, 'acme');
        assert.equal(session.operator.passwordChangeRequired, true, 'a generated password is to be replaced');
        await assert.rejects(
          services.sessions.signIn({
            tenant: 'acme',
            email: 'ann@example.com',
            password: `${operatorPassword}x`,
            address: '127.0.0.1',
          }),
          { code: 'INVALID_CREDENTIALS' },
        );
      });

      const defaultRole = await cli('operator', 'create', '--email', 'bob@example.com', '--name', 'Bob');
      assertSuccess(defaultRole);
      assert.match(defaultRole.stdout, /^Created agent bob@example\.com in tenant acme /);

      const duplicate = await cli('operator', 'create', '--email', 'ANN@example.com', '--name', 'Ann Again');
      assert.equal(duplicate.code, 1, describeResult(duplicate));
      assert.equal(duplicate.stdout, '');
      assert.match(duplicate.stderr, /^error: EMAIL_TAKEN: /);
    });

    it('operator reset-password prints a new password, retires the old one and ends sessions', async () => {
      const cookie = await withRuntime(env, async ({ services }) => {
        const signedIn = await services.sessions.signIn({
          tenant: 'acme',
          email: 'ann@example.com',
          password: operatorPassword,
          address: '127.0.0.1',
        });
        return signedIn.cookieValue;
      });

      const r = await cli('operator', 'reset-password', '--email', 'Ann@Example.com');
      assertSuccess(r);
      const match = /^New password for ann@example\.com \(shown only now\): (\S{12,})\n$/.exec(r.stdout);
      assert.ok(match, r.stdout);
      const newPassword = match[1]!;
      assert.notEqual(newPassword, operatorPassword);

      await withRuntime(env, async ({ services }) => {
        assert.equal(await services.sessions.authenticate(cookie), undefined, 'the old session ended');
        await assert.rejects(
          services.sessions.signIn({
            tenant: 'acme',
            email: 'ann@example.com',
            password: operatorPassword,
            address: '127.0.0.1',
          }),
          { code: 'INVALID_CREDENTIALS' },
        );
        const { session } = await services.sessions.signIn({
          tenant: 'acme',
          email: 'ann@example.com',
          password: newPassword,
          address: '127.0.0.1',
        });
        assert.equal(session.operator.email, 'ann@example.com');
        assert.equal(session.operator.passwordChangeRequired, true, 'a reset password is to be replaced');
      });

      const unknown = await cli('operator', 'reset-password', '--email', 'nobody@example.com');
      assert.equal(unknown.code, 1, describeResult(unknown));
      assert.equal(unknown.stdout, '');
      assert.equal(unknown.stderr, 'error: No operator nobody@example.com in tenant acme.\n');
    });

    it('api-key create prints a working hda_ key with the requested scopes', async () => {
      const r = await cli(
        'api-key',
        'create',
        '--name',
        'Zendesk',
        '--scopes',
        'customers:read, customers:write',
      );
      assertSuccess(r);
      const lines = r.stdout.split('\n');
      assert.equal(lines.length, 3, r.stdout);
      assert.match(
        lines[0]!,
        /^Created API key key_[0-9A-Z]{26} \(customers:read, customers:write\) in tenant acme\.$/,
      );
      const match = /^Key \(shown only now\): (hda_\S+)$/.exec(lines[1]!);
      assert.ok(match, r.stdout);
      const key = match[1]!;
      await withRuntime(env, async ({ services }) => {
        const principal = await services.apiKeys.authenticate(key);
        assert.ok(principal, 'the printed key authenticates');
        assert.equal(principal.tenantId, acmeId);
        assert.deepEqual(principal.scopes, ['customers:read', 'customers:write']);
      });
    });

    it('with several tenants, commands need --tenant and name the choices', async () => {
      const created = await cli('tenant', 'create', 'globex', '--name', 'Globex');
      assertSuccess(created);
      globexId = /\((ten_[0-9A-Z]{26})\)/.exec(created.stdout)![1]!;

      const ambiguous = await cli('api-key', 'create', '--name', 'k', '--scopes', 'customers:read');
      assert.equal(ambiguous.code, 1, describeResult(ambiguous));
      assert.equal(ambiguous.stdout, '');
      assert.equal(
        ambiguous.stderr,
        'error: Several tenants exist; pass --tenant with one of: acme, globex.\n',
      );

      const unknown = await cli('operator', 'create', '-t', 'initech', '-e', 'x@example.com', '-n', 'X');
      assert.equal(unknown.code, 1, describeResult(unknown));
      assert.equal(unknown.stderr, 'error: No tenant with the slug "initech".\n');

      const list = await cli('tenant', 'list');
      assertSuccess(list);
      assert.equal(list.stdout, `acme\t${acmeId}\tAcme Bank\nglobex\t${globexId}\tGlobex\n`);
    });

    it('customer import of a good file creates every customer and prints a summary', async () => {
      const file = csvFile(
        'good.csv',
        '\uFEFFName,Customer ID,Phone Number,Email,Language\r\n' +
          '"Doe, Jane",c1,+41 44 668 18 00,Jane.Doe@Example.com,de-CH\r\n' +
          'Max Muster,c2,,max@example.com,\r\n' +
          '"Zoë\nNewline",c3,+1 212 555 0100,,en\r\n',
      );
      const r = await cli('customer', 'import', file, '--tenant', 'acme');
      assertSuccess(r);
      assert.equal(r.stdout, '3 rows: 3 created, 0 updated, 0 failed.\n');
      await withRuntime(env, async ({ database: { db } }) => {
        assert.equal(await countCustomers(db, acmeId), 3);
        assert.equal(await countCustomers(db, globexId), 0);
        const jane = await customerByExternalId(db, acmeId, 'c1');
        assert.equal(jane?.display_name, 'Doe, Jane');
        assert.equal(jane?.phone, '+41446681800');
        assert.equal(jane?.email, 'jane.doe@example.com');
        assert.equal(jane?.locale, 'de-CH');
        assert.equal((await customerByExternalId(db, acmeId, 'c2'))?.email, 'max@example.com');
        const zoe = await customerByExternalId(db, acmeId, 'c3');
        assert.equal(zoe?.display_name, 'Zoë Newline');
        assert.equal(zoe?.phone, '+12125550100');
      });
    });

    it('customer import imports the good rows of a file with bad rows, reports each bad line, exit 1', async () => {
      const [customersBefore, auditBefore] = await withRuntime(env, async ({ database: { db } }) => [
        await countCustomers(db, acmeId),
        await countAudit(db, acmeId),
      ]);
      const r = await cli('customer', 'import', csvFile('some-bad.csv', rowsWithErrors), '-t', 'acme');
      assertRowErrors(r);
      await withRuntime(env, async ({ database: { db } }) => {
        assert.equal(await countCustomers(db, acmeId), customersBefore + 2);
        assert.equal(await countAudit(db, acmeId), auditBefore + 2, 'failed rows leave no audit entry');
        assert.equal((await customerByExternalId(db, acmeId, 'g1'))?.display_name, 'Good One');
        assert.equal((await customerByExternalId(db, acmeId, 'g2'))?.phone, '+12125550100');
        assert.equal(await customerByExternalId(db, acmeId, 'b1'), undefined);
        assert.equal(await customerByExternalId(db, acmeId, 'b2'), undefined);
      });
    });

    it('customer import of a malformed file imports nothing at all, exit 1', async () => {
      const [customersBefore, auditBefore] = await withRuntime(env, async ({ database: { db } }) => [
        await countCustomers(db, acmeId),
        await countAudit(db, acmeId),
      ]);
      const cases: [string, string, RegExp][] = [
        [
          'unbalanced-quote.csv',
          'display_name,external_id\nFine Row,m1\n"Unclosed,m2\n',
          /^error: The file is not valid CSV: .+ Nothing was imported\.\n$/,
        ],
        [
          'unknown-column.csv',
          'display_name,external_id,shoe_size\nFine Row,m1,42\n',
          /^error: Unknown column "shoe_size"\. Known columns: display_name, external_id, phone, email, locale\. Nothing was imported\.\n$/,
        ],
        [
          'no-display-name.csv',
          'external_id,phone\nm1,+41446681800\n',
          /^error: The file needs a display_name column\. Nothing was imported\.\n$/,
        ],
        [
          'duplicate-column.csv',
          'name,display_name\nFine Row,Twice\n',
          /^error: The column display_name appears twice\. Nothing was imported\.\n$/,
        ],
      ];
      for (const [name, text, expected] of cases) {
        const r = await cli('customer', 'import', csvFile(name, text), '-t', 'acme');
        assert.equal(r.code, 1, `${name}: ${describeResult(r)}`);
        assert.equal(r.stdout, '', name);
        assert.match(r.stderr, expected, name);
      }
      const missing = await cli('customer', 'import', path.join(dataDir, 'no-such-file.csv'), '-t', 'acme');
      assert.equal(missing.code, 1, describeResult(missing));
      assert.equal(missing.stderr, `error: Cannot read ${path.join(dataDir, 'no-such-file.csv')}: ENOENT.\n`);

      await withRuntime(env, async ({ database: { db } }) => {
        assert.equal(await countCustomers(db, acmeId), customersBefore);
        assert.equal(await countAudit(db, acmeId), auditBefore);
        assert.equal(await customerByExternalId(db, acmeId, 'm1'), undefined);
      });
    });

    it('customer import --update-existing updates by external_id and creates the rest', async () => {
      const file = csvFile(
        'update.csv',
        'display_name,external_id,phone\nJane Doe-Smith,c1,+41446681801\nNew Person,c9,\n',
      );
      const r = await cli('customer', 'import', file, '-t', 'acme', '--update-existing');
      assertSuccess(r);
      assert.equal(r.stdout, '2 rows: 1 created, 1 updated, 0 failed.\n');
      await withRuntime(env, async ({ database: { db } }) => {
        const jane = await customerByExternalId(db, acmeId, 'c1');
        assert.equal(jane?.display_name, 'Jane Doe-Smith');
        assert.equal(jane?.phone, '+41446681801');
        assert.notEqual(jane?.phone_changed_at, null);
        assert.equal(jane?.email, 'jane.doe@example.com', 'columns not in the file are kept');
        assert.equal((await customerByExternalId(db, acmeId, 'c9'))?.display_name, 'New Person');
        const updates = await db
          .selectFrom('audit_events')
          .select('target_id')
          .where('tenant_id', '=', acmeId)
          .where('action', '=', 'customer.updated')
          .execute();
        assert.deepEqual(
          updates.map((u) => u.target_id),
          [jane?.id],
        );
      });

      // Without the option, a known external_id is reported as a failed row and nothing changes.
      const refused = await cli(
        'customer',
        'import',
        csvFile('update2.csv', 'name,customer_id\nRenamed,c1\n'),
        '-t',
        'acme',
      );
      assert.equal(refused.code, 1, describeResult(refused));
      assert.equal(refused.stdout, '1 row: 0 created, 0 updated, 1 failed.\n');
      assert.match(refused.stderr, /^line 2: EXTERNAL_ID_TAKEN: /);
      await withRuntime(env, async ({ database: { db } }) => {
        assert.equal((await customerByExternalId(db, acmeId, 'c1'))?.display_name, 'Jane Doe-Smith');
      });
    });

    it('audit verify reports OK for an untouched database, per tenant and with --all', async () => {
      const count = await withRuntime(env, ({ database: { db } }) => countAudit(db, acmeId));
      assert.ok(count > 5);
      const r = await cli('audit', 'verify', '-t', 'acme');
      assertSuccess(r);
      assert.equal(r.stdout, `acme: OK, ${count} entries verified (sealed up to #${count}).\n`);
      const all = await cli('audit', 'verify', '--all');
      assertSuccess(all);
      assert.equal(
        all.stdout,
        `acme: OK, ${count} entries verified (sealed up to #${count}).\nglobex: OK, 1 entries verified (sealed up to #1).\n`,
      );
    });

    it('audit export writes JSON Lines that re-verify with the core chain verifier', async () => {
      const r = await cli('audit', 'export', '-t', 'acme');
      assertSuccess(r);
      const entries = parseJsonl(r.stdout);
      const count = await withRuntime(env, ({ database: { db } }) => countAudit(db, acmeId));
      assert.equal(entries.length, count);
      assert.deepEqual(
        entries.map((e) => e.seq),
        Array.from({ length: count }, (_, i) => i + 1),
      );
      assert.ok(entries.every((e) => e.tenantId === acmeId));
      assert.deepEqual(verifyAuditChain(acmeId, entries), { ok: true, checked: count });
      assert.equal(entries[0]?.action, 'tenant.created');
      // Nothing secret ends up in the export.
      assert.ok(!r.stdout.includes(operatorPassword));

      const explicit = await cli('audit', 'export', '-t', 'acme', '--format', 'jsonl');
      assertSuccess(explicit);
      assert.equal(explicit.stdout, r.stdout);

      const output = path.join(dataDir, 'audit.jsonl');
      const toFile = await cli('audit', 'export', '-t', 'acme', '--output', output);
      assertSuccess(toFile);
      assert.equal(toFile.stdout, '', 'nothing on stdout when writing to a file');
      assert.equal(readFileSync(output, 'utf8'), r.stdout);
      assert.equal(statSync(output).mode & 0o777, 0o600, 'the export is readable only by its owner');
    });

    it('audit export --format csv writes a header and one row per entry', async () => {
      const jsonl = parseJsonl((await cli('audit', 'export', '-t', 'acme')).stdout);
      const r = await cli('audit', 'export', '-t', 'acme', '--format', 'csv');
      assertSuccess(r);
      assert.ok(
        r.stdout.startsWith(
          'seq,id,occurredAt,actorType,actorId,action,targetType,targetId,data,prevHash,hash\n',
        ),
      );
      const records = parse(r.stdout, { columns: true }) as Record<string, string>[];
      assert.equal(records.length, jsonl.length);
      records.forEach((record, i) => {
        const entry = jsonl[i]!;
        assert.equal(record.seq, String(entry.seq));
        assert.equal(record.id, entry.id);
        assert.equal(record.occurredAt, new Date(entry.occurredAt).toISOString());
        assert.equal(record.actorType, entry.actorType);
        assert.equal(record.actorId, entry.actorId ?? '');
        assert.equal(record.action, entry.action);
        assert.equal(record.data, entry.data);
        assert.equal(record.prevHash, entry.prevHash);
        assert.equal(record.hash, entry.hash);
      });
      const file = path.join(dataDir, 'audit.csv');
      const toFile = await cli('audit', 'export', '-t', 'acme', '-f', 'csv', '-o', file);
      assertSuccess(toFile);
      assert.equal(readFileSync(file, 'utf8'), r.stdout);
    });

    it('audit verify names a tampered entry (#3, hash mismatch) and exits 1', async () => {
      const original = await withRuntime(env, async ({ database: { db } }) => {
        const row = await auditRow(db, acmeId, 3);
        await db
          .updateTable('audit_events')
          .set({ data: '{"tampered":true}' })
          .where('tenant_id', '=', acmeId)
          .where('seq', '=', 3)
          .execute();
        return row;
      });

      const r = await cli('audit', 'verify', '-t', 'acme');
      assert.equal(r.code, 1, describeResult(r));
      assert.equal(r.stderr, '');
      assert.match(
        r.stdout,
        new RegExp(
          `^acme: BROKEN at entry #3 \\(${original.id}\\): hash[_ ]mismatch\\. 2 entries before it verified\\.\\n$`,
        ),
      );

      const all = await cli('audit', 'verify', '--all');
      assert.equal(all.code, 1, describeResult(all));
      assert.match(all.stdout, /^acme: BROKEN at entry #3 /m);
      assert.match(all.stdout, /^globex: OK, 1 entries verified \(sealed up to #1\)\.$/m);

      // The export carries the tampered entry as stored, so an offline check finds the same break.
      const exported = parseJsonl((await cli('audit', 'export', '-t', 'acme')).stdout);
      assert.deepEqual(verifyAuditChain(acmeId, exported), {
        ok: false,
        checked: 2,
        firstBroken: { seq: 3, id: original.id, reason: 'hash_mismatch' },
      });

      // Putting the stored bytes back makes the chain whole again.
      await withRuntime(env, async ({ database: { db } }) => {
        await db
          .updateTable('audit_events')
          .set({ data: original.data })
          .where('tenant_id', '=', acmeId)
          .where('seq', '=', 3)
          .execute();
      });
      assertSuccess(await cli('audit', 'verify', '-t', 'acme'));
    });

    it('audit verify reports a chain truncated at the end, exit 1', async () => {
      const count = await withRuntime(env, async ({ database: { db } }) => {
        const n = await countAudit(db, acmeId);
        await db.deleteFrom('audit_events').where('tenant_id', '=', acmeId).where('seq', '=', n).execute();
        return n;
      });
      const r = await cli('audit', 'verify', '-t', 'acme');
      assert.equal(r.code, 1, describeResult(r));
      assert.equal(
        r.stdout,
        `acme: BROKEN at entry #${count} ((missing)): sequence gap. ${count - 1} entries before it verified.\n`,
      );
    });
  });

  describe('on PostgreSQL', { concurrency: false, skip: pgSkip }, () => {
    let pg: TestPostgres;
    let env: Env;
    let dataDir: string;
    let tenantId: string;
    const cli = (...args: string[]) => runCli(env, args);

    before(async () => {
      pg = await createTestPostgres();
      dataDir = tempDir('ha-cli-pg-');
      env = cliEnv(dataDir, { DATABASE_URL: pg.url });
    });
    after(async () => {
      await pg?.drop();
    });

    it('migrate and tenant create work against PostgreSQL, keeping nothing in DATA_DIR', async () => {
      const migrate = await cli('migrate');
      assertSuccess(migrate);
      assert.equal(migrate.stdout, allMigrations);
      const created = await cli('tenant', 'create', 'acme', '--name', 'Acme PG');
      assertSuccess(created);
      tenantId = /^Created tenant acme \((ten_[0-9A-Z]{26})\)\.\n$/.exec(created.stdout)![1]!;
      const duplicate = await cli('tenant', 'create', 'acme', '--name', 'Acme PG');
      assert.equal(duplicate.code, 1, describeResult(duplicate));
      assert.equal(duplicate.stderr, 'error: SLUG_TAKEN: A tenant with the slug "acme" already exists.\n');
      assert.ok(!readdirSync(dataDir).includes('helpdesk-auth.sqlite'));
    });

    it('customer import reports bad rows and imports good ones; a malformed file imports nothing', async () => {
      const file = path.join(dataDir, 'rows.csv');
      writeFileSync(file, rowsWithErrors);
      assertRowErrors(await cli('customer', 'import', file));
      await withRuntime(env, async ({ database }) => {
        assert.equal(database.kind, 'postgres');
        assert.equal(await countCustomers(database.db, tenantId), 2);
        assert.equal(await countAudit(database.db, tenantId), 3);
        assert.equal((await customerByExternalId(database.db, tenantId, 'g1'))?.phone, '+41446681800');
      });

      const malformed = path.join(dataDir, 'malformed.csv');
      writeFileSync(malformed, 'display_name,external_id\nFine Row,m1\n"Unclosed,m2\n');
      const r = await cli('customer', 'import', malformed);
      assert.equal(r.code, 1, describeResult(r));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: The file is not valid CSV: .+ Nothing was imported\.\n$/);
      await withRuntime(env, async ({ database: { db } }) => {
        assert.equal(await countCustomers(db, tenantId), 2);
        assert.equal(await countAudit(db, tenantId), 3);
      });
    });

    it('audit verify and export agree on an untouched chain', async () => {
      const verify = await cli('audit', 'verify');
      assertSuccess(verify);
      assert.equal(verify.stdout, 'acme: OK, 3 entries verified (sealed up to #3).\n');
      const exported = await cli('audit', 'export');
      assertSuccess(exported);
      const entries = parseJsonl(exported.stdout);
      assert.deepEqual(
        entries.map((e) => [e.seq, e.action]),
        [
          [1, 'tenant.created'],
          [2, 'customer.created'],
          [3, 'customer.created'],
        ],
      );
      assert.deepEqual(verifyAuditChain(tenantId, entries), { ok: true, checked: 3 });
    });

    it('audit verify detects a tampered entry and a truncated chain', async () => {
      const original = await withRuntime(env, async ({ database: { db } }) => {
        const row = await auditRow(db, tenantId, 3);
        await db
          .updateTable('audit_events')
          .set({ data: '{"fields":["displayName"]}' })
          .where('tenant_id', '=', tenantId)
          .where('seq', '=', 3)
          .execute();
        return row;
      });
      const tampered = await cli('audit', 'verify');
      assert.equal(tampered.code, 1, describeResult(tampered));
      assert.match(
        tampered.stdout,
        new RegExp(
          `^acme: BROKEN at entry #3 \\(${original.id}\\): hash[_ ]mismatch\\. 2 entries before it verified\\.\\n$`,
        ),
      );

      await withRuntime(env, async ({ database: { db } }) => {
        await db
          .updateTable('audit_events')
          .set({ data: original.data })
          .where('tenant_id', '=', tenantId)
          .where('seq', '=', 3)
          .execute();
      });
      assertSuccess(await cli('audit', 'verify'));

      await withRuntime(env, async ({ database: { db } }) => {
        await db.deleteFrom('audit_events').where('tenant_id', '=', tenantId).where('seq', '=', 3).execute();
      });
      const truncated = await cli('audit', 'verify');
      assert.equal(truncated.code, 1, describeResult(truncated));
      assert.equal(
        truncated.stdout,
        'acme: BROKEN at entry #3 ((missing)): sequence gap. 2 entries before it verified.\n',
      );
    });
  });
});
