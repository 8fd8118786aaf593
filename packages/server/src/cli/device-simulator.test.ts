/**
 * The device simulator as people use it: the real `helpdesk-auth device …` entry point as a
 * subprocess, against a real listening server, answering a real verification.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestHarness, type TestHarness } from '../test-support/harness.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const nodeBin = path.join(repoRoot, 'node_modules/.bin/node');
const cliBin = path.join(repoRoot, 'packages/server/bin/helpdesk-auth.js');
const system = { type: 'system', id: null } as const;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function device(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      nodeBin,
      [cliBin, 'device', ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

describe('helpdesk-auth device (simulator)', () => {
  let h: TestHarness;
  let dataDir: string;
  let tenantId: string;
  let env: Record<string, string>;

  before(async () => {
    h = await startTestHarness('sqlite', {}, { listen: true, realClock: true });
    tenantId = (await h.createTenant('sim')).id;
    dataDir = mkdtempSync(path.join(tmpdir(), 'ha-sim-'));
    env = { DATA_DIR: dataDir, PUBLIC_URL: h.baseUrl, HELPDESK_AUTH_MODE: 'test' };
  });
  after(async () => {
    await h?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listen before enroll says how to enroll, exit 1', async () => {
    const result = await device(['listen', '--deny'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not enrolled yet.*device enroll/);
  });

  it('enrolls from a link, keeps its key private, then approves a request with the code', async () => {
    const customer = await h.runtime.services.customers.create(
      tenantId,
      { displayName: 'Sim Customer' },
      system,
    );
    const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
    const enrolled = await device(['enroll', activation.link, '--label', 'Training phone'], env);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    assert.match(enrolled.stdout, /^Enrolled dev_\w+ with Tenant sim/);
    assert.equal(statSync(path.join(dataDir, 'simulated-device.json')).mode & 0o077, 0);
    const [record] = await h.runtime.services.devices.list(tenantId, customer.id);
    assert.equal(record!.label, 'Training phone');

    const again = await device(['enroll', activation.link], env);
    assert.equal(again.code, 1);

    const v = await h.runtime.services.verifications.start(
      tenantId,
      { customerId: customer.id, purpose: 'authenticate', reason: 'Card replacement', agentName: 'Helpdesk' },
      system,
    );
    const answered = await device(['listen', '--approve-with-code', v.code!, '--once'], env);
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stdout, /Request from Tenant sim: Helpdesk/);
    assert.match(answered.stdout, /Reason: {2}Card replacement/);
    assert.match(answered.stdout, /You approved the request: approved\./);
    assert.equal((await h.runtime.services.verifications.get(tenantId, v.id)).status, 'approved');
  });

  it('without a terminal and without a fixed answer, listen refuses with a usage hint', async () => {
    const result = await device(['listen'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--approve-with-code <code>, --deny or --report-fraud/);
  });

  it('refuses conflicting answers and a malformed code as usage errors, exit 2', async () => {
    assert.equal((await device(['listen', '--approve-with-code', '12', '--deny'], env)).code, 2);
    const malformed = await device(['listen', '--approve-with-code', 'abc'], env);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /2 to 6 digits/);
  });

  it('a wrong activation code is reported with its error code', async () => {
    const result = await device(
      ['enroll', 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', '--key-file', path.join(dataDir, 'other.json')],
      env,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ACTIVATION_INVALID/);
  });
});
