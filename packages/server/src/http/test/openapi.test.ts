/**
 * The published API description: a valid OpenAPI 3.1 document in which every operation is
 * named, summarised, tagged, documents its errors with the shared Error schema and (apart from
 * the public health checks and sign-in) states how to authenticate; and a browsable reference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Array<{ in: string; name: string }>;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, Response>;
}

/** A type alias, not an interface, so that it passes as the validator's plain record. */
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const errorRef = '#/components/schemas/Error';
// Public: health, sign-in, the keys a device needs before it has an identity, and the decision,
// whose body is its own device signature (docs/device-protocol.md), not an OpenAPI scheme.
const publicOperations = new Set([
  'GET /healthz',
  'GET /readyz',
  'POST /v1/auth/sign-in',
  'GET /v1/auth/sign-in-options',
  'GET /.well-known/jwks.json',
  'GET /v1/device/push-config',
  'POST /v1/device/verifications/{id}/decision',
]);

function operationsOf(doc: Document): Array<{ name: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );
}

/** Lists, per operation, what it fails; an empty list means every operation passes. */
function failing(doc: Document, problem: (op: Operation, name: string) => string | undefined): string[] {
  return operationsOf(doc).flatMap(({ name, op }) => {
    const found = problem(op, name);
    return found ? [`${name}: ${found}`] : [];
  });
}

describe('OpenAPI document', () => {
  let h: TestHarness;
  let doc: Document;

  before(async () => {
    h = await startTestHarness('sqlite');
    const response = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    doc = response.json() as Document;
  });
  after(async () => h?.close());

  it('is OpenAPI 3.1.0 and valid against the specification schema', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(structuredClone(doc));
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
  });

  it('describes the whole API', () => {
    const names = operationsOf(doc).map((o) => o.name);
    assert.ok(names.length >= 20, `only ${names.length} operations`);
    for (const name of ['POST /v1/auth/sign-in', 'GET /v1/customers', 'GET /v1/audit-events/verification']) {
      assert.ok(names.includes(name), `${name} is missing`);
    }
  });

  it('gives every operation a unique operationId, a summary and a tag', () => {
    const ids = operationsOf(doc).map(({ op }) => op.operationId);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      'duplicate operationIds',
    );
    assert.deepEqual(
      failing(doc, (op) => {
        if (!op.operationId || !/^[a-z][A-Za-z0-9]+$/.test(op.operationId)) return 'no camelCase operationId';
        if (!op.summary?.trim()) return 'no summary';
        if (!op.tags?.length) return 'no tag';
        return undefined;
      }),
      [],
    );
  });

  it('documents a 4xx error response on every operation, and every error with the Error schema', () => {
    assert.ok(doc.components.schemas.Error, 'components.schemas.Error is missing');
    assert.deepEqual(
      failing(doc, (op) => {
        const errors = Object.entries(op.responses ?? {}).filter(([status]) => /^[45]\d\d$/.test(status));
        const problems: string[] = [];
        if (!errors.some(([status]) => status.startsWith('4'))) problems.push('no 4xx response');
        const wrong = errors
          .filter(([, r]) => r.content?.['application/json']?.schema?.$ref !== errorRef || !r.description)
          .map(([status]) => status);
        if (wrong.length)
          problems.push(`error responses not described with ${errorRef}: ${wrong.join(', ')}`);
        return problems.join('; ') || undefined;
      }),
      [],
    );
  });

  it('declares security on every operation except the health checks and sign-in', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    assert.deepEqual(
      failing(doc, (op, name) => {
        const used = (op.security ?? []).flatMap((requirement) => Object.keys(requirement));
        if (publicOperations.has(name)) return used.length ? 'public, yet declares security' : undefined;
        if (used.length === 0) return 'no security';
        const unknown = used.filter((scheme) => !schemes.includes(scheme));
        return unknown.length ? `unknown security schemes: ${unknown.join(', ')}` : undefined;
      }),
      [],
    );
  });

  it("describes enrollment's proof header: the new key in jwk, the claims, the answers", () => {
    const enroll = doc.paths['/v1/device/enroll']?.post;
    assert.ok(enroll);
    assert.deepEqual(enroll.security, [{ deviceProof: [] }]);
    // The generator drops a header a security scheme names, so the operation's description says it.
    const description = enroll.description ?? '';
    for (const part of [
      'device-proof',
      '"typ": "hda-proof+jwt"',
      '"jwk"',
      '`htm`',
      '`htu`',
      '/v1/device/enroll',
    ]) {
      assert.ok(description.includes(part), `the description names ${part}`);
    }
    assert.match(description, /401 `DEVICE_PROOF_INVALID`/);
    assert.ok(enroll.responses?.['401'], 'the 401 is documented');
  });

  it('serves the browsable reference at /docs, built from the same document', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<html[\s>]/i);
    assert.match(page.body, /swagger-ui/i);

    const served = await h.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(served.statusCode, 200);
    assert.deepEqual(served.json(), doc);
  });
});
