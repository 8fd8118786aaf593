/**
 * Builds the console (vite build) when its sources are newer than the last build, so
 * `npm start` and `npm test` always serve the current console without rebuilding each time.
 * Run: node apps/console/scripts/ensure-built.ts [--force]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = path.join(consoleDir, '../..');
const stamp = path.join(consoleDir, 'dist/.build-stamp');
// The console bundles the domain rules it shares with the server (ids, for one) from packages/core.
const inputs = [
  'src',
  'index.html',
  'widget.html',
  'vite.config.ts',
  'package.json',
  '../../packages/core/src',
];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function consoleBuildIsCurrent(): boolean {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return inputs.every((input) => newestMtime(path.join(consoleDir, input)) <= built);
}

export function ensureConsoleBuilt(force = false): 'built' | 'current' {
  if (!force && consoleBuildIsCurrent()) return 'current';
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: consoleDir,
      stdio: 'inherit',
    },
  );
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = ensureConsoleBuilt(process.argv.includes('--force'));
  if (result === 'built') process.stdout.write('Console built (apps/console/dist).\n');
}
