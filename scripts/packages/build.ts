// Builds the packages integrators install (core, device SDK, client, widget) into each one's dist/:
// JavaScript and declarations by tsc, and the manifest, README, changelog and licence npm publishes.
//
//   node scripts/packages/build.ts [core device-sdk client widget]
//
// In the repository the workspaces export their sources (`./src/*.ts`), so the server, the apps
// and the tests run them without a build. dist/ is the package as published: `exports` point at
// lib/*.js with lib/*.d.ts beside them, and `files` lists what the tarball holds.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The packages published to the registry, in dependency order. */
export const publishedPackages = ['core', 'device-sdk', 'client', 'widget'] as const;
export type PublishedPackage = (typeof publishedPackages)[number];

/** Where each package's entry points live in the repository (what its tsconfig.build.json compiles). */
const sourceFolder: Record<PublishedPackage, string> = {
  core: 'src',
  'device-sdk': 'src',
  client: 'src',
  widget: 'browser',
};

/** Fields of the workspace manifest that the published one does not carry. */
const workspaceOnly = new Set(['private', 'scripts', 'devDependencies', 'exports']);

interface Manifest {
  name: string;
  version: string;
  repository?: { url: string; directory?: string };
  exports?: Record<string, string>;
  [field: string]: unknown;
}

export function packageDir(name: PublishedPackage): string {
  return path.join(repoRoot, 'packages', name);
}

function readManifest(name: PublishedPackage): Manifest {
  return JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as Manifest;
}

/** `./src/device-client.ts` in the repository is `./lib/device-client.js` (and `.d.ts`) published. */
function publishedExports(name: PublishedPackage, exports: Record<string, string>) {
  const prefix = `./${sourceFolder[name]}/`;
  const result: Record<string, { types: string; import: string; default: string }> = {};
  for (const [subpath, target] of Object.entries(exports)) {
    if (!target.startsWith(prefix) || !/\.(ts|js)$/.test(target)) {
      throw new Error(`${name}: export ${subpath} (${target}) is not a file under ${prefix}`);
    }
    const stem = `./lib/${target.slice(prefix.length).replace(/\.(ts|js)$/, '')}`;
    result[subpath] = { types: `${stem}.d.ts`, import: `${stem}.js`, default: `${stem}.js` };
  }
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/**
 * The declarations tsc writes keep the sources' `./x.ts` specifiers; published, they name the
 * `./x.js` files beside them, which every TypeScript resolution mode maps to `./x.d.ts`.
 */
function rewriteDeclarationSpecifiers(libDir: string): void {
  for (const file of filesUnder(libDir).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

/** Relative links in a README point into the repository; on the registry they need its address. */
function readmeForRegistry(text: string, manifest: Manifest): string {
  const url = manifest.repository?.url.replace(/^git\+/, '').replace(/\.git$/, '');
  if (!url) return text;
  const base = `${url}/blob/main/${manifest.repository?.directory ?? ''}/`;
  return text.replace(/\]\((?!https?:|#|mailto:)([^)\s]+)\)/g, (_match, target: string) => {
    return `](${new URL(target, base).href})`;
  });
}

/** Builds one package into packages/<name>/dist and returns that folder. */
export function buildPackage(name: PublishedPackage): string {
  const dir = packageDir(name);
  const dist = path.join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  const lib = path.join(dist, 'lib');
  if (name === 'widget') {
    // tsc writes the declarations; the script itself ships as written, comments and all.
    copyFileSync(path.join(dir, 'browser/helpdesk-verify.js'), path.join(lib, 'helpdesk-verify.js'));
  }
  rewriteDeclarationSpecifiers(lib);

  const manifest = readManifest(name);
  if (!manifest.exports) throw new Error(`${name}: package.json has no exports`);
  const published: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(manifest)) {
    if (field === 'exports') published.exports = publishedExports(name, manifest.exports);
    else if (!workspaceOnly.has(field)) published[field] = value;
  }
  published.files = ['lib', 'CHANGELOG.md'];
  writeFileSync(path.join(dist, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  writeFileSync(
    path.join(dist, 'README.md'),
    readmeForRegistry(readFileSync(path.join(dir, 'README.md'), 'utf8'), manifest),
  );
  copyFileSync(path.join(dir, 'CHANGELOG.md'), path.join(dist, 'CHANGELOG.md'));
  copyFileSync(path.join(repoRoot, 'LICENSE'), path.join(dist, 'LICENSE'));
  return dist;
}

function isPublished(name: string): name is PublishedPackage {
  return (publishedPackages as readonly string[]).includes(name);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !isPublished(name));
  if (unknown.length > 0) {
    console.error(`Unknown package: ${unknown.join(', ')}. Published: ${publishedPackages.join(', ')}`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names.filter(isPublished) : publishedPackages) {
    const dist = buildPackage(name);
    console.log(`${name}: ${path.relative(repoRoot, dist)}`);
  }
}
