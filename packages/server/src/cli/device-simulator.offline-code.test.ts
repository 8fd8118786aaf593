/**
 * The simulator's offline code, on each database: `helpdesk-auth device code` (a subprocess, with
 * the server unreachable) prints the code for the agent, which the agent's check accepts once and
 * not twice; a device whose key file predates offline codes obtains its secret with `--obtain`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function device(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      nodeBin,
      [cliBin, 'device', ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

for (const kind of databaseKinds) {
  describe(`helpdesk-auth device code on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let dataDir: string;
    let tenantId: string;
    let apiKey: string;
    let env: Record<string, string>;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true, realClock: true });
      const tenant = await h.createTenant('sim');
      tenantId = tenant.id;
      apiKey = await h.createApiKey(tenant, ['verifications:read', 'verifications:write']);
      dataDir = mkdtempSync(path.join(tmpdir(), 'ha-sim-code-'));
      env = { DATA_DIR: dataDir, PUBLIC_URL: h.baseUrl, HELPDESK_AUTH_MODE: 'test' };
    });
    after(async () => {
      await h?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const verify = async (customerId: string, code: string) => {
      const response = await fetch(`${h.baseUrl}/v1/customers/${customerId}/app-code/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code, action: 'verify_caller' }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
    };

    it('shows the code offline; the agent accepts it once and not twice', async () => {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Sim' }, system);
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      assert.equal((await device(['enroll', activation.link], env)).code, 0);

      // No server to talk to: the code comes from the key file alone.
      const offline = await device(['code'], { ...env, PUBLIC_URL: 'http://127.0.0.1:9' });
      assert.equal(offline.code, 0, offline.stderr);
      const match = /^Code for the agent: (\d{6}) \(changes in (\d+) s\)$/m.exec(offline.stdout);
      assert.ok(match, offline.stdout);
      const code = match[1]!;
      assert.ok(Number(match[2]) >= 1 && Number(match[2]) <= 30);

      let first = await verify(customer.id, code);
      if (first.status === 422 && first.body.error?.code === 'WRONG_CODE') {
        // The 30-second step turned between printing and checking beyond the window: read again.
        const again = await device(['code'], env);
        first = await verify(customer.id, /(\d{6})/.exec(again.stdout)![1]!);
      }
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await verify(customer.id, code);
      assert.equal(second.status, 422);
      assert.equal(second.body.error?.code, 'CODE_REPLAYED');
    });

    it('a key file without a secret says how to get one, and --obtain gets it once', async () => {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Old' }, system);
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      const keyFile = path.join(dataDir, 'old-device.json');
      assert.equal((await device(['enroll', activation.link, '--key-file', keyFile], env)).code, 0);
      // As written before offline codes: no secret in the file, none on the server.
      const content = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, unknown>;
      delete content.offlineSecret;
      writeFileSync(keyFile, JSON.stringify(content), { mode: 0o600 });
      await h.runtime.database.db
        .deleteFrom('device_offline_secrets')
        .where('customer_id', '=', customer.id)
        .execute();

      const missing = await device(['code', '--key-file', keyFile], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no offline-code secret yet.*--obtain/);

      const obtained = await device(['code', '--obtain', '--key-file', keyFile], env);
      assert.equal(obtained.code, 0, obtained.stderr);
      assert.match(obtained.stdout, /^Code for the agent: \d{6}/m);

      const twice = await device(['code', '--obtain', '--key-file', keyFile], env);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /OFFLINE_SECRET_ISSUED/);
    });
  });
}
