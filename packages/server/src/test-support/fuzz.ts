/**
 * A fuzz of the whole API, in process (`app.inject`): every documented operation, plus SCIM and
 * the form-encoded OpenID endpoints, gets requests built from its schema and then broken one way
 * at a time (deep nesting, huge numbers, wrong types, lone surrogates, NUL, long strings, unknown
 * fields, malformed JSON, bad ids, odd query strings), as each kind of caller it accepts: an API
 * key with every scope, a signed-in admin with the CSRF token, an enrolled device with fresh
 * proofs, and nobody. Any answer of 500 or more is a failure; the first few are kept to report.
 * Used by `npm run fuzz` (bench/fuzz-api.ts, 100,000 requests) and by fuzz.test.ts (a few
 * thousand). Deterministic for a given seed.
 */
import { type IdKind, idPrefixes, newId, permissions } from '@helpdesk-auth/core';
import type { App } from '../http/types.ts';
import { cliActor } from '../platform/audit-log.ts';
import type { TestHarness } from './harness.ts';
import {
  type DocumentedOperation,
  type DocumentedParameter,
  documentedOperations,
  type JsonSchema,
} from './openapi-operations.ts';
import { enrollTestDevice, type TestDevice } from './test-device.ts';

export interface FuzzFailure {
  status: number;
  method: string;
  url: string;
  caller: string;
  mutation: string;
  body: string;
  response: string;
}

export interface FuzzResult {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  failures: FuzzFailure[];
  operations: number;
  durationMs: number;
}

/** Mulberry32: small, fast, and the same sequence for the same seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof random>;

// ---------------------------------------------------------------------------------------------
// Values: a valid sample from the schema, and hostile values of every kind.

const strangeStrings = [
  '',
  ' ',
  'a\ud800b',
  '\udfff',
  '\ud83d',
  'x\u0000y',
  '\u0000',
  '\ufeffbom',
  '\u202eevil',
  'e\u0301\u0301\u0301',
  '😀'.repeat(50),
  '../../etc/passwd',
  "' OR 1=1 --",
  '%00',
  '%ED%A0%80',
  `\${jndi:ldap://x}`,
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '\n\r\t',
  '+49 151 1234 5678',
  'not-an-email@',
  'https://127.0.0.1:1/x',
  'javascript:alert(1)',
  '9'.repeat(400),
];

const strangeNumbers = [
  0,
  -1,
  1.5,
  -0.0001,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
];

function idKindFor(pattern: string | undefined): IdKind | undefined {
  const prefix = /^\^([a-z]+)_/.exec(pattern ?? '')?.[1];
  return (Object.keys(idPrefixes) as IdKind[]).find((k) => idPrefixes[k] === prefix);
}

function sampleValue(schema: JsonSchema, rnd: Random, ids: KnownIds): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rnd.pick(schema.enum);
  if (schema.anyOf) return sampleValue(rnd.pick(schema.anyOf), rnd, ids);
  const type = Array.isArray(schema.type) ? rnd.pick(schema.type) : schema.type;
  switch (type) {
    case 'string': {
      const kind = idKindFor(schema.pattern);
      if (kind) return ids.byKind.get(kind) ?? newId(kind);
      if (schema.format === 'email') return `fuzz-${rnd.int(1e9)}@example.com`;
      if (schema.format === 'uri') return `https://hooks.example.com/fuzz-${rnd.int(1e9)}`;
      if (schema.format === 'date-time') return new Date(Date.UTC(2026, 0, 1) + rnd.int(1e10)).toISOString();
      if (schema.pattern === '^\\+[1-9]\\d{6,14}$') return '+4915112345678';
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return rnd.chance(0.5);
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: schema.minItems ?? (rnd.chance(0.5) ? 1 : 0) }, () =>
        sampleValue(schema.items ?? {}, rnd, ids),
      );
    case 'object':
      return sampleObject(schema, rnd, ids);
    default:
      return 'x';
  }
}

function sampleObject(schema: JsonSchema, rnd: Random, ids: KnownIds): Record<string, unknown> {
  if (schema.anyOf && !schema.properties) return sampleObject(rnd.pick(schema.anyOf), rnd, ids);
  const names = Object.keys(schema.properties ?? {});
  const chosen = names.filter((name) => schema.required?.includes(name) || rnd.chance(0.3));
  return Object.fromEntries(chosen.map((name) => [name, sampleValue(schema.properties![name]!, rnd, ids)]));
}

function hostileValue(rnd: Random): unknown {
  switch (rnd.int(9)) {
    case 0:
      return rnd.pick(strangeStrings);
    case 1:
      return rnd.pick(strangeNumbers);
    case 2:
      return 'x'.repeat(rnd.pick([256, 4_000, 20_000, 60_000]));
    case 3:
      return rnd.pick([null, true, false, [], {}, [null], { a: { b: { c: 1 } } }]);
    case 4:
      return newId(rnd.pick(Object.keys(idPrefixes) as IdKind[]));
    case 5:
      return `${rnd.pick(Object.values(idPrefixes))}_${rnd.pick(['', '0', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'x'.repeat(300)])}`;
    case 6:
      return Array.from({ length: rnd.pick([2, 100, 1_000]) }, () => rnd.pick(strangeStrings));
    case 7:
      return Object.fromEntries(Array.from({ length: rnd.pick([1, 50, 500]) }, (_, i) => [`k${i}`, i]));
    default:
      return rnd.pick(['approve', 'deny', 'report_fraud', 'admin', 'sms', 'email', 'push', '*']);
  }
}

/** Replaces one value somewhere inside `value` (or adds a field) with a hostile one. */
function mutateValue(value: unknown, rnd: Random): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || rnd.chance(0.2)) return [...value, hostileValue(rnd)];
    const copy = [...value];
    const i = rnd.int(copy.length);
    copy[i] = rnd.chance(0.5) ? mutateValue(copy[i], rnd) : hostileValue(rnd);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length === 0 || rnd.chance(0.15)) {
      copy[rnd.pick(['unknownField', 'x\ud800', 'isAdmin', 'tenantId', 'role', 'a'.repeat(300)])] =
        hostileValue(rnd);
      return copy;
    }
    const key = rnd.pick(keys);
    if (rnd.chance(0.1)) delete copy[key];
    else copy[key] = rnd.chance(0.4) ? mutateValue(copy[key], rnd) : hostileValue(rnd);
    return copy;
  }
  return hostileValue(rnd);
}

const nested = (depth: number, open: string, close: string, inner = '1') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** A body as text, and what was done to it. */
function mutateBody(sample: unknown, rnd: Random): { text: string | undefined; mutation: string } {
  const kind = rnd.int(16);
  switch (kind) {
    case 0:
      return { text: JSON.stringify(sample), mutation: 'valid sample' };
    case 1: {
      const depth = rnd.pick([63, 64, 65, 100, 1_000, 4_000, 20_000]);
      return rnd.chance(0.5)
        ? { text: nested(depth, '[', ']'), mutation: `array nested ${depth}` }
        : { text: nested(depth, '{"a":', '}'), mutation: `object nested ${depth}` };
    }
    case 2: {
      const json = JSON.stringify(sample);
      return {
        text: json.replace(/("[^"]*":)/, `$1${nested(rnd.pick([65, 3_000]), '[', ']')},"_":`),
        mutation: 'deep field',
      };
    }
    case 3:
      return {
        text: JSON.stringify(sample).replace(
          /:(\d+|true|false|null)/,
          `:${rnd.pick(['1e400', '-1e400', '123456789012345678901234567890', '0.0000000000000000000001', '1e-400'])}`,
        ),
        mutation: 'huge number',
      };
    case 4:
      return {
        text: JSON.stringify(sample).replace(
          /:"([^"]*)"/,
          `:"$1${rnd.pick(['\\ud800', '\\udc00x', '\\u0000', '\\uffff', '\\ud83d'])}"`,
        ),
        mutation: 'escaped bad text',
      };
    case 5:
      return {
        text: rnd.pick([
          '{',
          '{"a":1,}',
          '[1,2',
          '"just a string"',
          '42',
          'null',
          'true',
          '{"a":1}{"b":2}',
          '\ufeff{}',
          '{"__proto__":{"isAdmin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
          'x'.repeat(70_000),
        ]),
        mutation: 'malformed or odd JSON',
      };
    case 6:
      return { text: undefined, mutation: 'no body' };
    case 7: {
      const json = JSON.stringify(sample);
      return {
        text: json.length > 2 ? `${json.slice(0, -1)},"dup":1,"dup":2}` : '{"dup":1,"dup":2}',
        mutation: 'duplicate keys',
      };
    }
    default: {
      let value = sample;
      const rounds = 1 + rnd.int(3);
      for (let i = 0; i < rounds; i++) value = mutateValue(value, rnd);
      return { text: JSON.stringify(value), mutation: `${rounds} field mutation(s)` };
    }
  }
}

/** Percent-encodes any text, a lone surrogate included (as the UTF-8 bytes of one, which no decoder accepts). */
const encode = (value: string) =>
  value.isWellFormed() ? encodeURIComponent(value) : `${encodeURIComponent(value.toWellFormed())}%ED%A0%80`;

const badIds = [
  'x',
  '0',
  'cus_',
  'ver_ZZZZZZZZZZZZZZZZZZZZZZZZZZ',
  '%ED%A0%80',
  '%00',
  '%2e%2e%2f',
  '..',
  'a'.repeat(200),
  '%F0%9F%98%80',
  '%ZZ',
  '1%20OR%201=1',
];

function queryFor(op: DocumentedOperation, rnd: Random, ids: KnownIds): string {
  const parts: string[] = [];
  for (const param of op.queryParams) {
    if (!rnd.chance(0.5)) continue;
    const valid = sampleValue(param.schema, rnd, ids);
    const value = rnd.chance(0.5) ? String(valid) : String(hostileValue(rnd));
    parts.push(`${param.name}=${rnd.chance(0.2) && value.isWellFormed() ? value : encode(value)}`);
  }
  if (rnd.chance(0.15))
    parts.push(rnd.pick(['unknown=1', 'limit=1&limit=2', '%ED%A0%80=1', 'a=%00', '__proto__[x]=1', 'q=%ZZ']));
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function pathFor(op: DocumentedOperation, rnd: Random, ids: KnownIds): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const param = op.pathParams.find((p: DocumentedParameter) => p.name === name);
    if (rnd.chance(0.75)) {
      const kind = idKindFor(param?.schema.pattern);
      const known = kind ? ids.byKind.get(kind) : undefined;
      if (known && rnd.chance(0.7)) return known;
      if (kind) return newId(kind);
      return encode(String(sampleValue(param?.schema ?? {}, rnd, ids)));
    }
    return rnd.pick(badIds);
  });
}

// ---------------------------------------------------------------------------------------------
// Callers and the objects their requests name.

interface KnownIds {
  byKind: Map<IdKind, string>;
}

interface Caller {
  name: 'api key' | 'session' | 'device' | 'anonymous';
  headers(method: string, url: string): Promise<Record<string, string>>;
}

interface Extra {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  contentType: string;
  form?: boolean;
  caller: 'scim' | 'anonymous';
}

/** Endpoints outside the OpenAPI document, with their own media types and callers. */
const extras: Extra[] = [
  { method: 'POST', path: '/scim/v2/Users', contentType: 'application/scim+json', caller: 'scim' },
  { method: 'PUT', path: '/scim/v2/Users/{id}', contentType: 'application/scim+json', caller: 'scim' },
  { method: 'PATCH', path: '/scim/v2/Users/{id}', contentType: 'application/scim+json', caller: 'scim' },
  { method: 'GET', path: '/scim/v2/Users', contentType: 'application/scim+json', caller: 'scim' },
  {
    method: 'POST',
    path: '/oidc/backchannel',
    contentType: 'application/x-www-form-urlencoded',
    form: true,
    caller: 'anonymous',
  },
  {
    method: 'POST',
    path: '/oidc/token',
    contentType: 'application/x-www-form-urlencoded',
    form: true,
    caller: 'anonymous',
  },
];

/**
 * Requests that would end the fuzz's own callers (sign-out, revoking the device that signs the
 * proofs) are left out; everything else, deletes included, is sent, and the callers are renewed
 * whenever one stops working.
 */
const selfEnding = new Set(['POST /v1/auth/sign-out', 'DELETE /v1/device']);

export async function runFuzz(
  h: TestHarness,
  options: { requests: number; seed?: number; onProgress?: (done: number) => void },
): Promise<FuzzResult> {
  const app: App = h.app;
  const rnd = random(options.seed ?? 1);
  const started = performance.now();
  const { services } = h.runtime;
  const operations = (await documentedOperations(app)).filter(
    (op) => !op.streams && !selfEnding.has(`${op.method} ${op.path}`),
  );

  // The objects ids are drawn from, in a tenant of their own.
  const tenant = await h.createTenant(`fuzz${options.seed ?? 1}`);
  const ids: KnownIds = { byKind: new Map() };
  const victim = await services.customers.create(
    tenant.id,
    { displayName: 'Fuzz Target', phone: '+4915112345678', email: 'target@example.com' },
    cliActor,
  );
  ids.byKind.set('customer', victim.id);
  const scimKey = await h.createApiKey(tenant, ['scim']);
  // Every permission an operator role can hold; SCIM's scope stands alone (apiKeyOnlyScopes).
  const allScopes = [...permissions];

  let apiKey = '';
  let session = { cookie: '', csrf: '' };
  let device: TestDevice | undefined;
  let holder = '';
  const renewKey = async () => {
    apiKey = await h.createApiKey(tenant, allScopes);
  };
  const renewSession = async () => {
    const op = await h.createOperator(tenant, 'admin', `admin-${rnd.int(1e9)}@fuzz.example`);
    const client = await h.signIn(tenant, op.email);
    session = { cookie: client.cookie, csrf: client.csrfToken };
    ids.byKind.set(
      'operator',
      (await h.createOperator(tenant, 'agent', `agent-${rnd.int(1e9)}@fuzz.example`)).id,
    );
  };
  const renewDevice = async () => {
    const customer = await services.customers.create(tenant.id, { displayName: 'Fuzz Holder' }, cliActor);
    holder = customer.id;
    const activation = await services.devices.createActivation(tenant.id, customer.id, cliActor);
    device = await enrollTestDevice(app, {
      publicUrl: h.config.publicUrl,
      activationCode: activation.code,
      now: h.clock.now,
      remoteAddress: `10.9.${rnd.int(250)}.${rnd.int(250)}`,
    });
    ids.byKind.set('device', device.id);
    try {
      const verification = await services.verifications.start(
        tenant.id,
        { customerId: holder, purpose: 'authenticate', reason: 'Fuzz', agentName: 'Fuzz' },
        cliActor,
      );
      ids.byKind.set('verification', verification.id);
    } catch {
      // A push cap or lock reached by the fuzz itself: the last id stays.
    }
  };
  await renewKey();
  await renewSession();
  await renewDevice();

  const origin = new URL(h.config.publicUrl).origin;
  const callers: Record<Caller['name'], Caller> = {
    'api key': { name: 'api key', headers: async () => ({ authorization: `Bearer ${apiKey}` }) },
    session: {
      name: 'session',
      headers: async () => ({ cookie: `hda_session=${session.cookie}`, 'x-csrf-token': session.csrf }),
    },
    device: {
      name: 'device',
      headers: async (method, url) => ({
        'device-proof': await device!.proof(method, `${origin}${url.split('?')[0]}`),
      }),
    },
    anonymous: { name: 'anonymous', headers: async () => ({}) },
  };
  const callersOf = (op: DocumentedOperation): Caller[] => {
    const list: Caller[] = [callers.anonymous];
    if (op.security.includes('apiKey')) list.push(callers['api key']);
    if (op.security.includes('session')) list.push(callers.session);
    if (op.security.includes('deviceProof')) list.push(callers.device);
    return list;
  };

  const result: FuzzResult = {
    requests: 0,
    byStatus: {},
    serverErrors: 0,
    failures: [],
    operations: operations.length + extras.length,
    durationMs: 0,
  };

  const record = (status: number, failure: Omit<FuzzFailure, 'status'>) => {
    result.requests++;
    const bucket = `${Math.floor(status / 100)}xx`;
    result.byStatus[bucket] = (result.byStatus[bucket] ?? 0) + 1;
    if (status >= 500) {
      result.serverErrors++;
      if (result.failures.length < 20) result.failures.push({ status, ...failure });
    }
  };

  const checkCallers = async () => {
    const me = await app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: await callers.session.headers('GET', '/'),
    });
    if (me.statusCode !== 200) await renewSession();
    const key = await app.inject({
      method: 'GET',
      url: '/v1/customers?limit=1',
      headers: await callers['api key'].headers('GET', '/'),
    });
    if (key.statusCode !== 200) await renewKey();
    const deviceUrl = '/v1/device';
    const own = await app.inject({
      method: 'GET',
      url: deviceUrl,
      headers: await callers.device.headers('GET', deviceUrl),
    });
    if (own.statusCode !== 200) await renewDevice();
  };

  while (result.requests < options.requests) {
    if (result.requests % 250 === 0) {
      await checkCallers();
      // Move the clock so rate-limit windows, pushes caps and expiries turn over.
      h.clock.advance(rnd.int(120_000));
      options.onProgress?.(result.requests);
    }
    if (rnd.chance(0.06)) {
      const extra = rnd.pick(extras);
      const path = extra.path.replace('{id}', rnd.chance(0.5) ? victim.id : rnd.pick(badIds));
      let text: string | undefined;
      let mutation: string;
      if (extra.form) {
        const params = new URLSearchParams();
        for (let i = 0; i < 1 + rnd.int(6); i++)
          params.append(
            rnd.pick([
              'client_id',
              'scope',
              'login_hint',
              'grant_type',
              'auth_req_id',
              'binding_message',
              'x\ud800',
              'a'.repeat(300),
            ]),
            String(hostileValue(rnd)),
          );
        text = rnd.chance(0.8)
          ? params.toString()
          : rnd.pick(['%ED%A0%80=1', 'a=%00', 'a=%ZZ&a=%', '&&&===']);
        mutation = 'form';
      } else {
        ({ text, mutation } = mutateBody(
          { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'fuzz', active: true },
          rnd,
        ));
      }
      const response = await app.inject({
        method: extra.method,
        url: `${path}${rnd.chance(0.2) ? `?${rnd.pick(['filter=userName%20eq%20%22%ED%A0%80%22', 'count=99999999999', 'startIndex=-1', 'attributes=%00'])}` : ''}`,
        headers: {
          ...(extra.caller === 'scim' ? { authorization: `Bearer ${scimKey}` } : {}),
          ...(text !== undefined ? { 'content-type': extra.contentType } : {}),
        },
        ...(text !== undefined ? { payload: text } : {}),
      });
      record(response.statusCode, {
        method: extra.method,
        url: path,
        caller: extra.caller,
        mutation,
        body: (text ?? '').slice(0, 300),
        response: response.body.slice(0, 300),
      });
      continue;
    }
    const op = rnd.pick(operations);
    const caller = rnd.pick(callersOf(op));
    const url = `${pathFor(op, rnd, ids)}${queryFor(op, rnd, ids)}`;
    let text: string | undefined;
    let mutation = 'no body';
    if (op.body) ({ text, mutation } = mutateBody(sampleValue(op.body, rnd, ids), rnd));
    else if (rnd.chance(0.05))
      ({ text, mutation } = { text: nested(5_000, '[', ']'), mutation: 'body where none is taken' });
    let headers: Record<string, string>;
    try {
      headers = await caller.headers(op.method, url);
    } catch {
      headers = {};
    }
    if (text !== undefined)
      headers['content-type'] = rnd.chance(0.95)
        ? 'application/json'
        : rnd.pick([
            'text/plain',
            'application/json; charset=latin1',
            'application/scim+json',
            'multipart/form-data',
          ]);
    const response = await app.inject({
      method: op.method,
      url,
      headers,
      ...(text !== undefined ? { payload: text } : {}),
    });
    record(response.statusCode, {
      method: op.method,
      url: url.slice(0, 300),
      caller: caller.name,
      mutation,
      body: (text ?? '').slice(0, 300),
      response: response.body.slice(0, 300),
    });
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
