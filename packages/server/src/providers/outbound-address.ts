// The address rule against server-side request forgery, for every URL the server calls.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The server-side request forgery rule for every URL a caller registers and the server later
 * calls (webhook URLs, Web Push endpoints): which IP addresses may be connected to.
 *
 * The rule runs in the socket's DNS lookup (`guardedLookup`), so it applies to the address
 * actually connected to, and a name that resolves to a public address when it is registered and
 * to a private one later (DNS rebinding) is still refused. An IP literal skips DNS, so callers
 * check it themselves with `addressAllowed` before connecting.
 */
export interface AddressRules {
  /** localhost, 127.0.0.0/8 and ::1 (development and tests). */
  allowLoopback: boolean;
  /** Private and link-local networks. */
  allowPrivateNetworks: boolean;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

// Addresses nothing may reach unless private networks are allowed: RFC 1918, carrier-grade NAT,
// link-local (cloud metadata services live at 169.254.169.254), unique local IPv6, and addresses
// that are not unicast destinations at all.
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

export function addressAllowed(address: string, rules: AddressRules): boolean {
  const verdict = classifyAddress(address);
  if (verdict === 'allowed') return true;
  if (verdict === 'loopback') return rules.allowLoopback;
  if (verdict === 'private') return rules.allowPrivateNetworks;
  return false;
}

/** The host of a URL without IPv6 brackets. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '');
}

export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && classifyAddress(host) === 'loopback';
}

/** The error a guarded lookup fails with; its code reads like the socket errors beside it. */
export class RefusedAddress extends Error {
  readonly code = 'EADDRNOTALLOWED';
  constructor() {
    super('address not allowed');
  }
}

/**
 * A DNS lookup for sockets (`lookup` of net.connect, or of an http(s).Agent) that resolves, then
 * refuses the connection unless every address the name resolves to is allowed. `resolve` is the
 * underlying lookup (the system's by default; tests pass their own).
 */
export function guardedLookup(rules: AddressRules, resolve: LookupFunction = dnsLookup): LookupFunction {
  return ((hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, resolved) => {
      if (error) return callback(error, '', 0);
      const addresses = (Array.isArray(resolved) ? resolved : []) as LookupAddress[];
      if (addresses.length === 0 || addresses.some((a) => !addressAllowed(a.address, rules))) {
        return callback(new RefusedAddress() as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

/**
 * Resolves `hostname` (or takes the IP literal) and says whether the rule refuses it: 'refused'
 * when any address is not allowed, 'allowed' when all are, 'unresolved' when DNS gave no answer
 * within `timeoutMs` (the connection-time check still applies then).
 */
export function checkHost(
  hostname: string,
  rules: AddressRules,
  options: { resolve?: LookupFunction; timeoutMs?: number } = {},
): Promise<'allowed' | 'refused' | 'unresolved'> {
  const host = bareHost(hostname);
  if (isIP(host) !== 0) return Promise.resolve(addressAllowed(host, rules) ? 'allowed' : 'refused');
  if ((host === 'localhost' || host.endsWith('.localhost')) && !rules.allowLoopback) {
    return Promise.resolve('refused');
  }
  const resolve = options.resolve ?? dnsLookup;
  return new Promise((done) => {
    const timer = setTimeout(() => done('unresolved'), options.timeoutMs ?? 3000);
    resolve(host, { all: true }, (error, resolved) => {
      clearTimeout(timer);
      const addresses = (Array.isArray(resolved) ? resolved : []) as LookupAddress[];
      if (error || addresses.length === 0) return done('unresolved');
      done(addresses.every((a) => addressAllowed(a.address, rules)) ? 'allowed' : 'refused');
    });
  });
}
