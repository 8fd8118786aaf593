/**
 * Runs the copy-paste examples of docs/integrations/rest-and-webhooks.md, unchanged, as separate
 * Node processes against a real server: register a webhook, start the receiver, verify a caller
 * while a device approves with the code the example prints, and see the receiver log the event.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { startTestHarness, type TestHarness } from '../../server/src/test-support/harness.ts';

const guide = fileURLToPath(new URL('../../../docs/integrations/rest-and-webhooks.md', import.meta.url));
const node = process.execPath;

/** The `ts file=<name>` blocks of the guide, by name. */
function guideExamples(): Record<string, string> {
  const text = readFileSync(guide, 'utf8');
  const blocks: Record<string, string> = {};
  for (const match of text.matchAll(/```ts file=(\S+)\n([\s\S]*?)```/g)) blocks[match[1]!] = match[2]!;
  return blocks;
}

interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once `pattern` appears in it. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function run(file: string, env: Record<string, string>): Running {
  const child = spawn(node, [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const match = output.match(pattern);
        if (match) return match;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`${path.basename(file)} never printed ${pattern}:\n${output}`);
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the REST and webhooks guide, run as written', () => {
  let h: TestHarness;
  let dir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    h = await startTestHarness(
      'sqlite',
      { webhookAllowLoopback: true, webhookPollIntervalMs: 100 },
      { listen: true, realClock: true },
    );
    // Inside the client package, so `@helpdesk-auth/client` resolves as it does for an installed package.
    dir = mkdtempSync(path.join(fileURLToPath(new URL('..', import.meta.url)), '.guide-'));
    for (const [name, source] of Object.entries(guideExamples())) writeFileSync(path.join(dir, name), source);
  });
  after(async () => {
    for (const child of children) child.kill();
    await h?.runtime.services.webhooks.stop();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers a webhook, verifies a caller, and the receiver gets the signed result', async () => {
    assert.deepEqual(Object.keys(guideExamples()).sort(), [
      'register-webhook.ts',
      'verify-caller.ts',
      'webhook-receiver.ts',
    ]);
    const tenant = await h.createTenant('guide');
    const apiKey = await h.createApiKey(tenant, [
      'customers:read',
      'devices:write',
      'verifications:read',
      'verifications:write',
      'webhooks:read',
      'webhooks:write',
    ]);
    const system = { type: 'system', id: null } as const;
    const customer = await h.runtime.services.customers.create(
      tenant.id,
      { displayName: 'Grace Guide', externalId: 'CUST-1001' },
      system,
    );
    const activation = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
    const phone = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
    await phone.enroll(activation.link, { label: 'Grace phone', platform: 'cli' });

    const port = await freePort();
    const env = { HELPDESK_AUTH_URL: h.baseUrl, HELPDESK_AUTH_API_KEY: apiKey };
    const register = run(path.join(dir, 'register-webhook.ts'), {
      ...env,
      WEBHOOK_URL: `http://localhost:${port}/hooks`,
    });
    assert.equal(await register.exited, 0, register.output());
    const secret = register.output().match(/Secret: (whsec_\S+)/)?.[1];
    assert.ok(secret, register.output());

    const receiver = run(path.join(dir, 'webhook-receiver.ts'), {
      HELPDESK_AUTH_WEBHOOK_SECRET: secret,
      PORT: String(port),
    });
    children.push(receiver.child);
    await receiver.waitFor(/Receiver listening/);
    h.runtime.services.webhooks.start();

    const verify = run(path.join(dir, 'verify-caller.ts'), env);
    children.push(verify.child);
    const [, code] = await verify.waitFor(/Read this code to the caller: (\d+)/);
    const [pending] = await phone.pendingRequests();
    assert.ok(pending, 'the phone sees the request');
    await phone.decide(pending, { decision: 'approve', code: code! });
    await verify.waitFor(/Result: approved/);
    assert.equal(await verify.exited, 0, verify.output());

    const [line] = await receiver.waitFor(/verification\.approved (\{.*\})/);
    const data = JSON.parse(line!.slice('verification.approved '.length)) as Record<string, unknown>;
    assert.equal(data.customerId, customer.id);
    assert.equal(data.status, 'approved');
    assert.equal(Object.values(data).includes(code), false, 'the code is not in the webhook');
    assert.equal('code' in data, false);
  });
});
