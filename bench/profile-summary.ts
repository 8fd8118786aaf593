/**
 * Where a process spent its time: self time from a V8 .cpuprofile (node --cpu-prof), by
 * function, by file and by package. Usage:
 *   node bench/profile-summary.ts [file.cpuprofile | folder] [--top=20] [--last=<seconds>]
 * With a folder (default /tmp/bench-prof), the newest .cpuprofile in it. `--last` keeps only
 * the samples of the profile's last seconds (the benchmark's hot loop, without enrollment).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

// Piped into `head`: stop quietly when the reader goes away.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const args = process.argv.slice(2);
const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const target = args.find((a) => !a.startsWith('--')) ?? '/tmp/bench-prof';
const top = Number(option('top') ?? 20);
const lastSeconds = option('last') === undefined ? undefined : Number(option('last'));

function newestProfile(location: string): string {
  if (!statSync(location).isDirectory()) return location;
  const files = readdirSync(location)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(location, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files.length === 0) throw new Error(`no .cpuprofile in ${location}`);
  return files[0]!;
}

const file = newestProfile(target);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const root = path.resolve(import.meta.dirname, '..');

/** Shorter locations: repository-relative paths, node: built-ins as they are. */
function shortUrl(url: string): string {
  if (url === '') return '';
  const plain = url.startsWith('file://') ? new URL(url).pathname : url;
  return plain.startsWith(`${root}/`) ? plain.slice(root.length + 1) : plain;
}

/** The package a file belongs to: node_modules/<name>, packages/<name>, node:… built-ins. */
function packageOf(url: string): string {
  if (url === '') return '(native / VM)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const workspace = url.match(/^packages\/([^/]+)\//);
  if (workspace) return `@helpdesk-auth/${workspace[1]}`;
  if (url.startsWith('node:')) return 'node: built-ins';
  return url;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
const from = lastSeconds === undefined ? -Infinity : profile.endTime - lastSeconds * 1e6;
let at = profile.startTime;
// timeDeltas[i] is the time since the previous sample: it belongs to the sample before.
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < from) continue;
  const delta = profile.timeDeltas[i + 1] ?? 0;
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id)!;
  total += us;
  if (callFrame.functionName === '(idle)') idle += us;
  const url = shortUrl(callFrame.url);
  const name = callFrame.functionName || '(anonymous)';
  const where = url ? `${url}:${callFrame.lineNumber + 1}` : '';
  const fnKey = where ? `${name}  ${where}` : name;
  byFunction.set(fnKey, (byFunction.get(fnKey) ?? 0) + us);
  const fileKey = url || name;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  const pkg = url ? packageOf(url) : name.startsWith('(') ? name : '(native / VM)';
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
const busy = total - idle;

function print(title: string, entries: Map<string, number>, count: number): void {
  process.stdout.write(`\n${title}   (self ms, % of busy time)\n`);
  const sorted = [...entries].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [key, us] of sorted.slice(0, count)) {
    const ms = (us / 1000).toFixed(0).padStart(7);
    const pct = ((us / busy) * 100).toFixed(1).padStart(5);
    process.stdout.write(`${ms}  ${pct} %  ${key}\n`);
  }
}

process.stdout.write(
  `${file}\nwall ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s${lastSeconds === undefined ? '' : `, last ${lastSeconds} s only`}, sampled ${(total / 1e6).toFixed(1)} s, idle ${((idle / total) * 100).toFixed(1)} %, busy ${(busy / 1e6).toFixed(1)} s\n`,
);
print(`Top ${top} functions`, byFunction, top);
print('Top files', byFile, 15);
print('By package', byPackage, 15);
