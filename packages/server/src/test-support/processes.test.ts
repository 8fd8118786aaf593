/**
 * A test that fails while a process it spawned runs must not hang the test runner. A small test
 * file is run with `node --test`: one test's server does not start in time, another fails while
 * its child (and that child's own child) runs. The runner must finish, report both failures, and
 * leave none of the processes behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('./processes.ts', import.meta.url));

/** Running, not merely a zombie waiting for a parent that does not reap it (PID 1 in a container). */
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('spawned processes in tests', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ha-processes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are ended when the test fails, so the runner finishes', { timeout: 120_000 }, async () => {
    const fixture = path.join(dir, 'failing.test.ts');
    writeFileSync(
      fixture,
      `
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnTracked, startServerProcess } from ${JSON.stringify(helper)};

test('a server that does not start in time', async (t) => {
  await startServerProcess(t, { DATA_DIR: ${JSON.stringify(path.join(dir, 'data'))}, PORT: '0', LOG_LEVEL: 'silent' }, { startTimeoutMs: 1 });
});

test('a failure while a child and its own child run', async (t) => {
  const child = spawnTracked('bash', ['-c', 'sleep 300 & echo "pids $$ $!"; wait'], { t });
  const [, shell, sleeper] = await child.waitFor(/pids (\\d+) (\\d+)/);
  console.log('PIDS', shell, sleeper);
  assert.fail('the test fails while its processes run');
});
`,
    );
    const started = Date.now();
    const result = await new Promise<{ code: number | null; killed: boolean; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--test', '--test-reporter=tap', fixture],
        {
          timeout: 90_000,
          killSignal: 'SIGKILL',
          encoding: 'utf8',
          // A run of its own, not a subprocess reporting to this runner.
          env: { ...process.env, NODE_TEST_CONTEXT: undefined },
        },
        (error, stdout) =>
          resolve({ code: error ? ((error.code as number) ?? null) : 0, killed: !!error?.killed, stdout }),
      );
    });
    assert.equal(result.killed, false, `the runner hung (${Date.now() - started} ms):\n${result.stdout}`);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /# fail 2/);
    const pids = /PIDS (\d+) (\d+)/.exec(result.stdout);
    assert.ok(pids, result.stdout);
    for (const pid of [Number(pids[1]), Number(pids[2])])
      assert.equal(alive(pid), false, `process ${pid} was left running`);
  });
});
