// A local webhook receiver that checks each request as an integrator would.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver on 127.0.0.1, checking each request the way an integrator's would: the
 * signature header against its secrets, the event id header against the body. It can answer
 * with any status, hang, or be stopped and started again on the same port.
 */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; createdAt: string; tenantId: string; data: Record<string, unknown> };
  /** The `v1` signatures of `Helpdesk-Auth-Signature` that verified against one of `secrets`. */
  validSignatures: number;
  /**
   * The `webhook-signature` values that the `standardwebhooks` library's signer reproduces for one
   * of `secrets` (the test clock is not today, so its time-checking `verify` cannot be used here).
   */
  validStandardSignatures: number;
  timestamp: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Secrets the receiver accepts. */
  secrets: string[];
  /** What to answer next: a status, or 'hang' (never answer). Default 200. */
  respondWith: number | 'hang' | { status: number; location: string };
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The `standardwebhooks` library's key for a secret: issued before as base64url, now base64. */
function standardKey(secret: string): Webhook {
  return new Webhook(Buffer.from(secret.replace(/^whsec_/, ''), 'base64'), { format: 'raw' });
}

function verify(secret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  let server: Server | undefined;
  const hanging = new Set<import('node:http').ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    port,
    received: [],
    secrets: [],
    respondWith: 200,
    async start() {
      server = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => {
          body += chunk;
        });
        request.on('end', () => {
          const header = String(request.headers['helpdesk-auth-signature'] ?? '');
          const parts = header.split(',').map((p) => p.split('=', 2) as [string, string]);
          const timestamp = Number(parts.find(([k]) => k === 't')?.[1]);
          const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
          const validSignatures = signatures.filter((s) =>
            receiver.secrets.some((secret) => verify(secret, timestamp, body, s)),
          ).length;
          const id = String(request.headers['webhook-id'] ?? '');
          const standardTimestamp = Number(request.headers['webhook-timestamp']);
          const standard = String(request.headers['webhook-signature'] ?? '').split(' ');
          const validStandardSignatures = standard.filter((s) =>
            receiver.secrets.some(
              (secret) =>
                id !== '' &&
                Number.isSafeInteger(standardTimestamp) &&
                standardKey(secret).sign(id, new Date(standardTimestamp * 1000), body) === s,
            ),
          ).length;
          receiver.received.push({
            headers: request.headers,
            body,
            event: JSON.parse(body) as ReceivedWebhook['event'],
            validSignatures,
            validStandardSignatures,
            timestamp,
          });
          const answer = receiver.respondWith;
          if (answer === 'hang') {
            hanging.add(response);
            return;
          }
          if (typeof answer === 'object') {
            response.writeHead(answer.status, { location: answer.location }).end();
            return;
          }
          response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
        });
      });
      await new Promise<void>((resolve) => server!.listen(receiver.port, '127.0.0.1', resolve));
      receiver.port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
    },
    async stop() {
      for (const response of hanging) response.destroy();
      hanging.clear();
      const closing = server;
      server = undefined;
      if (!closing) return;
      closing.closeAllConnections();
      await new Promise((resolve) => closing.close(resolve));
    },
    close: () => receiver.stop(),
  };
  await receiver.start();
  return receiver;
}
