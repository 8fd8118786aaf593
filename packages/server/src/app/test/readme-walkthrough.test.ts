/**
 * The README's "Try it" walkthrough, run as a newcomer runs it: the shell commands are read
 * from README.md itself and run one by one with bash, against the server `npm start` runs, on a
 * fresh data folder. Only what a reader would type is filled in: the password and the keys
 * where the README says to paste them, the port, and the code at the simulator's prompt (typed
 * into a real terminal). Every output the README shows must appear, and what its prose promises
 * is checked too. When the README and the product drift apart, this test fails.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const startCommand = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts.start!;

interface Block {
  language: string;
  text: string;
}

/** The fenced blocks of the README between two headings, in order. */
function blocksBetween(from: string, to: string): Block[] {
  const start = readme.indexOf(`\n${from}\n`);
  const end = readme.indexOf(`\n${to}\n`, start);
  assert.ok(start >= 0 && end > start, `README.md has the sections "${from}" and "${to}"`);
  return [...readme.slice(start, end).matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({
    language: m[1]!,
    text: m[2]!,
  }));
}

/** A shell block as the commands a reader runs one at a time (continued lines joined). */
function commandsOf(block: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    if (current === '' && line.trim() === '') continue;
    current += `${line}\n`;
    if (!line.endsWith('\\')) {
      commands.push(current.trimEnd());
      current = '';
    }
  }
  return commands;
}

/** An output the README shows, as a pattern: `...` stands for what differs from run to run. */
function shownOutput(text: string): RegExp[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => new RegExp(line.split('...').map(escapeRegExp).join('\\S+?')));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Collects a child's output and waits for a pattern in it. */
class Output {
  text = '';
  private waiting: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  constructor(child: ChildProcess, options: { stderr?: boolean } = {}) {
    const add = (chunk: Buffer) => {
      // A terminal sends CRLF and may colour its output; compare plain lines.
      this.text += stripVTControlCharacters(chunk.toString('utf8')).replaceAll('\r', '');
      this.waiting = this.waiting.filter(({ pattern, resolve }) => {
        const match = this.text.match(pattern);
        if (match) resolve(match);
        return !match;
      });
    };
    child.stdout?.on('data', add);
    if (options.stderr !== false) child.stderr?.on('data', add);
  }
  /**
   * Resolves with the first match. A wait that never matches fails after a minute, with what
   * was printed (a guard against hanging, not a measure of speed).
   */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const match = this.text.match(pattern);
    if (match) return Promise.resolve(match);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w.pattern !== pattern);
        reject(new Error(`Never printed ${pattern}. Printed:\n${this.text}`));
      }, 60_000);
      this.waiting.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
}

// The README's commands need curl; the simulator's prompt needs a terminal, which `script`
// (util-linux) provides. Without them the walkthrough cannot run: skipped loudly, except in CI.
const missing = ['bash', 'curl', 'script'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
const skip =
  missing.length > 0 && process.env.CI !== 'true'
    ? `README walkthrough SKIPPED: ${missing.join(', ')} not installed`
    : false;
if (skip) console.warn(skip);

describe('README walkthrough, run as written', { timeout: 180_000, skip }, () => {
  const work = path.join(repoRoot, '.test-artifacts', `readme-${process.pid}`);
  const dataDir = path.join(work, 'data');
  const stateFile = path.join(work, '.variables');
  const children: ChildProcess[] = [];
  let baseUrl: string;
  let env: NodeJS.ProcessEnv;
  let server: Output;
  /** What the reader has set in their shell so far (PASSWORD, CSRF, KEY, CUSTOMER, LINK). */
  const variables = new Map<string, string>();
  /** What the reader would paste: the latest printed password and key. */
  const printed: { password?: string; key?: string } = {};

  function adapt(command: string): string {
    return command
      .replaceAll('http://localhost:8080', baseUrl)
      .replaceAll("'paste-the-printed-password'", quote(printed.password ?? 'none printed'))
      .replaceAll("'paste-the-printed-key'", quote(printed.key ?? 'none printed'));
  }

  /** The reader's shell: what earlier commands set, then this command. */
  function script(command: string): string {
    const assigned = /^([A-Z_]+)=/.exec(command)?.[1];
    return [
      ...[...variables].map(([name, value]) => `${name}=${quote(value)}`),
      adapt(command),
      ...(assigned ? [`printf '%s' "$${assigned}" > ${quote(stateFile)}`] : []),
    ].join('\n');
  }

  function spawnShell(command: string, options: { terminal?: boolean } = {}): ChildProcess {
    const text = script(command);
    // `script` gives the command a real terminal, as the reader's has.
    const child = options.terminal
      ? spawn('script', ['-qfec', `bash -c ${quote(text)}`, '/dev/null'], { cwd: work, env, detached: true })
      : spawn('bash', ['-c', text], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.push(child);
    return child;
  }

  async function run(command: string): Promise<string> {
    const child = spawnShell(command);
    const output = new Output(child);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, `${command}\n${output.text}`);
    const assigned = /^([A-Z_]+)=/.exec(command)?.[1];
    if (assigned) variables.set(assigned, readFileSync(stateFile, 'utf8'));
    printed.key = /Key \(shown only now\): (\S+)/.exec(output.text)?.[1] ?? printed.key;
    return output.text;
  }

  function assertShows(output: string, text: string, what: string): void {
    for (const line of shownOutput(text)) assert.match(output, line, `${what}: the README shows this line`);
  }

  before(async () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
    // A newcomer's shell: no configuration beyond the data folder and the port.
    env = {
      // As in npm scripts: the project's Node 24 first.
      PATH: `${path.join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
      HOME: process.env.HOME,
      TERM: 'dumb',
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    };
    // `npm start` builds the web apps first; the walkthrough needs only the server it then runs.
    // Its own process group, so ending it ends npm and the server npm starts (see after()).
    const child = spawn('bash', ['-c', startCommand], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    server = new Output(child);
    printed.password = (await server.waitFor(/password: (\S+)/))[1];
    for (const deadline = Date.now() + 60_000; ; ) {
      assert.ok(Date.now() < deadline, `the server never became ready:\n${server.text}`);
      const ready = await fetch(`${baseUrl}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  // Each shell leads its own process group: the whole group is ended, so a server started
  // through npm does not outlive a failed test and hold the runner open.
  after(() => {
    for (const child of children) {
      if (child.exitCode !== null || child.pid === undefined) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('prints the demo sign-in as the README shows it', () => {
    const [banner] = blocksBetween('## Quick start', '## Agent console').filter((b) => b.language === 'text');
    assertShows(server.text, banner!.text.replace(/xxxxxx-xxxxxx-xxxxxx-xxxxxx/, '...'), 'npm start');
  });

  it('signs in, lists customers, and uses an API key (## Try it)', async () => {
    const blocks = blocksBetween('## Try it', '### Verify a caller with the device simulator');
    const outputs: string[] = [];
    for (const block of blocks) {
      if (block.language === 'text') {
        assertShows(outputs.at(-1) ?? '', block.text, 'the command before it');
        continue;
      }
      for (const command of commandsOf(block.text)) outputs.push(await run(command));
    }
    const all = outputs.join('\n');
    assert.match(variables.get('CSRF') ?? '', /^\S{16,}$/, 'sign-in gives a CSRF token');
    assert.match(all, /"email":"admin@demo\.example"/, 'the session names the admin');
    assert.match(all, /"displayName":"Chloé Dubois"/, 'the search finds Chloe');
    assert.match(all, /"displayName":"Frank Moreau"/, 'the customer created with the cookie');
    assert.match(all, /"displayName":"Grace Hopper"/, 'the customer created with the key');
    assert.doesNotMatch(all, /CSRF_FAILED|UNAUTHENTICATED|VALIDATION_FAILED/);

    // "This key has no audit:read scope, so GET /v1/audit-events answers 403 FORBIDDEN."
    const audit = await fetch(`${baseUrl}/v1/audit-events`, {
      headers: { authorization: `Bearer ${variables.get('KEY')}` },
    });
    assert.equal(audit.status, 403);
    assert.equal(((await audit.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
  });

  it('verifies a caller with the device simulator, live on the event stream', async () => {
    const blocks = blocksBetween(
      '### Verify a caller with the device simulator',
      '### Approve on a phone or a desktop browser',
    );
    let events: Output | undefined;
    let phone: { child: ChildProcess; output: Output } | undefined;
    let lastOutput = '';
    let started: { id: string; code: string } | undefined;
    for (const block of blocks) {
      if (block.language === 'text') {
        if (phone) {
          // The phone's transcript: the code typed at its prompt is the one read out, not 42.
          await phone.output.waitFor(/You \w+ the request: \w+\./);
          assertShows(phone.output.text, block.text.replace(/: 42$/m, `: ${started!.code}`), 'device listen');
        } else {
          assertShows(lastOutput, block.text, 'the command before it');
        }
        continue;
      }
      for (const command of commandsOf(block.text)) {
        if (command.startsWith('curl -N')) {
          // "Leave this running in its own terminal."
          const child = spawnShell(command);
          // Only the stream: curl's progress meter (on stderr) is no part of it.
          events = new Output(child, { stderr: false });
          // The stream hears only what happens once it is open (it sends no history): wait for
          // it, as the reader sees it open before going on, or a slow start misses 'started'.
          await events.waitFor(/^: open$/m);
          continue;
        }
        if (command.includes('device listen')) {
          const child = spawnShell(command, { terminal: true });
          phone = { child, output: new Output(child) };
          // The reader starts the verification once the phone says it listens.
          await phone.output.waitFor(/Listening as dev_\w+ for Acme Bank/);
          continue;
        }
        lastOutput = await run(command);
        const code = /"code":"(\d+)"/.exec(lastOutput)?.[1];
        const id = /"id":"(ver_\w+)"/.exec(lastOutput)?.[1];
        if (code && id) {
          started = { id, code };
          // The reader hears the code and types it at the phone's prompt.
          await phone!.output.waitFor(/Type the \d-digit code/);
          phone!.child.stdin!.write(`${code}\r`);
        }
      }
    }
    assert.ok(started, 'the walkthrough starts a verification');
    assert.ok(events && phone, 'the walkthrough runs the event stream and the phone');
    const exit = await new Promise<number | null>((resolve) =>
      phone!.child.exitCode === null ? phone!.child.on('close', resolve) : resolve(phone!.child.exitCode),
    );
    assert.equal(exit, 0, phone.output.text);

    // "The event stream shows started, delivered (over the phone's live channel), opened and then approved."
    await events.waitFor(/event: approved/);
    const order = [...events.text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)]
      .filter((m) => m[2]!.includes(started!.id))
      .map((m) => m[1]);
    assert.deepEqual(order, ['started', 'delivered', 'opened', 'approved']);
    assert.match(events.text, /"channel":"live"/);

    // "GET /v1/verifications/{id} shows the result with its timeline and assurance."
    const result = (await (
      await fetch(`${baseUrl}/v1/verifications/${started.id}`, {
        headers: { authorization: `Bearer ${variables.get('KEY')}` },
      })
    ).json()) as { status: string; assurance: string | null; timeline: { type: string }[] };
    assert.equal(result.status, 'approved');
    assert.ok(result.assurance, 'an approved verification states its assurance');
    assert.deepEqual(
      result.timeline.map((event) => event.type),
      ['started', 'delivered', 'opened', 'approved'],
    );
  });
});
