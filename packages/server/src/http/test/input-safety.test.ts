/**
 * Input every route refuses the same way, before authentication and validation: JSON nested
 * deeper than 64 levels (JSON_TOO_DEEP), text with a lone UTF-16 surrogate (INVALID_UNICODE) and
 * NUL characters. Each documented operation with a body is sent each of them anonymously; SCIM's
 * own media type and the Keycloak channel's realm name are checked too. Never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { type DocumentedOperation, documentedOperations } from '../../test-support/openapi-operations.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { inputProblem, jsonNestsDeeperThan } from '../input-safety.ts';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** A concrete path for an operation: any well-formed-looking value in each parameter. */
const concretePath = (op: DocumentedOperation) => op.path.replace(/\{(\w+)\}/g, 'x');

describe('input safety checks', () => {
  it('measures nesting from the text, ignoring brackets inside strings', () => {
    assert.equal(jsonNestsDeeperThan(deep(64), 64), false);
    assert.equal(jsonNestsDeeperThan(deep(65), 64), true);
    assert.equal(jsonNestsDeeperThan(`{"a":"${'['.repeat(100)}"}`, 64), false);
    assert.equal(jsonNestsDeeperThan(`{"a\\"${'['.repeat(100)}":1}`, 64), false);
  });

  it('walks parsed values of any depth without recursion', () => {
    let value: unknown = 'end';
    for (let i = 0; i < 100_000; i++) value = [value];
    assert.equal(inputProblem(value)?.code, 'JSON_TOO_DEEP');
    assert.equal(inputProblem({ a: ['ok', 'x\ud800'] })?.code, 'INVALID_UNICODE');
    assert.equal(inputProblem(JSON.parse('{"k\\udfff": 1}'))?.code, 'INVALID_UNICODE');
    assert.equal(inputProblem({ a: 'x\u0000' })?.code, 'VALIDATION_FAILED');
    assert.equal(inputProblem({ a: ['\ud83d\ude00', { b: 'fine' }] }), undefined);
  });
});

for (const kind of databaseKinds) {
  describe(`bad text and deep nesting on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let operations: DocumentedOperation[];
    let admin: OperatorClient;
    let scimKey: string;
    before(async () => {
      h = await startTestHarness(kind);
      // Bodies are read after authentication: public operations are sent anonymously, the rest
      // as a signed-in admin. Operations only a device or a link token may call are left out.
      operations = (await documentedOperations(h.app)).filter(
        (op) => op.body !== undefined && (op.security.length === 0 || op.security.includes('session')),
      );
      const tenant = await h.tenantWithOperators(`deep-${kind}`);
      admin = tenant.clients.admin;
      scimKey = await h.createApiKey(tenant, ['scim']);
    });
    after(() => h?.close());

    const send = (op: DocumentedOperation, payload: string) => {
      const auth = op.security.length === 0 ? { cookies: {}, headers: {} } : admin.auth();
      return h.app.inject({
        method: op.method,
        url: concretePath(op),
        headers: { ...auth.headers, 'content-type': 'application/json' },
        cookies: auth.cookies,
        payload,
      });
    };

    it('refuses JSON nested 4,000 levels deep on every operation with a body, with a 400', async () => {
      assert.ok(operations.length >= 20 && operations.some((op) => op.security.length === 0));
      for (const op of operations) {
        for (const payload of [deep(4000), deepObject(4000), `{"a":${deep(65)}}`]) {
          const response = await send(op, payload);
          assert.equal(response.statusCode, 400, `${op.method} ${op.path}: ${response.body}`);
          assert.equal(response.json().error.code, 'JSON_TOO_DEEP', `${op.method} ${op.path}`);
        }
      }
      assert.ok(!h.logLines.some((line) => line.includes('"level":50')), 'no error-level log line');
    });

    it('refuses a lone surrogate anywhere in a body, a key or a query, with a 400', async () => {
      for (const op of operations) {
        for (const payload of ['{"x":"a\\ud800"}', '{"a\\udc00":1}', '["\\udfff"]']) {
          const response = await send(op, payload);
          assert.equal(response.statusCode, 400, `${op.method} ${op.path}: ${response.body}`);
          assert.equal(response.json().error.code, 'INVALID_UNICODE', `${op.method} ${op.path}`);
        }
      }
      const query = await h.app.inject({ method: 'GET', url: '/v1/customers?search=%ED%A0%80' });
      assert.ok(query.statusCode < 500, query.body);
    });

    it('refuses deep SCIM bodies (application/scim+json) with a 400 in SCIM form', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/scim/v2/Users',
        headers: { 'content-type': 'application/scim+json', authorization: `Bearer ${scimKey}` },
        payload: deepObject(4000),
      });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().code, 'JSON_TOO_DEEP');
    });

    it('refuses a Keycloak realm name with a lone surrogate as a validation problem, not a URIError', async () => {
      const tenant = await h.createTenant(`kc-${kind}`);
      await assert.rejects(
        h.runtime.services.keycloakChannel.configure(
          tenant.id,
          {
            baseUrl: 'https://keycloak.example.com',
            realm: 'realm\ud800',
            requesterName: 'Bank',
          } as Parameters<TestHarness['runtime']['services']['keycloakChannel']['configure']>[1],
          cliActor,
        ),
        (error: { code?: string }) => error.code === 'VALIDATION_FAILED',
      );
    });
  });
}
