import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

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

export interface WebhookSenderConfig {
  timeoutMs: number;
  /** http: and https: to localhost, 127.0.0.0/8 and ::1 (development and tests). */
  allowLoopback: boolean;
  /** https: to private and link-local networks. */
  allowPrivateNetworks: boolean;
  /** Clock for durations; tests pass their own. */
  now?: () => number;
  /** HTTPS agent (tests pass one that trusts a local certificate). */
  agent?: https.Agent;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookSendResult>;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

// Addresses no webhook may reach unless private networks are allowed: RFC 1918, carrier-grade
// NAT, link-local (cloud metadata services live at 169.254.169.254), unique local IPv6, and
// addresses that are not unicast destinations at all.
const privateNetworks = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['198.18.0.0', 15],
] as const) {
  privateNetworks.addSubnet(net, prefix, 'ipv4');
}
privateNetworks.addSubnet('fc00::', 7, 'ipv6');
privateNetworks.addSubnet('fe80::', 10, 'ipv6');

const neverReachable = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  neverReachable.addSubnet(net, prefix, 'ipv4');
}
neverReachable.addAddress('::', 'ipv6');
neverReachable.addSubnet('ff00::', 8, 'ipv6');

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it is. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export type AddressVerdict = 'allowed' | 'loopback' | 'private' | 'unreachable';

/** Classifies an IP address for the SSRF rule. */
export function classifyAddress(raw: string): AddressVerdict {
  const { address, family } = normalise(raw);
  if (neverReachable.check(address, family)) return 'unreachable';
  if (loopback.check(address, family)) return 'loopback';
  if (privateNetworks.check(address, family)) return 'private';
  return 'allowed';
}

export function addressAllowed(
  address: string,
  rules: Pick<WebhookSenderConfig, 'allowLoopback' | 'allowPrivateNetworks'>,
): boolean {
  const verdict = classifyAddress(address);
  if (verdict === 'allowed') return true;
  if (verdict === 'loopback') return rules.allowLoopback;
  if (verdict === 'private') return rules.allowPrivateNetworks;
  return false;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && classifyAddress(host) === 'loopback';
}

/**
 * Checks a URL before it is stored: https (plain http only to this machine when loopback is
 * allowed), no credentials, no fragment, and an IP literal must pass the address rule. Returns a
 * problem to show, or undefined. Names are checked again, on every request, at connection time.
 */
export function webhookUrlProblem(
  raw: string,
  rules: Pick<WebhookSenderConfig, 'allowLoopback' | 'allowPrivateNetworks'>,
): string | undefined {
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
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !loopbackHost && !addressAllowed(host, rules))
    return 'The URL points to a private or reserved network address.';
  return undefined;
}

class RefusedAddress extends Error {}

export function createHttpWebhookSender(config: WebhookSenderConfig): WebhookSender {
  const now = config.now ?? Date.now;

  // Resolve, then refuse the connection unless every address the name resolves to is allowed.
  const guardedLookup = ((
    hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => !addressAllowed(a.address, config));
      if (refused || addresses.length === 0) {
        return callback(new RefusedAddress('address not allowed'), '', 0);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as unknown as typeof dnsLookup;

  return {
    send(request) {
      const started = now();
      const url = new URL(request.url);
      const client = url.protocol === 'https:' ? https : http;
      const host = url.hostname.replace(/^\[|\]$/g, '');
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
            lookup: guardedLookup,
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
