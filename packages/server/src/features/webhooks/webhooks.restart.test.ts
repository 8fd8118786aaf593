/**
 * The real server process, killed with SIGKILL after the changes were committed but before any
 * webhook went out, and started again on the same data: the new process sends every event, once,
 * signed, to a receiver that was down the whole time the first process lived.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { type Cleanup, startServerProcess, type TrackedProcess } from '../../test-support/processes.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/stand-ins/webhook-receiver.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server process, ended when the test ends, pass or fail (test-support/processes.ts). */
function startServer(t: Cleanup, dataDir: string, port: number, pollMs: number): Promise<TrackedProcess> {
  return startServerProcess(t, {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HELPDESK_AUTH_MODE: 'development',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_POLL_INTERVAL_MS: String(pollMs),
  });
}

describe('webhooks across a killed server process', () => {
  let dataDir: string;
  let receiver: WebhookReceiver;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ha-webhook-kill-'));
    receiver = await startWebhookReceiver();
    await receiver.stop();
  });
  after(async () => {
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers what the killed process committed, once, after a restart', async (t) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // This process never runs a webhook round: its interval is an hour.
    const first = await startServer(t, dataDir, port, 3_600_000);
    const password = /password: (\S+)/.exec(first.output())?.[1];
    assert.ok(password, first.output());
    const signIn = await fetch(`${base}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'demo', email: 'admin@demo.example', password }),
    });
    assert.equal(signIn.status, 200);
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const headers = {
      cookie: signIn.headers.get('set-cookie')!.split(';')[0]!,
      'x-csrf-token': csrfToken,
      'content-type': 'application/json',
    };
    const post = async (url: string, body?: object) => {
      const response = await fetch(`${base}${url}`, {
        method: 'POST',
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      assert.ok(response.ok, `${url}: ${response.status} ${await response.clone().text()}`);
      return (await response.json()) as Record<string, unknown>;
    };

    const created = await post('/v1/webhooks', {
      url: receiver.url,
      events: ['device.enrolled', 'verification.started'],
    });
    receiver.secrets = [created.secret as string];
    const customer = await post('/v1/customers', { displayName: 'Killian Restart' });
    // An operator's QR code needs an identity check: the customer is at the counter.
    const activation = await post(`/v1/customers/${customer.id}/activations`, {
      inBranchCheck: { note: 'Passport seen at the counter' },
    });
    const phone = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: base });
    const device = await phone.enroll(activation.link as string, { label: 'phone', platform: 'cli' });
    const verification = await post('/v1/verifications', {
      customerId: customer.id,
      reason: 'Address change',
    });

    first.child.kill('SIGKILL');
    await first.exited;
    await receiver.start();

    const second = await startServer(t, dataDir, port, 100);
    for (let i = 0; i < 200 && receiver.received.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(
      receiver.received.map((r) => [r.event.type, r.validSignatures]),
      [
        ['device.enrolled', 1],
        ['verification.started', 1],
      ],
    );
    assert.equal(receiver.received[0]!.event.data.deviceId, device.deviceId);
    assert.equal(receiver.received[1]!.event.data.verificationId, verification.id);
    // More rounds send nothing again.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(receiver.received.length, 2);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
