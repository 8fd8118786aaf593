/**
 * Runs the copy-paste examples of docs/integrations/ciba.md and docs/integrations/keycloak.md,
 * unchanged: the CIBA script as a separate Node process with `openid-client` against a real
 * server while the test's phone approves or denies, and the Keycloak configuration command with
 * the system's shell and curl, followed by a request from a stand-in Keycloak.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  answerOnPhone,
  type CibaSide,
  cibaSide,
  pendingOnPhone,
  registerClient,
} from '../../../test-support/ciba.ts';
import { startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import {
  type KeycloakStandIn,
  startKeycloakStandIn,
} from '../../../test-support/stand-ins/keycloak-stand-in.ts';

const docs = fileURLToPath(new URL('../../../../../../docs/integrations/', import.meta.url));
// Inside the repository's node_modules, so the script finds `openid-client` as an integrator's would.
const scratchRoot = fileURLToPath(new URL('../../../../../../node_modules/.cache/', import.meta.url));

function example(guide: string, fence: string, name: string): string {
  const match = new RegExp(`\`\`\`${fence} file=${name.replace('.', '\\.')}\\n([\\s\\S]*?)\`\`\``).exec(
    readFileSync(path.join(docs, guide), 'utf8'),
  );
  assert.ok(match, `${name} is missing from ${guide}`);
  return match[1]!;
}

/** Collects a child's output; resolves `line(pattern)` when a line matching it appears. */
function watch(child: ChildProcess) {
  let out = '';
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(out);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    line: (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const match = pattern.exec(out);
        if (match) return resolve(match);
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`exited without ${pattern}: ${out}${err}`)));
      }),
    exited,
    output: () => ({ out, err }),
  };
}

describe('integration guide examples: CIBA and Keycloak', () => {
  let h: TestHarness;
  let side: CibaSide;
  let dir: string;
  let keycloak: KeycloakStandIn;

  before(async () => {
    h = await startTestHarness(
      'sqlite',
      { cibaPollIntervalSeconds: 1, integrationsAllowHttp: true },
      { listen: true, realClock: true },
    );
    side = await cibaSide(h, 'acme', {
      externalId: 'CUST-7',
      email: 'alice@example.com',
      phone: '+447911123450',
    });
    keycloak = await startKeycloakStandIn({ now: Date.now });
    mkdirSync(scratchRoot, { recursive: true });
    dir = mkdtempSync(path.join(scratchRoot, 'helpdesk-auth-guide-'));
    writeFileSync(path.join(dir, 'ciba-poll.mjs'), example('ciba.md', 'js', 'ciba-poll.mjs'));
  });
  // A failed test must not leave an example polling for ever: the runner would wait on it.
  const examples: ChildProcess[] = [];
  after(async () => {
    for (const child of examples) if (child.exitCode === null) child.kill('SIGKILL');
    await h?.close();
    await keycloak?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runCibaExample(args: string[]) {
    const { id, secret } = await registerClient(h, side, {
      name: 'Acme support desk',
      tokenEndpointAuthMethod: 'client_secret_basic',
      deliveryMode: 'poll',
    });
    const child = spawn(process.execPath, [path.join(dir, 'ciba-poll.mjs'), ...args], {
      env: {
        ...process.env,
        HELPDESK_AUTH_URL: h.config.publicUrl,
        CIBA_CLIENT_ID: id,
        CIBA_CLIENT_SECRET: secret!,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    examples.push(child);
    return watch(child);
  }

  it('ciba-poll.mjs: prints the code, and once the caller approves, who was verified and how', async () => {
    const run = await runCibaExample(['alice@example.com', 'Card replacement 4711']);
    const code = (await run.line(/Read this code to the caller: (\d+)\n/))[1]!;
    const [shown] = await pendingOnPhone(h, side.device);
    assert.equal(shown!.reason, 'Card replacement 4711');
    await answerOnPhone(h, side.device, shown!.id, { approveWith: code });
    assert.equal(await run.exited, 0, JSON.stringify(run.output()));
    const result = JSON.parse(run.output().out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual(result, {
      verified: side.customerId,
      acr: 'urn:helpdesk-auth:acr:substantial',
      amr: ['swk', 'user'],
      verification: shown!.id,
    });
  });

  it('ciba-poll.mjs: a denial ends with access_denied and exit code 1', async () => {
    const run = await runCibaExample(['CUST-7']);
    await run.line(/Read this code to the caller: \d+\n/);
    const [shown] = await pendingOnPhone(h, side.device);
    assert.equal(shown!.reason, 'Identity check');
    await answerOnPhone(h, side.device, shown!.id, 'deny');
    assert.equal(await run.exited, 1);
    assert.deepEqual(JSON.parse(run.output().out.trim().split('\n').at(-1)!), {
      verified: null,
      error: 'access_denied',
    });
  });

  it('configure-keycloak-channel.sh: configures the channel; Keycloak then reaches the phone and gets SUCCEED', async () => {
    const script = path.join(dir, 'configure-keycloak-channel.sh');
    writeFileSync(script, example('keycloak.md', 'sh', 'configure-keycloak-channel.sh'));
    const { stdout } = await promisify(execFile)('sh', [script], {
      env: {
        ...process.env,
        HELPDESK_AUTH_URL: h.config.publicUrl,
        HELPDESK_AUTH_ADMIN_KEY: side.adminKey,
        KEYCLOAK_URL: keycloak.baseUrl,
        KEYCLOAK_REALM: keycloak.realm,
      },
    });
    const channel = JSON.parse(stdout) as { channelUrl: string; issuer: string };
    assert.equal(channel.issuer, keycloak.issuer);

    // Keycloak, configured with that channel URL, sends its request over HTTP.
    const bearer = await keycloak.bearer({ azp: 'helpdesk-tool' });
    const response = await fetch(channel.channelUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        login_hint: 'CUST-7',
        scope: 'openid',
        is_consent_required: false,
        binding_message: 'Card replacement 4711',
        acr_values: null,
      }),
    });
    assert.equal(response.status, 201);
    const { verificationId } = (await response.json()) as { verificationId: string };
    const verification = await h.runtime.services.verifications.get(side.tenant.id, verificationId);
    const [shown] = await pendingOnPhone(h, side.device);
    assert.equal(shown!.agentName, 'Acme support');
    await answerOnPhone(h, side.device, verificationId, { approveWith: verification.code! });
    assert.deepEqual(await keycloak.nextAccepted(), {
      jti: JSON.parse(atob(bearer.split('.')[1]!)).jti,
      status: 'SUCCEED',
    });
  });
});
