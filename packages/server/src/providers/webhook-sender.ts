// Sends one webhook request under the address rule, with a time limit.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import {
  type AddressRules,
  addressAllowed,
  bareHost,
  guardedLookup,
  isLoopbackHost,
  RefusedAddress,
} from './outbound-address.ts';

// The address rule is shared with Web Push endpoints; these names stay importable from here.
export { type AddressVerdict, addressAllowed, classifyAddress, isLoopbackHost } from './outbound-address.ts';

/**
 * Sends one webhook request (an HTTP POST) and reports what happened, in the shape the push
 * providers use: the outcome, the HTTP status when one came back, and a short reason that is safe
 * to store and show (never the body, the headers or the secret).
 *
 * Server-side request forgery: a registered URL must not reach the server's own machine or
 * private network. The address check runs in the socket's DNS lookup, so it applies to the address
 * actually connected to, and a name that resolves to a public address at registration and to a
 * private one later (DNS rebinding) is still refused. Redirects are never followed: a 3xx is a
 * failed attempt like any other non-2xx answer.
 */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type WebhookSendResult =
  | { outcome: 'succeeded'; status: number; durationMs: number }
  | { outcome: 'failed'; status: number | null; durationMs: number; reason: string };

/** allowLoopback: http: and https: to this machine; allowPrivateNetworks: https: to private networks. */
export interface WebhookSenderConfig extends AddressRules {
  timeoutMs: number;
  /** Clock for durations; tests pass their own. */
  now?: () => number;
  /** HTTPS agent (tests pass one that trusts a local certificate). */
  agent?: https.Agent;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookSendResult>;
}

/**
 * Checks a URL before it is stored: https (plain http only to this machine when loopback is
 * allowed), no credentials, no fragment, and an IP literal must pass the address rule. Returns a
 * problem to show, or undefined. Names are checked again, on every request, at connection time.
 */
export function webhookUrlProblem(raw: string, rules: AddressRules): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'The URL does not parse.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL must use https.';
  if (url.username || url.password) return 'The URL must not contain a user name or password.';
  if (url.hash) return 'The URL must not contain a fragment (#).';
  const loopbackHost = isLoopbackHost(url.hostname);
  if (loopbackHost && !rules.allowLoopback)
    return 'The URL points to this machine; set WEBHOOK_ALLOW_LOOPBACK=true to allow that in development.';
  if (url.protocol === 'http:' && !loopbackHost) return 'The URL must use https.';
  const host = bareHost(url.hostname);
  if (isIP(host) !== 0 && !loopbackHost && !addressAllowed(host, rules))
    return 'The URL points to a private or reserved network address.';
  return undefined;
}

export function createHttpWebhookSender(config: WebhookSenderConfig): WebhookSender {
  const now = config.now ?? Date.now;

  // Resolve, then refuse the connection unless every address the name resolves to is allowed.
  const lookup = guardedLookup(config);

  return {
    send(request) {
      const started = now();
      const url = new URL(request.url);
      const client = url.protocol === 'https:' ? https : http;
      const host = bareHost(url.hostname);
      return new Promise<WebhookSendResult>((resolve) => {
        const fail = (reason: string, status: number | null = null) =>
          resolve({ outcome: 'failed', status, durationMs: now() - started, reason });
        // An IP literal skips DNS: check it here.
        if (isIP(host) !== 0 && !addressAllowed(host, config)) return fail('address not allowed');
        const req = client.request(
          url,
          {
            method: 'POST',
            headers: {
              ...request.headers,
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(request.body)),
              'user-agent': 'Helpdesk-Auth-Webhooks/1',
            },
            lookup,
            timeout: config.timeoutMs,
            ...(url.protocol === 'https:' && config.agent ? { agent: config.agent } : {}),
          },
          (response) => {
            const status = response.statusCode ?? 0;
            // The body is not kept (it could hold anything); read it only to free the socket, up to a limit.
            let read = 0;
            response.on('data', (chunk: Buffer) => {
              read += chunk.length;
              if (read > 64 * 1024) response.destroy();
            });
            const finish = () => {
              clearTimeout(overall);
              if (status >= 200 && status < 300) {
                resolve({ outcome: 'succeeded', status, durationMs: now() - started });
              } else {
                fail(
                  status >= 300 && status < 400 ? `redirect ${status} not followed` : `HTTP ${status}`,
                  status,
                );
              }
            };
            response.on('end', finish);
            response.on('close', finish);
            response.on('error', finish);
          },
        );
        // `timeout` covers idle sockets; this covers a receiver that answers slowly but steadily.
        const overall = setTimeout(() => req.destroy(new Error('timeout')), config.timeoutMs);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (error: Error & { code?: string }) => {
          clearTimeout(overall);
          if (error instanceof RefusedAddress) return fail('address not allowed');
          if (error.message === 'timeout') return fail(`timeout after ${config.timeoutMs} ms`);
          fail(error.code ? `connection failed (${error.code})` : 'connection failed');
        });
        req.end(request.body);
      });
    },
  };
}
