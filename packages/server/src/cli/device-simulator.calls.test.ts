/**
 * The device simulator's call commands as people use them: the real `helpdesk-auth device …`
 * entry point as a subprocess against a listening server, on each database: "is anyone calling?"
 * without and with a notice, confirming it, and reporting a fake call.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

function device(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

for (const kind of databaseKinds) {
  describe(`helpdesk-auth device call commands on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let dataDir: string;
    let env: Record<string, string>;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true, realClock: true });
      dataDir = mkdtempSync(path.join(tmpdir(), 'ha-sim-calls-'));
      env = { DATA_DIR: dataDir, PUBLIC_URL: h.baseUrl, HELPDESK_AUTH_MODE: 'test' };
    });
    after(async () => {
      await h?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('says nobody is calling, shows a genuine notice, confirms it, and reports a fake call', async () => {
      const tenantId = (await h.createTenant('sim')).id;
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Sim Customer' },
        system,
      );
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      assert.equal((await device(['enroll', activation.link], env)).code, 0);

      const nobody = await device(['call-status'], env);
      assert.equal(nobody.code, 0, nobody.stderr);
      assert.match(nobody.stdout, /^Nobody from Tenant sim is calling you right now\./);
      assert.match(nobody.stdout, /will never ask for your codes/);

      const notice = await h.runtime.services.calls.start(
        tenantId,
        {
          customerId: customer.id,
          reason: 'about your card',
          team: 'Card Services',
          fromNumber: '+4930123456',
          mutualCode: 'agent_reads',
        },
        { actor: system, agentName: 'Jane', role: null },
      );
      const calling = await device(['call-status'], env);
      assert.equal(calling.code, 0, calling.stderr);
      assert.match(
        calling.stdout,
        /^Tenant sim is calling you now: Jane from Card Services, about your card\./,
      );
      assert.match(calling.stdout, /should show: \+4930123456/);
      assert.ok(calling.stdout.includes(`read out this code: ${notice.code}`));

      const confirmed = await device(['call-confirm'], env);
      assert.equal(confirmed.code, 0, confirmed.stderr);
      assert.match(confirmed.stdout, /Confirmed: confirmed\./);
      assert.equal(
        (await h.runtime.services.calls.get(tenantId, notice.id, { revealCode: false })).confirmation,
        'confirmed',
      );

      await h.runtime.services.calls.end(tenantId, notice.id, system);
      const reported = await device(
        ['call-report', '--number', '+49 30 5555', '--note', 'Asked for my code'],
        env,
      );
      assert.equal(reported.code, 0, reported.stderr);
      assert.match(reported.stdout, /^Reported to Tenant sim \(clr_\w+\)/);
      const row = await h.runtime.database.db
        .selectFrom('customers')
        .select('fraud_reported_at')
        .where('id', '=', customer.id)
        .executeTakeFirstOrThrow();
      assert.ok(row.fraud_reported_at, 'the report is a fraud report');

      const bad = await device(['call-report', '--number', 'not a number!'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /VALIDATION_FAILED/);
    });
  });
}
