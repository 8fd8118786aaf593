/**
 * The device simulator as people use it: the real `helpdesk-auth device …` entry point as a
 * subprocess, against a real listening server, answering a real verification.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { databaseKinds, startTestHarness, type TestHarness } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';

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

/**
 * The simulator's live channel through a TCP relay that the test can cut: a request started
 * while the channel is down has no event, and is answered when the channel is back.
 */
describe('helpdesk-auth device listen, when the live channel drops', () => {
  let h: TestHarness;
  let relay: Server;
  let target = 0;
  let refusing = false;
  const sockets = new Set<Socket>();
  let dataDir: string;

  before(async () => {
    relay = createServer((client) => {
      if (refusing) return void client.destroy();
      const upstream = connect(target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    // The server names the relay as its public address, so the device talks through it.
    h = await startTestHarness('sqlite', { publicUrl: relayUrl }, { listen: true, realClock: true });
    target = Number(new URL(h.baseUrl).port);
    dataDir = mkdtempSync(path.join(tmpdir(), 'ha-sim-drop-'));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    relay?.close();
    await h?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says the channel is down, reconnects, and answers the request started meanwhile', {
    timeout: 120_000,
  }, async () => {
    const env = { DATA_DIR: dataDir, HELPDESK_AUTH_MODE: 'test' };
    const tenantId = (await h.createTenant('drop')).id;
    const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Dee' }, system);
    const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
    assert.equal((await device(['enroll', activation.link], env)).code, 0);

    const child = spawn(nodeBin, [cliBin, 'device', 'listen', '--deny', '--once'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // A simulator that never hears of the request would wait for ever: stop it, and fail below.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    exited.finally(() => clearTimeout(guard));
    const waiting = new Map<RegExp, () => void>();
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const [pattern, resolve] of waiting) if (pattern.test(output)) resolve();
      });
    }
    /** Waits for a line; fails, with what was printed, if the simulator ends first. */
    const printed = (pattern: RegExp) =>
      Promise.race([
        new Promise<void>((resolve) => (pattern.test(output) ? resolve() : waiting.set(pattern, resolve))),
        exited.then((code) => assert.fail(`Exited (${code}) before printing ${pattern}:\n${output}`)),
      ]);

    await printed(/Listening as dev_\w+ for Tenant drop/);
    // Cut the channel and keep it down while the request is started.
    refusing = true;
    for (const socket of sockets) socket.destroy();
    await printed(/No live channel \(.+\); trying again\./);
    const v = await h.runtime.services.verifications.start(
      tenantId,
      { customerId: customer.id, purpose: 'authenticate', reason: 'Address change', agentName: 'Helpdesk' },
      system,
    );
    refusing = false;

    assert.equal(await exited, 0, output);
    assert.match(output, /trying again\.\nLive channel open again\.\n/);
    assert.match(output, /Reason: {2}Address change/);
    assert.match(output, /You denied the request: denied\./);
    assert.equal((await h.runtime.services.verifications.get(tenantId, v.id)).status, 'denied');
  });
});

/**
 * A simulator enrolled before two rotations, whose first pinned key has retired by the time a
 * request comes: it walks the chain of key sets through the SDK and answers.
 */
for (const kind of databaseKinds) {
  describe(`helpdesk-auth device across signing-key rotations on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let dataDir: string;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true, realClock: true });
      dataDir = mkdtempSync(path.join(tmpdir(), 'ha-sim-keys-'));
    });
    after(async () => {
      await h?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('approves a request signed by a key it never pinned', async () => {
      const env = { DATA_DIR: dataDir, PUBLIC_URL: h.baseUrl, HELPDESK_AUTH_MODE: 'test' };
      const tenantId = (await h.createTenant(`sim-keys-${kind}`)).id;
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Kim' }, system);
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      assert.equal((await device(['enroll', activation.link], env)).code, 0);
      const first = (await h.runtime.services.serverKeys.signingKey()).kid;

      const audit = { tenantIds: [tenantId], actor: system };
      await h.runtime.services.serverKeys.rotate(audit);
      const { kid: latest } = await h.runtime.services.serverKeys.rotate(audit);
      // The overlap of the first key is over (the test runs on the real clock, so its end is set).
      await h.runtime.database.db
        .updateTable('server_keys')
        .set({ retired_at: Date.now() - 1 })
        .where('id', '=', first)
        .execute();
      assert.ok(!(await h.runtime.services.serverKeys.jwks()).keys.some((k) => k.kid === first));

      const v = await h.runtime.services.verifications.start(
        tenantId,
        { customerId: customer.id, purpose: 'authenticate', reason: 'Limit change', agentName: 'Helpdesk' },
        system,
      );
      const answered = await device(['listen', '--approve-with-code', v.code!, '--once'], env);
      assert.equal(answered.code, 0, answered.stderr);
      assert.match(answered.stdout, /Reason: {2}Limit change/);
      const status = await device(['status'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^Server keys: key set version 2 \\(.*${latest}\\)$`, 'm'));
      assert.match(answered.stdout, /You approved the request: approved\./);
      assert.equal((await h.runtime.services.verifications.get(tenantId, v.id)).status, 'approved');
      // What the simulator keeps now: the newest key set, where the keys a rotation replaced
      // carry the retirement time they had when it was signed.
      const kept = JSON.parse(readFileSync(path.join(dataDir, 'simulated-device.json'), 'utf8')) as {
        state: { keySetVersion: number; jwks: { keys: Array<{ kid: string; exp?: number }> } };
      };
      assert.equal(kept.state.keySetVersion, 2);
      const latestKey = kept.state.jwks.keys.find((k) => k.kid === latest);
      assert.ok(latestKey && latestKey.exp === undefined);
      assert.ok(kept.state.jwks.keys.filter((k) => k.kid !== latest).every((k) => typeof k.exp === 'number'));
    });
  });
}
