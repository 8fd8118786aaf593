/**
 * Builds the authenticator (vite build) when its sources, or the packages it bundles (the device
 * SDK and core), are newer than the last build, so `npm start` and `npm test` serve the current
 * app without rebuilding each time. Run: node apps/authenticator/scripts/ensure-built.ts [--force]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = path.join(appDir, '../..');
const stamp = path.join(appDir, 'dist/.build-stamp');
const inputs = [
  ...['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => path.join(appDir, p)),
  path.join(repoRoot, 'packages/device-sdk/src'),
  path.join(repoRoot, 'packages/core/src'),
];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function authenticatorBuildIsCurrent(): boolean {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return inputs.every((input) => newestMtime(input) <= built);
}

export function ensureAuthenticatorBuilt(force = false): 'built' | 'current' {
  if (!force && authenticatorBuildIsCurrent()) return 'current';
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    { cwd: appDir, stdio: 'inherit' },
  );
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = ensureAuthenticatorBuilt(process.argv.includes('--force'));
  if (result === 'built') process.stdout.write('Authenticator built (apps/authenticator/dist).\n');
}
