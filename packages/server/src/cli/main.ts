// The helpdesk-auth command line: its commands, their options, and its exit codes.
import { createWriteStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { apiKeyScopes, isAppError, isPermission, type Role, roles } from '@helpdesk-auth/core';
import { isDeviceSdkError } from '@helpdesk-auth/device-sdk';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { openRuntime, type Runtime } from '../app/runtime.ts';
import { startServer } from '../app/server.ts';
import { type Config, ConfigError, loadConfig } from '../config/config.ts';
import { ImportFileError, importCustomers } from '../features/customers/customer-import.ts';
import { cliActor, readAuditChain, verifyTenantAuditChain } from '../platform/audit-log.ts';
import { generatePassword } from '../platform/passwords.ts';
import { migrateToLatest, openDatabase, ping, redactDatabaseUrl } from '../storage/database.ts';
import { registerDeviceCommands } from './device-simulator.ts';
import { createProgressBar } from './progress.ts';

/**
 * `helpdesk-auth`: the operator's command line. Every command reads the same configuration as
 * the server (environment variables, see docs/configuration.md). Results go to stdout, problems
 * to stderr; the exit code is 0 on success, 1 when the command failed, 2 for bad usage.
 */
class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/** Turns a failure to reach the database into one plain sentence, without credentials. */
function databaseUnreachable(error: unknown, config: Config): CliError {
  const location = config.databaseUrl ? redactDatabaseUrl(config.databaseUrl) : config.dataDir;
  const cause = error as { code?: string; message?: string };
  const detail = [cause.code, cause.message].filter(Boolean).join(': ');
  const safe = config.databaseUrl ? detail.replaceAll(config.databaseUrl, location) : detail;
  return new CliError(`Cannot open the database at ${location}: ${safe || String(error)}`);
}

async function openDatabaseOrExplain(config: Config) {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    preparedStatements: config.databasePreparedStatements,
  });
  try {
    await ping(database.db);
    return database;
  } catch (error) {
    await database.close().catch(() => {});
    throw databaseUnreachable(error, config);
  }
}

async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, {
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
    });
  } catch (error) {
    throw databaseUnreachable(error, config);
  }
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** The tenant named by --tenant, or the only tenant when there is just one. */
async function resolveTenant(runtime: Runtime, slug: string | undefined) {
  if (slug) {
    const tenant = await runtime.services.tenants.findBySlug(slug);
    if (!tenant) throw new CliError(`No tenant with the slug "${slug}".`);
    return tenant;
  }
  const all = await runtime.services.tenants.list();
  if (all.length === 1) return all[0]!;
  throw new CliError(
    all.length === 0
      ? 'There are no tenants yet. Create one with: helpdesk-auth tenant create <slug> --name <name>'
      : `Several tenants exist; pass --tenant with one of: ${all.map((t) => t.slug).join(', ')}.`,
  );
}

function parseRole(value: string): Role {
  if (!(roles as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`Choose one of ${roles.join(', ')}.`);
  }
  return value as Role;
}

function parseScopes(value: string): string[] {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) {
    throw new InvalidArgumentError(`Give at least one scope, from: ${apiKeyScopes.join(', ')}.`);
  }
  const unknown = scopes.filter((s) => !isPermission(s));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Unknown scope ${unknown.join(', ')}. Known scopes: ${apiKeyScopes.join(', ')}.`,
    );
  }
  return scopes;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError('A port is 1 to 65535.');
  return port;
}

const tenantOption = () =>
  new Option('-t, --tenant <slug>', 'tenant slug (optional when only one tenant exists)');

export function buildProgram(): Command {
  // exitOverride turns commander's own exits into CommanderErrors, so main() can give usage
  // errors exit code 2; subcommands inherit it.
  const program = new Command('helpdesk-auth')
    .exitOverride()
    .description('Helpdesk Auth: verify who is on the phone.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('serve')
    .description(
      'Start the HTTP server (migrates the database and, on an empty one, creates the demo tenant).',
    )
    .option('-p, --port <port>', 'port to listen on (default 8080, or PORT)', parsePort)
    .option('--host <host>', 'interface to listen on (default localhost, or HOST)')
    .action(async (options: { port?: number; host?: string }) => {
      const overrides: { port?: number; host?: string } = {};
      if (options.host) overrides.host = options.host;
      if (options.port) overrides.port = options.port;
      await startServer(loadConfig(process.env, overrides));
    });

  program
    .command('migrate')
    .description('Apply database migrations and exit.')
    .action(async () => {
      const database = await openDatabaseOrExplain(loadConfig());
      try {
        const { applied } = await migrateToLatest(database.db);
        out(applied.length ? `Applied: ${applied.join(', ')}` : 'The database schema is up to date.');
      } finally {
        await database.close();
      }
    });

  const tenant = program.command('tenant').description('Manage tenants.');
  tenant
    .command('create <slug>')
    .description('Create a tenant (a company using Helpdesk Auth).')
    .requiredOption('-n, --name <name>', 'display name shown to customers, e.g. "Acme Bank"')
    .action(async (slug: string, options: { name: string }) => {
      await withRuntime(async ({ services }) => {
        const created = await services.tenants.create({ slug, name: options.name }, cliActor);
        out(`Created tenant ${created.slug} (${created.id}).`);
      });
    });
  tenant
    .command('list')
    .description('List tenants.')
    .action(async () => {
      await withRuntime(async ({ services }) => {
        for (const t of await services.tenants.list()) out(`${t.slug}\t${t.id}\t${t.name}`);
      });
    });

  const operator = program
    .command('operator')
    .description('Manage operators (agents, supervisors, admins, auditors).');
  operator
    .command('create')
    .description('Create an operator. A strong password is generated and printed once.')
    .addOption(tenantOption())
    .requiredOption('-e, --email <email>', 'sign-in e-mail address')
    .requiredOption('-n, --name <name>', 'display name, shown to customers on requests')
    .addOption(
      new Option('-r, --role <role>', 'role')
        .choices([...roles])
        .default('agent')
        .argParser(parseRole),
    )
    .action(async (options: { tenant?: string; email: string; name: string; role: Role }) => {
      await withRuntime(async (runtime) => {
        const t = await resolveTenant(runtime, options.tenant);
        const { operator: created, generatedPassword } = await runtime.services.operators.create(
          t.id,
          { email: options.email, displayName: options.name, role: options.role },
          cliActor,
        );
        out(`Created ${created.role} ${created.email} in tenant ${t.slug} (${created.id}).`);
        out(`Password (shown only now): ${generatedPassword}`);
      });
    });
  operator
    .command('reset-password')
    .description('Set a new generated password for an operator, print it once, and end their sessions.')
    .addOption(tenantOption())
    .requiredOption('-e, --email <email>', 'the operator’s e-mail address')
    .action(async (options: { tenant?: string; email: string }) => {
      await withRuntime(async (runtime) => {
        const t = await resolveTenant(runtime, options.tenant);
        const match = (await runtime.services.operators.list(t.id)).find(
          (o) => o.email === options.email.trim().toLowerCase(),
        );
        if (!match) throw new CliError(`No operator ${options.email} in tenant ${t.slug}.`);
        const password = generatePassword();
        await runtime.services.operators.setPassword(t.id, match.id, password, cliActor, {
          requireChange: true,
        });
        out(`New password for ${match.email} (shown only now): ${password}`);
      });
    });

  const apiKey = program.command('api-key').description('Manage API keys for integrations.');
  apiKey
    .command('create')
    .description('Create an API key and print it once.')
    .addOption(tenantOption())
    .requiredOption('-n, --name <name>', 'what the key is for, e.g. "Zendesk integration"')
    .requiredOption('-s, --scopes <list>', `comma-separated: ${apiKeyScopes.join(', ')}`, parseScopes)
    .action(async (options: { tenant?: string; name: string; scopes: string[] }) => {
      await withRuntime(async (runtime) => {
        const t = await resolveTenant(runtime, options.tenant);
        const { apiKey: created, secret } = await runtime.services.apiKeys.create(
          t.id,
          { name: options.name, scopes: options.scopes },
          cliActor,
        );
        out(`Created API key ${created.id} (${created.scopes.join(', ')}) in tenant ${t.slug}.`);
        out(`Key (shown only now): ${secret}`);
      });
    });

  const customer = program.command('customer').description('Manage customers.');
  customer
    .command('import <file>')
    .description(
      'Import customers from CSV with columns display_name, external_id, phone, email, locale. ' +
        'A malformed file imports nothing; each row is imported whole or not at all.',
    )
    .addOption(tenantOption())
    .option(
      '--update-existing',
      'update customers whose external_id already exists instead of reporting them',
    )
    .action(async (file: string, options: { tenant?: string; updateExisting?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
      }
      await withRuntime(async (runtime) => {
        const t = await resolveTenant(runtime, options.tenant);
        const bar = createProgressBar(process.stderr, 'Importing');
        const summary = await importCustomers(runtime.services, t.id, text, {
          actor: cliActor,
          updateExisting: options.updateExisting === true,
          onProgress: (done, total) => bar.update(done, total),
        });
        for (const e of summary.errors) process.stderr.write(`line ${e.line}: ${e.code}: ${e.message}\n`);
        out(
          `${summary.total} ${summary.total === 1 ? 'row' : 'rows'}: ${summary.created} created, ` +
            `${summary.updated} updated, ${summary.failed} failed.`,
        );
        if (summary.failed > 0) process.exitCode = 1;
      });
    });

  const audit = program.command('audit').description('Check and export the audit log.');
  audit
    .command('verify')
    .description('Verify the hash chain; exit code 1 and the first broken entry if it was tampered with.')
    .addOption(tenantOption())
    .option('--all', 'verify every tenant')
    .action(async (options: { tenant?: string; all?: boolean }) => {
      await withRuntime(async (runtime) => {
        const targets = options.all
          ? await runtime.services.tenants.list()
          : [await resolveTenant(runtime, options.tenant)];
        let broken = 0;
        for (const t of targets) {
          const result = await verifyTenantAuditChain(runtime.database.db, t.id);
          if (result.ok) {
            const waiting =
              result.unsealed > 0 ? `, ${result.unsealed} committed since and not yet sealed` : '';
            out(
              `${t.slug}: OK, ${result.checked} entries verified (sealed up to #${result.headSeq}${waiting}).`,
            );
          } else {
            broken++;
            const b = result.firstBroken;
            out(
              `${t.slug}: BROKEN at entry #${b.seq} (${b.id}): ${b.reason.replaceAll('_', ' ')}. ` +
                `${result.checked} entries before it verified.`,
            );
          }
        }
        if (broken > 0) process.exitCode = 1;
      });
    });
  audit
    .command('export')
    .description('Export the audit log, oldest first, as JSON Lines (re-verifiable) or CSV.')
    .addOption(tenantOption())
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'),
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (options: { tenant?: string; format: 'jsonl' | 'csv'; output?: string }) => {
      await withRuntime(async (runtime) => {
        const t = await resolveTenant(runtime, options.tenant);
        const csvCell = (v: unknown) => {
          const s = v === null || v === undefined ? '' : String(v);
          return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
        };
        const columns = [
          'seq',
          'id',
          'occurredAt',
          'actorType',
          'actorId',
          'action',
          'targetType',
          'targetId',
          'data',
          'prevHash',
          'hash',
        ] as const;
        async function* lines() {
          if (options.format === 'csv') yield `${columns.join(',')}\n`;
          for await (const entry of readAuditChain(runtime.database.db, t.id)) {
            yield options.format === 'csv'
              ? `${columns.map((c) => csvCell(c === 'occurredAt' ? new Date(entry.occurredAt).toISOString() : entry[c])).join(',')}\n`
              : `${JSON.stringify(entry)}\n`;
          }
        }
        const target = options.output ? createWriteStream(options.output, { mode: 0o600 }) : process.stdout;
        try {
          await pipeline(Readable.from(lines()), target, { end: options.output !== undefined });
        } catch (error) {
          // A reader that stops early (`| head`) is not a failure of the export.
          if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
        }
      });
    });

  const keys = program.command('keys').description("Manage the server's request-signing keys.");
  keys
    .command('list')
    .description('List the signing keys: the one that signs, and those retiring after a rotation.')
    .action(async () => {
      await withRuntime(async (runtime) => {
        const status = await runtime.services.serverKeys.status();
        out(
          `Key set version ${status.version}; a replaced key stays trusted for ${status.overlapSeconds} s.`,
        );
        for (const key of status.keys) {
          const retires = key.retiresAt === null ? '' : `, retires ${new Date(key.retiresAt).toISOString()}`;
          out(`${key.kid}  ${key.status}  created ${new Date(key.createdAt).toISOString()}${retires}`);
        }
      });
    });
  keys
    .command('rotate')
    .description(
      'Make a new signing key. The replaced key stays trusted for SERVER_KEY_OVERLAP_SECONDS; enrolled devices learn the new key from a key set it signs.',
    )
    .action(async () => {
      await withRuntime(async (runtime) => {
        // The keys are the whole installation's, so the rotation is recorded in every tenant's log.
        const tenantIds = (await runtime.services.tenants.list()).map((t) => t.id);
        const rotation = await runtime.services.serverKeys.rotate({ tenantIds, actor: cliActor });
        out(`New signing key ${rotation.kid} (key set version ${rotation.version}).`);
        if (rotation.replaced.length > 0) {
          out(
            `Replaced ${rotation.replaced.join(', ')}: trusted until ${new Date(rotation.retiresAt).toISOString()}.`,
          );
        }
      });
    });

  registerDeviceCommands(program, (message) => {
    throw new CliError(message);
  });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; everything else commander reports is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (isDeviceSdkError(error)) {
      process.stderr.write(`error: ${error.code}: ${error.message}\n`);
      process.exitCode = 1;
    } else if (isAppError(error)) {
      process.stderr.write(`error: ${error.code}: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof ImportFileError) {
      process.stderr.write(`error: ${error.message.replace(/\.?$/, '.')} Nothing was imported.\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

if (import.meta.main) await main(process.argv);
