/**
 * Lays out the server's production folder, the contents of the container image: the Dockerfile's
 * build stage runs it (`node scripts/image/build.ts /app`), and scripts/image/build.test.ts runs
 * it into a scratch folder, so what the image holds is tested without a container engine.
 *
 * Run: node scripts/image/build.ts <empty target folder> [--skip-app-builds]
 *
 * 1. Builds the console and the authenticator (Vite, from the repository's dev dependencies),
 *    unless --skip-app-builds says they are built already.
 * 2. Copies what the server runs: the root and workspace manifests, the lockfile, the sources of
 *    the server and of the two packages it uses (core, device-sdk), the two web builds and the
 *    widget's element, the licence. Tests, test support, end-to-end suites, benchmarks and the
 *    apps' sources stay behind.
 * 3. Installs the server's production dependencies from the lockfile (`npm ci --omit=dev
 *    --workspace packages/server`): no devDependencies, no dependency of the apps' builds.
 * 4. Warms Node's compile cache (`.node-compile-cache`, used when NODE_COMPILE_CACHE points at it,
 *    as the image does) by loading the server's modules once, so a container neither strips types
 *    nor compiles those modules again at start (docs/benchmarks.md, "Idle memory").
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What the server needs at run time, relative to the repository's root. */
const sourceFolders = [
  'packages/core/src',
  'packages/device-sdk/src',
  'packages/server/src',
  'packages/server/bin',
];
const builtFolders = ['apps/console/dist', 'apps/authenticator/dist', 'packages/widget/browser'];
const files = ['package.json', 'package-lock.json', 'LICENSE'];

/** Left out of every copied folder: tests, their support and fixtures. */
function isTestOnly(relative: string): boolean {
  const name = path.basename(relative);
  return (
    /\.test\.ts$/.test(name) ||
    name === 'test-support' ||
    name === 'test' ||
    name === 'e2e' ||
    name === '__fixtures__'
  );
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** The npm that came with the Node running this script. */
function npmCommand(): { command: string; prefix: string[] } {
  const npmCli = path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
  return existsSync(npmCli)
    ? { command: process.execPath, prefix: [npmCli] }
    : { command: 'npm', prefix: [] };
}

export function buildImageFolder(target: string, options: { skipAppBuilds?: boolean } = {}): void {
  const out = path.resolve(target);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} is not empty.`);
  mkdirSync(out, { recursive: true });

  if (!options.skipAppBuilds) {
    run(process.execPath, ['apps/authenticator/scripts/ensure-built.ts'], repoRoot);
    run(process.execPath, ['apps/console/scripts/ensure-built.ts'], repoRoot);
  }
  for (const folder of builtFolders) {
    if (!existsSync(path.join(repoRoot, folder))) throw new Error(`${folder} is missing: build it first.`);
  }

  for (const file of files) cpSync(path.join(repoRoot, file), path.join(out, file));
  for (const folder of [...sourceFolders, ...builtFolders]) {
    cpSync(path.join(repoRoot, folder), path.join(out, folder), {
      recursive: true,
      filter: (source) => !isTestOnly(path.relative(repoRoot, source)),
    });
  }
  // npm reads every workspace's manifest from the root's list, even those it does not install.
  const root = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  for (const workspace of root.workspaces) {
    mkdirSync(path.join(out, workspace), { recursive: true });
    cpSync(path.join(repoRoot, workspace, 'package.json'), path.join(out, workspace, 'package.json'));
  }

  const npm = npmCommand();
  run(
    npm.command,
    [
      ...npm.prefix,
      'ci',
      '--omit=dev',
      '--workspace',
      'packages/server',
      '--include-workspace-root=false',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
    ],
    out,
    { ...process.env, NODE_ENV: 'production' },
  );

  // Loading the CLI's entry loads the whole server, and the signature worker's thread its own
  // modules; the cache is written when the process exits.
  const warm = [
    "await import('./packages/server/src/cli/main.ts');",
    "const { Worker } = await import('node:worker_threads');",
    "const worker = new Worker('./packages/server/src/platform/signing/signatures-thread.ts');",
    "await new Promise((resolve, reject) => { worker.once('online', resolve); worker.once('error', reject); });",
    'await new Promise((resolve) => setTimeout(resolve, 500));',
    'await worker.terminate();',
  ].join(' ');
  run(process.execPath, ['--input-type=module', '-e', warm], out, {
    ...process.env,
    NODE_COMPILE_CACHE: path.join(out, '.node-compile-cache'),
  });
  // Node writes its cache files for its own user only; the image's server runs as another user
  // (and may not write there), so they are made readable to all.
  makeReadable(path.join(out, '.node-compile-cache'));
  writeFileSync(
    path.join(out, 'IMAGE-CONTENTS.txt'),
    `${['Built by scripts/image/build.ts.', ...listTop(out)].join('\n')}\n`,
  );
}

function makeReadable(folder: string): void {
  chmodSync(folder, 0o755);
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) makeReadable(full);
    else chmodSync(full, 0o644);
  }
}

function listTop(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name !== 'IMAGE-CONTENTS.txt')
    .sort()
    .map((name) => (statSync(path.join(folder, name)).isDirectory() ? `${name}/` : name));
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const target = args.find((a) => !a.startsWith('--'));
  if (!target) {
    process.stderr.write('usage: node scripts/image/build.ts <empty target folder> [--skip-app-builds]\n');
    process.exit(2);
  }
  buildImageFolder(target, { skipAppBuilds: args.includes('--skip-app-builds') });
}
