// Tests of the webhook SMS provider.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from './message-provider.ts';
import { createWebhookSmsProvider, smsWebhookSignature } from './webhook-sms.ts';

const secret = 'a-webhook-secret-that-is-long-enough-0123';

describe('webhook SMS provider', () => {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let status = 200;
  let url = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'gw-77' }));
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts signed JSON the receiver can verify with the shared secret', async () => {
    const provider = createWebhookSmsProvider({ url, secret, now: () => 1_700_000_000_000 });
    const result = await provider.send({
      to: '+4915112345678',
      text: 'code 111222',
      reference: 'msg_9',
      tenantId: 't',
    });
    assert.deepEqual(result, { status: 'queued', providerMessageId: 'gw-77' });
    const { headers, body } = received.at(-1)!;
    assert.deepEqual(JSON.parse(body), { id: 'msg_9', to: '+4915112345678', text: 'code 111222' });
    const [t, v1] = String(headers['helpdesk-auth-signature']).split(',');
    assert.equal(t, 't=1700000000');
    assert.equal(v1, `v1=${smsWebhookSignature(secret, 1_700_000_000, body)}`);
    assert.notEqual(
      v1,
      `v1=${smsWebhookSignature('another secret of enough length....', 1_700_000_000, body)}`,
    );
  });

  it('treats a non-2xx answer as a refusal', async () => {
    status = 500;
    const provider = createWebhookSmsProvider({ url, secret });
    await assert.rejects(
      provider.send({ to: '+4915112345678', text: 'x', reference: 'r', tenantId: 't' }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'unreachable',
    );
    status = 200;
  });

  it('refuses a short secret and plain http to another machine', () => {
    assert.throws(() => createWebhookSmsProvider({ url, secret: 'short' }), /at least 32/);
    assert.throws(() => createWebhookSmsProvider({ url: 'http://sms.example.com/send', secret }), /https/);
  });
});
