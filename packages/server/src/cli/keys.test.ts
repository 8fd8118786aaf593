// `helpdesk-auth keys list` and `keys rotate` as a subprocess, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyKeySetChain, type DeviceState } from '@helpdesk-auth/device-sdk';
import { openRuntime } from '../app/runtime.ts';
import { loadConfig } from '../config/config.ts';
import { readAuditChain } from '../platform/audit-log.ts';
import { createTestPostgres, postgresSkip, type TestPostgres } from '../test-support/postgres.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const nodeBin = path.join(repoRoot, 'node_modules/.bin/node');
const cliBin = path.join(repoRoot, 'packages/server/bin/helpdesk-auth.js');
const encryptionKey = Buffer.alloc(32, 9).toString('base64');
const publicUrl = 'https://helpdesk.example.com';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(env: Record<string, string>, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      nodeBin,
      [cliBin, ...args],
      { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

const kinds = [
  { kind: 'sqlite', skip: false as const },
  { kind: 'postgres', skip: await postgresSkip() },
] as const;

for (const { kind, skip } of kinds) {
  describe(`helpdesk-auth keys on ${kind}`, { skip }, () => {
    let dataDir: string;
    let pg: TestPostgres | undefined;
    let env: Record<string, string>;

    before(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'ha-cli-keys-'));
      pg = kind === 'postgres' ? await createTestPostgres() : undefined;
      env = {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        HELPDESK_AUTH_MODE: 'test',
        ENCRYPTION_KEY: encryptionKey,
        PUBLIC_URL: publicUrl,
        ...(pg ? { DATABASE_URL: pg.url } : {}),
      };
    });
    after(async () => {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('keys --help names both commands', async () => {
      const help = await cli(env, ['keys', '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^ {2}list\b/m);
      assert.match(help.stdout, /^ {2}rotate\b/m);
    });

    it('rotates twice: a new key signs, the replaced one retires after the overlap, the chain verifies, every tenant audits', async () => {
      assert.equal((await cli(env, ['migrate'])).code, 0);
      for (const slug of ['acme', 'globex']) {
        assert.equal((await cli(env, ['tenant', 'create', slug, '--name', slug])).code, 0);
      }
      const listed = await cli(env, ['keys', 'list']);
      assert.equal(listed.code, 0, listed.stderr);
      const first = /^(srk_\w+) {2}signing {2}created \S+$/m.exec(listed.stdout)?.[1];
      assert.ok(first, listed.stdout);
      assert.match(listed.stdout, /^Key set version 0; a replaced key stays trusted for 86400 s\.$/m);

      // What a device enrolled now pins.
      const config = loadConfig(env);
      const before = await openRuntime(config, { warn: () => {} });
      let pinned: DeviceState;
      try {
        pinned = {
          deviceId: 'dev_x',
          customerId: 'cus_x',
          tenant: { id: 'ten_x', name: 'acme' },
          issuer: publicUrl,
          baseUrl: publicUrl,
          jwks: (await before.services.serverKeys.jwks()) as DeviceState['jwks'],
          label: 'x',
          platform: 'cli',
        };
      } finally {
        await before.close();
      }

      const rotated = await cli(env, ['keys', 'rotate']);
      assert.equal(rotated.code, 0, rotated.stderr);
      const second = /^New signing key (srk_\w+) \(key set version 1\)\.$/m.exec(rotated.stdout)?.[1];
      assert.ok(second && second !== first, rotated.stdout);
      assert.match(rotated.stdout, new RegExp(`^Replaced ${first}: trusted until \\S+Z\\.$`, 'm'));
      const again = await cli(env, ['keys', 'rotate']);
      assert.equal(again.code, 0, again.stderr);
      const third = /^New signing key (srk_\w+) \(key set version 2\)\.$/m.exec(again.stdout)?.[1];
      assert.ok(third, again.stdout);

      const after = await cli(env, ['keys', 'list']);
      assert.match(after.stdout, /^Key set version 2;/m);
      assert.match(after.stdout, new RegExp(`^${first} {2}retiring {2}created \\S+, retires \\S+$`, 'm'));
      assert.match(after.stdout, new RegExp(`^${second} {2}retiring`, 'm'));
      assert.match(after.stdout, new RegExp(`^${third} {2}signing`, 'm'));

      // A process started now signs with the newest key (a running one follows through Redis,
      // or at its next 30-second check: rotation.test.ts).
      const runtime = await openRuntime(config, { warn: () => {} });
      try {
        assert.equal((await runtime.services.serverKeys.signingKey()).kid, third);
        // A device that pinned the first key walks both key sets to the third.
        const { keySets } = await runtime.services.serverKeys.keySetsAfter(0);
        const caughtUp = await applyKeySetChain(pinned, keySets);
        assert.equal(caughtUp.keySetVersion, 2);
        assert.ok(caughtUp.jwks.keys.some((k) => k.kid === third));

        for (const tenant of await runtime.services.tenants.list()) {
          const rotations = [];
          for await (const entry of readAuditChain(runtime.database.db, tenant.id)) {
            if (entry.action === 'server_keys.rotated') rotations.push(entry);
          }
          assert.deepEqual(
            rotations.map((e) => [e.actorType, e.targetId]),
            [
              ['cli', second],
              ['cli', third],
            ],
            tenant.slug,
          );
        }
      } finally {
        await runtime.close();
      }
    });

    it('an overlap shorter than an hour is a configuration error, exit 2', async () => {
      const refused = await cli({ ...env, SERVER_KEY_OVERLAP_SECONDS: '60' }, ['keys', 'rotate']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /SERVER_KEY_OVERLAP_SECONDS must be at least 3600/);
      const listed = await cli(env, ['keys', 'list']);
      assert.match(listed.stdout, /^Key set version 2;/m, 'nothing rotated');
    });
  });
}
