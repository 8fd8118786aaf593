/**
 * Bad-input matrix. Every operation in the app's own OpenAPI document is sent malformed JSON,
 * wrong field types, unknown fields, oversized and non-JSON bodies, malformed ids, and unknown
 * or ill-typed query parameters, as a signed-in admin. Each must be refused with the right 4xx
 * and exactly `{error: {code, message}}`: never a 500, a stack trace or SQL. The operations are
 * read from the document, so a route added later is exercised without editing this file, and a
 * route left out of the document fails the coverage checks at the end.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type ErrorCode,
  errorCodes,
  errorStatus,
  type IdKind,
  idPattern,
  idPrefixes,
  newId,
} from '@helpdesk-auth/core';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { App } from '../../http/types.ts';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import {
  type DocumentedOperation,
  type DocumentedParameter,
  documentedOperations,
  type JsonSchema,
  loadDocumentedOperations,
} from '../../test-support/openapi-operations.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

// ---------------------------------------------------------------------------------------------
// The OpenAPI document, reduced to what the matrix needs.

type Schema = JsonSchema;
type Operation = DocumentedOperation;
type Parameter = DocumentedParameter;

/** `METHOD /path` for every route the router knows, parsed from fastify's route tree. */
function registeredRoutes(app: App): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    segments.length = match[1]!.length / 4;
    segments.push(match[2]!);
    const path = segments.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes;
}

/** The API reference itself is deliberately left out of the document it serves. */
const isReferenceRoute = (route: string) => / \/(docs\b|openapi\.json$)/.test(route);

/**
 * Routes that are not JSON API operations, each family with why it is left out of the document
 * and where its bad input is tested instead. Anything else that is registered must be documented.
 */
const undocumentedFamilies: { pattern: RegExp; why: string }[] = [
  { pattern: / \/$/, why: 'redirect to the console' },
  {
    pattern: / \/(console|app)(\/|$)/,
    why: 'web app pages and assets (features/apps/console.test.ts, authenticator-app.test.ts)',
  },
  { pattern: / \/widget\//, why: 'the widget script (features/apps/console.test.ts)' },
  {
    pattern: / \/v1\/widget\//,
    why: 'the widget panel, authenticated by a widget token instead of a session or key (widget.security.test.ts)',
  },
  { pattern: / \/scim\/v2\//, why: 'SCIM 2.0: its own media type, error body and discovery (scim*.test.ts)' },
  {
    pattern: / \/(oidc\/|\.well-known\/openid-configuration$)/,
    why: 'OpenID CIBA: form-encoded OAuth endpoints with OAuth errors, described by discovery (ciba*.test.ts)',
  },
  { pattern: / \/v1\/auth\/oidc\//, why: 'browser navigations of operator SSO (operator-sso.test.ts)' },
  {
    pattern: / \/v1\/campaign-links\//,
    why: "an invitation's tracked link, a browser navigation answered with a redirect (campaigns.test.ts)",
  },
  {
    pattern: / \/v1\/providers\//,
    why: "SMS providers' delivery reports in their vendors' formats (provider-callbacks.test.ts)",
  },
];
const isUndocumentedFamily = (route: string) =>
  undocumentedFamilies.some(({ pattern }) => pattern.test(route));

// ---------------------------------------------------------------------------------------------
// Values derived from schemas: one that passes, ones of the wrong type, ones that break a rule.

let uniqueCounter = 0;

/**
 * Bodies whose well-formed sample cannot be derived from the schema, because the service reads
 * what the schema only bounds (a key file, a PEM key, a CSV text): a valid one, by operation id.
 */
const pem = (type: 'rsa' | 'ec') =>
  (type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  ).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const sampleBodies: Record<string, () => Record<string, unknown>> = {
  // The text is parsed as CSV with a header the service checks: one valid row.
  importCustomers: () => ({ csv: `display_name\nMatrix import ${++uniqueCounter}\n` }),
  // Six digits, as the customer reads them from the app.
  checkCallCode: () => ({ code: '000000' }),
  // Languages are two or three letters, which a sample string derived from the schema is not.
  previewCampaign: () => ({ kind: 'invitation', languages: ['en'] }),
  setFcmCredentials: () => ({
    serviceAccountJson: JSON.stringify({
      type: 'service_account',
      project_id: 'matrix-project',
      private_key_id: 'k1',
      private_key: pem('rsa'),
      client_email: 'push@matrix-project.iam.gserviceaccount.com',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
  }),
  setApnsCredentials: () => ({
    teamId: 'TEAM123456',
    keyId: 'KEY1234567',
    privateKey: pem('ec'),
    bundleId: 'com.example.matrix',
    environment: 'production',
  }),
};

function sampleValue(schema: Schema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sampleValue(schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0]!);
  switch (schema.type) {
    case 'string':
      if (schema.pattern) {
        // A field that holds an id: a well-formed id of that kind (which need not exist).
        const kind = (Object.keys(idPrefixes) as IdKind[]).find((k) => idPattern(k) === schema.pattern);
        if (kind) return newId(kind);
      }
      if (schema.format === 'email') return `matrix-${++uniqueCounter}@example.com`;
      if (schema.format === 'uri') return `https://hooks.example.com/matrix-${++uniqueCounter}`;
      if (schema.format === 'date-time') return new Date(0).toISOString();
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleValue(schema.items ?? {}));
    case 'object':
      return sampleObject(schema);
    default:
      throw new Error(`No sample value for schema ${JSON.stringify(schema)}`);
  }
}

/** The required properties, plus optional ones up to minProperties. */
function sampleObject(schema: Schema): Record<string, unknown> {
  // A body that is one of several shapes: the first is the sample.
  if (schema.anyOf && !schema.properties) return sampleObject(schema.anyOf[0]!);
  const names = Object.keys(schema.properties ?? {});
  const chosen = names.filter((name) => schema.required?.includes(name));
  for (const name of names)
    if (chosen.length < (schema.minProperties ?? 0) && !chosen.includes(name)) chosen.push(name);
  return Object.fromEntries(chosen.map((name) => [name, sampleValue(schema.properties![name]!)]));
}

const jsonTypeOf = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

function acceptedTypes(schema: Schema): Set<string> {
  const types = new Set<string>();
  for (const type of [schema.type ?? []].flat()) types.add(type === 'integer' ? 'number' : type);
  for (const value of [...(schema.enum ?? []), ...(schema.const !== undefined ? [schema.const] : [])])
    types.add(jsonTypeOf(value));
  for (const branch of schema.anyOf ?? []) for (const type of acceptedTypes(branch)) types.add(type);
  return types;
}

const valuesOfEveryType: unknown[] = [12345, 'text', true, null, ['text'], { nested: 'text' }];

function wrongTypedValues(schema: Schema): unknown[] {
  const accepted = acceptedTypes(schema);
  return valuesOfEveryType.filter((value) => !accepted.has(jsonTypeOf(value)));
}

/** Query values that break the parameter's declared type or limits. */
function badQueryStrings(param: Parameter): string[] {
  const { name, schema } = param;
  const values: string[] = [];
  if (schema.type === 'integer' || schema.type === 'number') {
    values.push('abc', '');
    if (schema.type === 'integer') values.push('1.5');
    if (schema.minimum !== undefined) values.push(String(schema.minimum - 1));
    if (schema.maximum !== undefined) values.push(String(schema.maximum + 1), String(schema.maximum * 50));
  }
  if (schema.type === 'string') {
    if (schema.minLength) values.push('');
    if (schema.maxLength !== undefined) values.push('x'.repeat(schema.maxLength + 1));
    if (schema.format) values.push(`not-a-${schema.format}`);
  }
  if (name === 'cursor') {
    values.push(
      '!!!garbage',
      Buffer.from('not a cursor').toString('base64url'),
      Buffer.from('-1').toString('base64url'),
    );
  }
  const queries = values.map((value) => `${name}=${encodeURIComponent(value)}`);
  if (schema.type === 'integer') queries.push(`${name}=1&${name}=2`);
  return queries;
}

/** The sample as raw JSON text with a key first that JSON.stringify would not write. */
function withLeadingKey(key: string, sample: Record<string, unknown>): string {
  const rest = JSON.stringify(sample).slice(1, -1);
  return `{"${key}":{"prototype":{"isAdmin":true}}${rest ? `,${rest}` : ''}}`;
}

/** Inserts a NUL character, which PostgreSQL text columns cannot hold. */
const withNul = (value: string) => `${value.slice(0, 1)}\u0000${value.slice(1) || 'x'}`;

function idKindOf(param: Parameter): IdKind {
  const prefix = /^\^([a-z]+)_/.exec(param.schema.pattern ?? '')?.[1];
  const kind = (Object.keys(idPrefixes) as IdKind[]).find((k) => idPrefixes[k] === prefix);
  if (!kind) throw new Error(`Path parameter ${param.name} has no id pattern the matrix knows.`);
  return kind;
}

const shorten = (text: string) => (text.length > 40 ? `${text.slice(0, 12)}…(${text.length} chars)` : text);

function malformedIds(kind: IdKind): string[] {
  const prefix = idPrefixes[kind];
  const body = newId(kind).slice(prefix.length + 1);
  const otherKind = (Object.keys(idPrefixes) as IdKind[]).find((k) => k !== kind)!;
  return [
    `${prefix}_123`,
    '..%2Fetc',
    '..%2F..%2Fetc%2Fpasswd',
    'a'.repeat(500),
    `${prefix}_${body}${'A'.repeat(470)}`,
    `${idPrefixes[otherKind]}_${body}`,
    `${prefix}_${body.toLowerCase()}`,
    encodeURIComponent(`${prefix}_' OR '1'='1`),
    '%00',
    '%E0%A4%A',
  ];
}

// ---------------------------------------------------------------------------------------------
// Probes: one request each, with what it must get back.

type Expectation =
  /** Passes validation: not a 5xx and not 400/413/415 (an error then must still be well-shaped). */
  | 'accepted'
  /** Anything but a 5xx; an error must be well-shaped. */
  | 'handled'
  | { status: number; codes: readonly ErrorCode[] };

interface Probe {
  label: string;
  method: string;
  url: string;
  contentType?: string;
  payload?: string;
  expect: Expectation;
}

const validationFailed = { status: 400, codes: ['VALIDATION_FAILED'] } as const;
const malformedJson = { status: 400, codes: ['MALFORMED_JSON'] } as const;
const jsonOrValidation = { status: 400, codes: ['MALFORMED_JSON', 'VALIDATION_FAILED'] } as const;
const badCursor = { status: 400, codes: ['INVALID_CURSOR', 'VALIDATION_FAILED'] } as const;
const anyBadRequest = { status: 400, codes: errorCodes.filter((code) => errorStatus[code] === 400) };
const notFound = { status: 404, codes: ['NOT_FOUND'] } as const;
const tooLarge = { status: 413, codes: ['PAYLOAD_TOO_LARGE'] } as const;
const unsupportedMedia = { status: 415, codes: ['UNSUPPORTED_MEDIA_TYPE'] } as const;

interface RequestChange {
  ids?: Record<string, string>;
  query?: string;
  body?: unknown;
  /** A raw body; wins over `body`. */
  payload?: string;
  contentType?: string | null;
}

/** A well-formed request for the operation (nonexistent ids, a sample body), with one change. */
function probe(op: Operation, label: string, expect: Expectation, change: RequestChange = {}): Probe {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const param = op.pathParams.find((p) => p.name === name)!;
    return change.ids?.[name] ?? newId(idKindOf(param));
  });
  const url = change.query ? `${path}?${change.query}` : path;
  const hasBody = op.body !== undefined || change.body !== undefined || change.payload !== undefined;
  if (!hasBody) return { label, method: op.method, url, expect };
  const payload =
    change.payload ?? JSON.stringify(change.body ?? sampleBodies[op.id]?.() ?? sampleObject(op.body!));
  const contentType = change.contentType === undefined ? 'application/json' : change.contentType;
  return { label, method: op.method, url, payload, expect, ...(contentType ? { contentType } : {}) };
}

const refusedAsBadInput = new Set([400, 413, 415]);

const leakPatterns = [
  /\n\s+at /,
  /\bat .*:\d+:\d+/,
  /node_modules|\.ts\b|\.js\b/,
  /\b(select|insert into|delete from|update \w+ set)\b/i,
  /sqlite|postgres|SQLSTATE|syntax error|violates|constraint/i,
  /FST_ERR|TypeError|ReferenceError/,
];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const hasExactKeys = (value: Record<string, unknown>, keys: string[]) =>
  JSON.stringify(Object.keys(value).sort()) === JSON.stringify([...keys].sort());

function errorCodeOf(response: LightMyRequestResponse): ErrorCode | undefined {
  try {
    return (JSON.parse(response.body) as { error?: { code?: ErrorCode } } | null)?.error?.code;
  } catch {
    return undefined;
  }
}

/** Everything wrong with an error response: status class, media type, shape, code, message. */
function errorShapeProblems(response: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  if (response.statusCode < 400 || response.statusCode > 499)
    problems.push(`status ${response.statusCode} is not a 4xx`);
  if (!String(response.headers['content-type']).startsWith('application/json'))
    problems.push(`content-type is ${response.headers['content-type']}`);
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return [...problems, `body is not JSON: ${response.body.slice(0, 200)}`];
  }
  if (
    !isRecord(body) ||
    !hasExactKeys(body, ['error']) ||
    !isRecord(body.error) ||
    !hasExactKeys(body.error, ['code', 'message'])
  ) {
    return [...problems, `body is not exactly {error:{code,message}}: ${response.body.slice(0, 300)}`];
  }
  const { code, message } = body.error;
  if (
    typeof code !== 'string' ||
    !/^[A-Z]+(_[A-Z]+)*$/.test(code) ||
    !errorCodes.includes(code as ErrorCode)
  ) {
    problems.push(`code ${JSON.stringify(code)} is not one of core's errorCodes`);
  } else if (errorStatus[code as ErrorCode] !== response.statusCode) {
    problems.push(
      `code ${code} belongs with status ${errorStatus[code as ErrorCode]}, not ${response.statusCode}`,
    );
  }
  if (typeof message !== 'string' || message.trim() === '') problems.push('message is empty');
  else
    for (const pattern of leakPatterns)
      if (pattern.test(message)) problems.push(`message leaks internals: ${message}`);
  return problems;
}

function problemsWith(response: LightMyRequestResponse, expect: Expectation): string[] {
  const status = response.statusCode;
  const got = `got ${status} ${response.body.slice(0, 240)}`;
  if (expect === 'accepted' || expect === 'handled') {
    if (status >= 500 || (expect === 'accepted' && refusedAsBadInput.has(status))) {
      return [`expected the request to be ${expect}, ${got}`];
    }
    return status >= 400 ? errorShapeProblems(response) : [];
  }
  const code = errorCodeOf(response);
  if (status !== expect.status || !code || !expect.codes.includes(code)) {
    const wanted = expect.codes.length > 3 ? 'with a 400 code' : expect.codes.join(' or ');
    return [`expected ${expect.status} ${wanted}, ${got}`];
  }
  return errorShapeProblems(response);
}

// ---------------------------------------------------------------------------------------------
// The matrix: the cases that apply to an operation, derived from what it declares.

interface Case {
  name: string;
  probes(limits: { bodyLimitBytes: number; campaignCsvLimitBytes: number }): Probe[];
}

/**
 * The device's decision carries its own proof, and the proof is checked before the id is looked
 * up, so a nonexistent id with an unsigned sample body is answered as an existing one would be
 * (docs/device-protocol.md, "Decisions").
 */
const decisionUnsigned = { status: 401, codes: ['DECISION_SIGNATURE_INVALID'] } as const;
const isDecision = (op: Operation) => op.path === '/v1/device/verifications/{id}/decision';

function matrixFor(op: Operation): Case[] {
  const takesId = op.pathParams.length > 0;
  const cases: Case[] = [
    takesId && isDecision(op)
      ? {
          name: 'a well-formed id that does not exist -> 401, as for one that exists',
          probes: () => [probe(op, 'nonexistent id', decisionUnsigned)],
        }
      : takesId
        ? {
            name: 'a well-formed id that does not exist -> 404 NOT_FOUND',
            probes: () => [probe(op, 'nonexistent id', notFound)],
          }
        : {
            name: 'a well-formed request passes validation (the control for every case below)',
            probes: () => [probe(op, 'well-formed', 'accepted')],
          },
    {
      name: 'unknown query parameters -> 400 VALIDATION_FAILED',
      probes: () => [
        probe(op, 'unknown parameter', validationFailed, { query: 'unexpectedParam=1' }),
        probe(op, 'bracketed parameter', validationFailed, { query: 'filter%5Bname%5D=x' }),
      ],
    },
  ];

  // GET bodies are never read, so only other methods can be sent a bad body.
  if (op.method !== 'GET') {
    cases.push(
      {
        name: 'malformed JSON -> 400 MALFORMED_JSON',
        probes: () =>
          ['{"a":', '{"a":1,}', "{'a':1}", '{"a":1}}'].map((payload) =>
            probe(op, `payload ${payload}`, malformedJson, { payload }),
          ),
      },
      {
        name: 'a body over the configured limit -> 413 PAYLOAD_TOO_LARGE',
        probes: ({ bodyLimitBytes, campaignCsvLimitBytes }) => [
          probe(op, 'oversized', tooLarge, {
            body: {
              ...(op.body ? sampleObject(op.body) : {}),
              // A new campaign may carry a CSV of external ids: its route has a limit of its own.
              padding: 'x'.repeat(op.id === 'createCampaign' ? campaignCsvLimitBytes : bodyLimitBytes),
            },
          }),
        ],
      },
    );
  }

  if (op.body) {
    const body = op.body;
    const fields = Object.entries((body.anyOf?.[0] ?? body).properties ?? {});
    cases.push(
      {
        name: 'a JSON body sent as another media type -> 415 UNSUPPORTED_MEDIA_TYPE',
        probes: () =>
          ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', null].map((contentType) =>
            probe(op, `content-type ${contentType ?? '(none)'}`, unsupportedMedia, { contentType }),
          ),
      },
      {
        name: 'a body that is not an object -> 400 VALIDATION_FAILED',
        probes: () =>
          ['[]', '"text"', '42', 'true', 'null'].map((payload) =>
            probe(op, `payload ${payload}`, validationFailed, { payload }),
          ),
      },
      {
        name: 'wrong types for each body field -> 400 VALIDATION_FAILED',
        probes: () =>
          fields.flatMap(([field, schema]) =>
            wrongTypedValues(schema).map((value) =>
              probe(op, `${field}: ${JSON.stringify(value)}`, validationFailed, {
                body: { ...sampleObject(body), [field]: value },
              }),
            ),
          ),
      },
      // A body open by contract (Keycloak's channel request, to which Keycloak adds the CIBA
      // request's other parameters) passes validation with them; its own test shows they are ignored.
      body.additionalProperties === true
        ? {
            name: 'unknown body fields of an open body pass validation',
            probes: () => [
              probe(op, 'extra field', 'accepted', {
                body: { ...sampleObject(body), unexpectedField: 'x', nested: { any: [1, true] } },
              }),
            ],
          }
        : {
            name: 'unknown body fields -> 400 VALIDATION_FAILED',
            probes: () => {
              const sample = sampleObject(body);
              const firstField = fields[0]?.[0] ?? 'field';
              const renamed = firstField.charAt(0).toUpperCase() + firstField.slice(1);
              return [
                probe(op, 'extra field', validationFailed, { body: { ...sample, unexpectedField: 'x' } }),
                probe(op, 'extra field only', validationFailed, { body: { unexpectedField: 'x' } }),
                probe(op, `differently cased ${renamed}`, validationFailed, {
                  body: { ...sample, [renamed]: 'x' },
                }),
                ...['__proto__', 'constructor'].map((key) =>
                  probe(op, `${key} key`, jsonOrValidation, { payload: withLeadingKey(key, sample) }),
                ),
              ];
            },
          },
    );
    const textFields = fields.filter(([, schema]) => acceptedTypes(schema).has('string'));
    if (textFields.length > 0) {
      cases.push({
        name: 'a NUL character in any text body field is handled, never a 500',
        probes: () =>
          textFields.map(([field, schema]) => {
            const sample = sampleObject(body);
            const value = withNul(String(sample[field] ?? sampleValue(schema)));
            return probe(op, `${field} with NUL`, 'handled', { body: { ...sample, [field]: value } });
          }),
      });
    }
  }

  if (takesId) {
    cases.push({
      name: 'malformed ids in the path -> 400 VALIDATION_FAILED',
      probes: () =>
        op.pathParams.flatMap((param) =>
          malformedIds(idKindOf(param)).map((id) =>
            probe(op, `${param.name}=${shorten(id)}`, validationFailed, { ids: { [param.name]: id } }),
          ),
        ),
    });
  }

  if (op.queryParams.length > 0) {
    cases.push({
      name: 'ill-typed or out-of-range query values -> 400 VALIDATION_FAILED (INVALID_CURSOR for cursors)',
      probes: () =>
        op.queryParams.flatMap((param) =>
          badQueryStrings(param).map((query) =>
            probe(op, query, param.name === 'cursor' ? badCursor : validationFailed, { query }),
          ),
        ),
    });
    const textParams = op.queryParams.filter((param) => param.schema.type === 'string');
    if (textParams.length > 0) {
      cases.push({
        name: 'a NUL character in any text query parameter is handled, never a 500',
        probes: () =>
          textParams.map((param) => {
            const query = `${param.name}=${encodeURIComponent(withNul('abc'))}`;
            return probe(op, query, param.name === 'cursor' ? anyBadRequest : 'handled', { query });
          }),
      });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Running probes as a signed-in admin.

/** An admin's session that signs in again when a probe (sign-out, say) has ended it. */
function adminSession(harness: () => TestHarness) {
  let client: OperatorClient | undefined;
  let signIn: (() => Promise<OperatorClient>) | undefined;
  return {
    async start() {
      const h = harness();
      const tenant = await h.createTenant('matrix');
      const admin = await h.createOperator(tenant, 'admin');
      signIn = () => h.signIn(tenant, admin.email);
      client = await signIn();
      return tenant.id;
    },
    async current(): Promise<OperatorClient> {
      const check = await harness().app.inject({
        method: 'GET',
        url: '/v1/auth/session',
        cookies: client!.auth().cookies,
      });
      if (check.statusCode === 401) client = await signIn!();
      return client!;
    },
  };
}

/**
 * An enrolled device for the operations that need a device proof; enrolled again when a probe
 * (the device revoking itself, say) has ended it.
 */
function deviceSession(harness: () => TestHarness) {
  let device: TestDevice | undefined;
  let activationFor: (() => Promise<string>) | undefined;
  async function enroll(): Promise<TestDevice> {
    const h = harness();
    return enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: await activationFor!(),
      now: h.clock.now,
    });
  }
  return {
    async start(tenantId: string) {
      const h = harness();
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Matrix Device Owner' },
        cliActor,
      );
      activationFor = async () =>
        (await h.runtime.services.devices.createActivation(tenantId, customer.id, cliActor)).code;
      device = await enroll();
    },
    async current(): Promise<TestDevice> {
      const h = harness();
      const row = await h.runtime.database.db
        .selectFrom('devices')
        .select('status')
        .where('id', '=', device!.id)
        .executeTakeFirst();
      if (row?.status !== 'active') device = await enroll();
      return device!;
    },
  };
}

async function send(
  app: App,
  client: OperatorClient,
  p: Probe,
  op: Operation,
  device: () => Promise<TestDevice>,
): Promise<LightMyRequestResponse> {
  const { cookies, headers } = client.auth();
  const proof = op.security.includes('deviceProof')
    ? { 'device-proof': await (await device()).proof(p.method, p.url) }
    : {};
  const response = await app.inject({
    method: p.method as InjectOptions['method'],
    url: p.url,
    cookies,
    headers: { ...headers, ...proof, ...(p.contentType ? { 'content-type': p.contentType } : {}) },
    ...(p.payload !== undefined ? { payload: p.payload } : {}),
    // An event stream stays open: take the status and headers, then hang up (errors still end).
    ...(op.streams ? { payloadAsStream: true } : {}),
  });
  if (!op.streams) return response;
  const stream = response.stream();
  if (response.statusCode === 200) {
    stream.destroy();
    return Object.assign(response, { body: '' });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Object.assign(response, { body: Buffer.concat(chunks).toString('utf8') });
}

// The document is the same whatever the database; read it once to lay out the tests.
const operations = await loadDocumentedOperations();

for (const kind of databaseKinds) {
  describe(`bad-input matrix on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    const session = adminSession(() => h);
    const devices = deviceSession(() => h);
    const exercised = new Set<string>();

    before(async () => {
      h = await startTestHarness(kind);
      const tenantId = await session.start();
      await devices.start(tenantId);
    });
    after(async () => h?.close());

    async function runProbes(op: Operation, probes: Probe[]): Promise<void> {
      assert.ok(
        probes.length > 0,
        `${op.id}: the case produced no requests (does a parameter declare no limits?)`,
      );
      const problems: string[] = [];
      for (const p of probes) {
        const response = await send(h.app, await session.current(), p, op, () => devices.current());
        for (const problem of problemsWith(response, p.expect))
          problems.push(`${p.method} ${p.url.slice(0, 90)} [${p.label}]: ${problem}`);
      }
      exercised.add(op.id);
      assert.deepEqual(problems, []);
    }

    for (const op of operations) {
      describe(`${op.method} ${op.path} (${op.id})`, () => {
        for (const c of matrixFor(op)) it(c.name, () => runProbes(op, c.probes(h.config)));
      });
    }

    it('an unknown route -> 404 ROUTE_NOT_FOUND, signed in or not', async () => {
      const client = await session.current();
      const requests: Array<[InjectOptions['method'], string]> = [
        ['GET', '/nope'],
        ['GET', '/v1'],
        ['GET', '/v1/nope'],
        ['POST', '/v1/customers/cus_0/extra'],
        ['DELETE', '/v1/tenant'],
        ['PUT', '/v1/customers'],
        ['GET', '/v2/customers?limit=1'],
      ];
      const problems: string[] = [];
      for (const [method, url] of requests) {
        for (const auth of [client.auth(), { cookies: {}, headers: {} }]) {
          const response = await h.app.inject({ method, url, ...auth });
          const who = Object.keys(auth.cookies).length ? 'admin' : 'anonymous';
          for (const problem of problemsWith(response, { status: 404, codes: ['ROUTE_NOT_FOUND'] }))
            problems.push(`${method} ${url} as ${who}: ${problem}`);
        }
      }
      assert.deepEqual(problems, []);
    });

    it('exercised every operation in the OpenAPI document', async () => {
      const documented = (await documentedOperations(h.app)).map((op) => op.id).sort();
      assert.ok(documented.length >= 20, `only ${documented.length} operations documented`);
      assert.deepEqual([...exercised].sort(), documented);
    });

    it('documents every registered route apart from the API reference and the listed families', async () => {
      const documented = (await documentedOperations(h.app)).map((op) => `${op.method} ${op.path}`).sort();
      const registered = registeredRoutes(h.app).filter(
        (route) => !isReferenceRoute(route) && !isUndocumentedFamily(route),
      );
      assert.ok(registered.length >= 20, `parsed only ${registered.length} routes from printRoutes()`);
      assert.deepEqual(registered.sort(), documented);
    });
  });
}
