/**
 * Tenant isolation and authorisation. Two tenants hold the same customer (same name, phone,
 * e-mail and external id) plus their own operators, API keys and audit entries. Tenant A, as its
 * admin and as an all-scopes API key, must get 404 for every id of tenant B, change nothing in
 * B, and never see B's data in any list, search or audit read. Then roles, key scopes, revoked
 * keys and CSRF. The routes under test come from the OpenAPI document, and each section ends by
 * checking that every documented route of its kind was covered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ErrorCode, type IdKind, idPrefixes, permissions, type Role } from '@helpdesk-auth/core';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { App } from '../http/app.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
  testPassword,
} from '../test-support/harness.ts';
import { type DocumentedOperation, loadDocumentedOperations } from '../test-support/openapi-operations.ts';
import { postgresSkip } from '../test-support/postgres.ts';

// ---------------------------------------------------------------------------------------------
// Routes, from the OpenAPI document.

interface Operation extends DocumentedOperation {
  /** Id kind of each path parameter, from its pattern. */
  idParams: Array<{ name: string; kind: IdKind }>;
}

function idKindOfPattern(pattern: string | undefined): IdKind {
  const prefix = /^\^([a-z]+)_/.exec(pattern ?? '')?.[1];
  const kind = (Object.keys(idPrefixes) as IdKind[]).find((k) => idPrefixes[k] === prefix);
  if (!kind) throw new Error(`No id kind for path pattern ${pattern}`);
  return kind;
}

/** A body that would change the object if the request got through: its first text field. */
function changingBody(op: Operation): Record<string, string> | undefined {
  if (!op.body) return undefined;
  const field = Object.entries(op.body.properties ?? {}).find(([, s]) =>
    [s.type, ...(s.anyOf ?? []).map((b) => b.type)].includes('string'),
  )?.[0];
  if (!field) throw new Error(`${op.id}: no text field to change`);
  return { [field]: 'Changed by another tenant' };
}

// ---------------------------------------------------------------------------------------------
// Callers and requests.

interface Caller {
  name: string;
  auth(): { cookies: Record<string, string>; headers: Record<string, string> };
}

const operatorCaller = (name: string, client: OperatorClient): Caller => ({
  name,
  auth: () => client.auth(),
});
const keyCaller = (name: string, key: string): Caller => ({
  name,
  auth: () => ({ cookies: {}, headers: { authorization: `Bearer ${key}` } }),
});

async function call(
  app: App,
  caller: Caller,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  const { cookies, headers } = caller.auth();
  return app.inject({
    method,
    url,
    cookies,
    headers,
    ...(body !== undefined ? { payload: body as object } : {}),
  });
}

function assertError(
  response: LightMyRequestResponse,
  status: number,
  code: ErrorCode,
  context: string,
): void {
  assert.equal(response.statusCode, status, `${context}: got ${response.statusCode} ${response.body}`);
  const body = response.json() as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(body), ['error'], context);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message'], context);
  assert.equal(body.error.code, code, context);
}

function assertOk(response: LightMyRequestResponse, context: string): void {
  assert.ok(
    response.statusCode >= 200 && response.statusCode < 300,
    `${context}: got ${response.statusCode} ${response.body}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Two tenants with the same customer and their own operators, keys and audit entries.

const twin = {
  displayName: 'Zoë Twin',
  externalId: 'CRM-TWIN-42',
  phone: '+41 44 668 18 00',
  email: 'zoe.twin@example.com',
  locale: 'de-CH',
};

interface Side {
  tenant: TestTenant & { clients: Record<Role, OperatorClient> };
  admin: Caller;
  /** An API key of this tenant with every scope. */
  key: Caller;
  customerId: string;
  operatorId: string;
  apiKeyId: string;
}

async function populate(h: TestHarness, slug: string, extraCustomers: number): Promise<Side> {
  const tenant = await h.tenantWithOperators(slug);
  const admin = operatorCaller(`${slug} admin`, tenant.clients.admin);
  const post = async (url: string, body: object) => {
    const response = await call(h.app, admin, 'POST', url, body);
    assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
    return response.json() as Record<string, unknown> & { id: string };
  };
  const customer = await post('/v1/customers', twin);
  for (let i = 0; i < extraCustomers; i++)
    await post('/v1/customers', { displayName: `Only in ${slug} ${i}` });
  const { operator } = (await post('/v1/operators', {
    email: `extra@${slug}.example`,
    displayName: `Extra of ${slug}`,
    role: 'agent',
    password: testPassword,
  })) as unknown as { operator: { id: string } };
  const created = (await post('/v1/api-keys', {
    name: `${slug} integration`,
    scopes: [...permissions],
  })) as unknown as {
    apiKey: { id: string };
    key: string;
  };
  return {
    tenant,
    admin,
    key: keyCaller(`${slug} API key`, created.key),
    customerId: customer.id,
    operatorId: operator.id,
    apiKeyId: created.apiKey.id,
  };
}

function objectIdOf(side: Side, kind: IdKind): string {
  const ids: Partial<Record<IdKind, string>> = {
    customer: side.customerId,
    operator: side.operatorId,
    apiKey: side.apiKeyId,
  };
  const id = ids[kind];
  if (!id) throw new Error(`The test has no ${kind} object to aim at; add one to populate().`);
  return id;
}

const fillPath = (op: Operation, side: Side) =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    objectIdOf(side, op.idParams.find((p) => p.name === name)!.kind),
  );

type Snapshot = Record<string, string>;

/**
 * Everything of a tenant a request could change, read back by its own admin. `lastUsedAt` is
 * left out: authenticating with a key stamps it even when the request is then refused.
 */
async function snapshot(h: TestHarness, side: Side): Promise<Snapshot> {
  const urls = {
    customer: `/v1/customers/${side.customerId}`,
    operator: `/v1/operators/${side.operatorId}`,
    apiKey: `/v1/api-keys/${side.apiKeyId}`,
    customers: '/v1/customers?limit=200',
    operators: '/v1/operators',
    apiKeys: '/v1/api-keys',
    tenant: '/v1/tenant',
    audit: '/v1/audit-events/export',
  };
  const out: Snapshot = {};
  for (const [name, url] of Object.entries(urls)) {
    const response = await call(h.app, side.admin, 'GET', url);
    assert.equal(response.statusCode, 200, `snapshot ${url}: ${response.body}`);
    out[name] = response.body.replace(/"lastUsedAt":("[^"]*"|null)/g, '');
  }
  return out;
}

/** Names what changed between two snapshots, with the audit actions that were added. */
function assertUnchanged(before: Snapshot, after: Snapshot, context: string): void {
  const changed = Object.keys(before)
    .filter((name) => before[name] !== after[name])
    .map((name) => {
      if (name !== 'audit') return name;
      const added = after.audit!.slice(before.audit!.length).split('\n').filter(Boolean);
      return `audit (+${added.map((line) => (JSON.parse(line) as { action: string }).action).join(', ')})`;
    });
  assert.deepEqual(changed, [], `${context} changed state`);
}

interface AuditLine {
  id: string;
  tenantId: string;
  actorId: string | null;
  targetId: string | null;
}

async function exportAudit(h: TestHarness, caller: Caller): Promise<AuditLine[]> {
  const response = await call(h.app, caller, 'GET', '/v1/audit-events/export');
  assert.equal(response.statusCode, 200, response.body);
  return response.body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditLine);
}

/** Strings only tenant B has: every id in its audit chain, its tenant id and its slug. */
async function fingerprints(h: TestHarness, side: Side): Promise<string[]> {
  const lines = await exportAudit(h, side.admin);
  const ids = lines.flatMap((l) => [l.id, l.actorId, l.targetId]).filter((v): v is string => v !== null);
  return [
    ...new Set([...ids, side.tenant.id, side.tenant.slug, side.customerId, side.operatorId, side.apiKeyId]),
  ];
}

function assertNoLeak(body: string, leaks: string[], context: string): void {
  const found = leaks.filter((marker) => body.includes(marker));
  assert.deepEqual(found, [], `${context} shows another tenant's data`);
}

// ---------------------------------------------------------------------------------------------

const operations: Operation[] = (await loadDocumentedOperations()).map((op) => ({
  ...op,
  idParams: op.pathParams.map((p) => ({ name: p.name, kind: idKindOfPattern(p.schema.pattern) })),
}));

const idOperations = operations.filter((op) => op.idParams.length > 0);
const collectionReads = operations.filter(
  (op) => op.method === 'GET' && op.idParams.length === 0 && op.security.length > 0,
);
const cookieWrites = operations.filter((op) => op.method !== 'GET' && op.security.includes('session'));

for (const kind of databaseKinds) {
  describe(`tenant isolation and authorisation on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let a: Side;
    let b: Side;
    let leaksOfB: string[];

    before(async () => {
      h = await startTestHarness(kind);
      a = await populate(h, 'tenant-a', 0);
      b = await populate(h, 'tenant-b', 2);
      leaksOfB = await fingerprints(h, b);
    });
    after(async () => h?.close());

    const callersOfA = (op?: Operation) =>
      [a.admin, a.key].filter((c) => !op || c === a.admin || op.security.includes('apiKey'));

    describe("another tenant's objects, by id", () => {
      const covered = new Set<string>();

      for (const op of idOperations) {
        it(`${op.method} ${op.path} with B's id -> 404 NOT_FOUND for A's admin and A's API key; B unchanged`, async () => {
          const initial = await snapshot(h, b);
          for (const caller of callersOfA(op)) {
            const response = await call(h.app, caller, op.method, fillPath(op, b), changingBody(op));
            assertError(response, 404, 'NOT_FOUND', `${caller.name}: ${op.method} ${fillPath(op, b)}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name}: ${op.id}`);
          }
          assertUnchanged(initial, await snapshot(h, b), `A's ${op.id} on B's object`);
          covered.add(op.id);
        });
      }

      it("B's own admin still reads the same objects (the ids were real)", async () => {
        for (const op of idOperations.filter((o) => o.method === 'GET')) {
          assertOk(await call(h.app, b.admin, 'GET', fillPath(op, b)), `B admin ${op.id}`);
        }
        assertOk(await call(h.app, b.key, 'GET', `/v1/customers/${b.customerId}`), "B's key still works");
      });

      it('covered every id-taking operation in the OpenAPI document', () => {
        assert.ok(idOperations.length >= 7, `only ${idOperations.length} id-taking operations found`);
        assert.deepEqual([...covered].sort(), idOperations.map((op) => op.id).sort());
      });
    });

    describe('lists, searches and audit reads', () => {
      const covered = new Set<string>();

      /** What A must see of itself, so an empty answer cannot pass as isolation. */
      const ownDataChecks: Record<
        string,
        (response: LightMyRequestResponse, caller: Caller) => Promise<void>
      > = {
        getSession: async (response) => {
          const body = response.json() as { operator: { id: string }; tenant: { slug: string } };
          assert.equal(body.operator.id, a.tenant.clients.admin.operatorId);
          assert.equal(body.tenant.slug, a.tenant.slug);
        },
        getTenant: async (response) => assert.equal((response.json() as { id: string }).id, a.tenant.id),
        listOperators: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((o) => o.id);
          assert.ok(ids.includes(a.operatorId) && ids.includes(a.tenant.clients.admin.operatorId));
        },
        listApiKeys: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((k) => k.id);
          assert.ok(ids.includes(a.apiKeyId));
        },
        listCustomers: async (response) => {
          const ids = (response.json() as { items: Array<{ id: string }> }).items.map((c) => c.id);
          assert.ok(ids.includes(a.customerId));
        },
        listAuditEvents: async (response) => {
          const items = (response.json() as { items: Array<{ target: { id: string } | null }> }).items;
          assert.ok(items.some((e) => e.target?.id === a.customerId));
        },
        exportAuditEvents: async (response) => {
          const lines = response.body
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AuditLine);
          assert.ok(lines.length > 0);
          assert.deepEqual([...new Set(lines.map((l) => l.tenantId))], [a.tenant.id]);
        },
        verifyAuditChain: async (response, caller) => {
          const ownEntries = (await exportAudit(h, caller)).length;
          const otherEntries = (await exportAudit(h, b.admin)).length;
          assert.notEqual(ownEntries, otherEntries, 'the two chains should differ in length for this check');
          assert.deepEqual(response.json(), { ok: true, checked: ownEntries, headSeq: ownEntries });
        },
      };

      for (const op of collectionReads) {
        it(`${op.method} ${op.path} shows only A's data to A's admin and A's API key`, async () => {
          const check = ownDataChecks[op.id];
          assert.ok(check, `no isolation check for ${op.id}: add one to ownDataChecks`);
          for (const caller of callersOfA(op)) {
            const response = await call(h.app, caller, 'GET', op.path);
            assert.equal(response.statusCode, 200, `${caller.name}: ${response.body}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name}: ${op.id}`);
            await check(response, caller);
          }
          covered.add(op.id);
        });
      }

      it("searching customers by B's name, phone, e-mail or external id finds only A's twin", async () => {
        const searches = [
          `q=${encodeURIComponent(twin.displayName)}`,
          'q=zoe',
          'q=TWIN',
          `q=${encodeURIComponent(twin.externalId)}`,
          `q=${encodeURIComponent('zoe.twin@')}`,
          'q=446681800',
          `phone=${encodeURIComponent(twin.phone)}`,
          `email=${encodeURIComponent(twin.email)}`,
          `externalId=${encodeURIComponent(twin.externalId)}`,
          'q=Only%20in',
        ];
        for (const caller of callersOfA()) {
          for (const query of searches) {
            const response = await call(h.app, caller, 'GET', `/v1/customers?${query}`);
            assert.equal(response.statusCode, 200, `${caller.name} ${query}: ${response.body}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name} ?${query}`);
            const ids = (response.json() as { items: Array<{ id: string }> }).items.map((c) => c.id);
            assert.deepEqual(ids, query === 'q=Only%20in' ? [] : [a.customerId], `${caller.name} ?${query}`);
          }
        }
      });

      it("filtering the audit log by B's actors or targets finds nothing", async () => {
        const filters = [
          `targetId=${b.customerId}`,
          `targetId=${b.apiKeyId}`,
          `actorId=${b.tenant.clients.admin.operatorId}`,
          'action=customer.created',
          'action=api_key.created&limit=200',
        ];
        for (const caller of callersOfA()) {
          for (const filter of filters) {
            const response = await call(h.app, caller, 'GET', `/v1/audit-events?${filter}`);
            assert.equal(response.statusCode, 200, `${caller.name} ${filter}: ${response.body}`);
            assertNoLeak(response.body, leaksOfB, `${caller.name} ?${filter}`);
            const count = (response.json() as { items: unknown[] }).items.length;
            assert.equal(count > 0, filter.startsWith('action='), `${caller.name} ?${filter} found ${count}`);
          }
        }
      });

      it('covered every list and audit read in the OpenAPI document', () => {
        assert.ok(collectionReads.length >= 8, `only ${collectionReads.length} collection reads found`);
        assert.deepEqual([...covered].sort(), collectionReads.map((op) => op.id).sort());
      });
    });

    describe('roles and API key scopes', () => {
      async function createKey(scopes: string[]): Promise<{ id: string; caller: Caller }> {
        const response = await call(h.app, a.admin, 'POST', '/v1/api-keys', { name: 'scoped', scopes });
        assert.equal(response.statusCode, 201, response.body);
        const body = response.json() as { apiKey: { id: string }; key: string };
        return { id: body.apiKey.id, caller: keyCaller(`key ${scopes.join(',')}`, body.key) };
      }

      /** Runs refused requests and proves tenant A is exactly as it was. */
      async function assertRefusedWithoutChange(
        caller: Caller,
        requests: Array<[InjectOptions['method'], string, unknown?]>,
        status: number,
        code: ErrorCode,
      ): Promise<void> {
        const initial = await snapshot(h, a);
        for (const [method, url, body] of requests) {
          assertError(
            await call(h.app, caller, method, url, body),
            status,
            code,
            `${caller.name} ${method} ${url}`,
          );
        }
        assertUnchanged(initial, await snapshot(h, a), caller.name);
      }

      it('an agent can read customers but not create, change or delete them (403 FORBIDDEN)', async () => {
        const agent = operatorCaller('agent', a.tenant.clients.agent);
        assertOk(await call(h.app, agent, 'GET', `/v1/customers/${a.customerId}`), 'agent reads a customer');
        await assertRefusedWithoutChange(
          agent,
          [
            ['POST', '/v1/customers', { displayName: 'Made by an agent' }],
            ['PATCH', `/v1/customers/${a.customerId}`, { displayName: 'Renamed by an agent' }],
            ['DELETE', `/v1/customers/${a.customerId}`],
          ],
          403,
          'FORBIDDEN',
        );
      });

      it('an auditor can list API keys but not create or revoke them (403 FORBIDDEN)', async () => {
        const auditor = operatorCaller('auditor', a.tenant.clients.auditor);
        assertOk(await call(h.app, auditor, 'GET', '/v1/api-keys'), 'auditor lists keys');
        await assertRefusedWithoutChange(
          auditor,
          [
            ['POST', '/v1/api-keys', { name: 'by an auditor', scopes: ['audit:read'] }],
            ['DELETE', `/v1/api-keys/${a.apiKeyId}`],
          ],
          403,
          'FORBIDDEN',
        );
      });

      it('a supervisor can write customers but not read the audit log (403 FORBIDDEN)', async () => {
        const supervisor = operatorCaller('supervisor', a.tenant.clients.supervisor);
        assertOk(await call(h.app, supervisor, 'GET', '/v1/customers'), 'supervisor lists customers');
        for (const url of ['/v1/audit-events', '/v1/audit-events/export', '/v1/audit-events/verification']) {
          assertError(await call(h.app, supervisor, 'GET', url), 403, 'FORBIDDEN', `supervisor GET ${url}`);
        }
      });

      it('an API key is refused what its scopes do not cover (403 FORBIDDEN)', async () => {
        const { caller } = await createKey(['customers:read']);
        assertOk(await call(h.app, caller, 'GET', '/v1/customers'), 'in scope');
        await assertRefusedWithoutChange(
          caller,
          [
            ['POST', '/v1/customers', { displayName: 'Made by a read-only key' }],
            ['DELETE', `/v1/customers/${a.customerId}`],
            ['GET', '/v1/audit-events'],
            ['GET', '/v1/operators'],
            ['POST', '/v1/api-keys', { name: 'escalated', scopes: ['customers:read'] }],
            ['GET', '/v1/auth/session'],
          ],
          403,
          'FORBIDDEN',
        );
      });

      it('an API key cannot grant scopes it does not hold (403 FORBIDDEN)', async () => {
        const { caller } = await createKey(['api-keys:read', 'api-keys:write']);
        await assertRefusedWithoutChange(
          caller,
          [
            ['POST', '/v1/api-keys', { name: 'wider', scopes: ['audit:read'] }],
            ['POST', '/v1/api-keys', { name: 'wider', scopes: ['api-keys:read', 'customers:write'] }],
            ['POST', '/v1/api-keys', { name: 'wider', scopes: [...permissions] }],
          ],
          403,
          'FORBIDDEN',
        );
        const within = await call(h.app, caller, 'POST', '/v1/api-keys', {
          name: 'narrower',
          scopes: ['api-keys:read'],
        });
        assert.equal(within.statusCode, 201, `granting a held scope: ${within.body}`);
      });

      it('a revoked API key gets 401 UNAUTHENTICATED at once', async () => {
        const { id, caller } = await createKey(['customers:read', 'customers:write']);
        assertOk(await call(h.app, caller, 'GET', '/v1/customers'), 'before revocation');
        assertOk(await call(h.app, a.admin, 'DELETE', `/v1/api-keys/${id}`), 'revocation');
        await assertRefusedWithoutChange(
          caller,
          [
            ['GET', '/v1/customers'],
            ['GET', `/v1/customers/${a.customerId}`],
            ['POST', '/v1/customers', { displayName: 'Made by a revoked key' }],
          ],
          401,
          'UNAUTHENTICATED',
        );
        const response = await call(h.app, caller, 'GET', '/v1/customers');
        assert.match(String(response.headers['www-authenticate']), /^Bearer /);
      });
    });

    describe('CSRF on cookie-authenticated writes', () => {
      const covered = new Set<string>();
      let counter = 0;

      interface Write {
        url: string;
        body?: unknown;
      }

      /** A request per state-changing operation that would succeed with the right token. */
      const writes: Record<string, () => Promise<Write>> = {
        signOut: async () => ({ url: '/v1/auth/sign-out' }),
        changePassword: async () => ({
          url: '/v1/auth/password',
          body: { currentPassword: testPassword, newPassword: 'an entirely different passphrase 42' },
        }),
        updateTenant: async () => ({ url: '/v1/tenant', body: { name: 'Renamed through CSRF' } }),
        createOperator: async () => ({
          url: '/v1/operators',
          body: { email: `planted-${counter}@tenant-a.example`, displayName: 'Planted', role: 'admin' },
        }),
        updateOperator: async () => ({ url: `/v1/operators/${a.operatorId}`, body: { role: 'admin' } }),
        createApiKey: async () => ({
          url: '/v1/api-keys',
          body: { name: 'exfiltrated', scopes: [...permissions] },
        }),
        revokeApiKey: async () => {
          const created = await call(h.app, a.admin, 'POST', '/v1/api-keys', {
            name: 'to revoke',
            scopes: ['tenant:read'],
          });
          return { url: `/v1/api-keys/${(created.json() as { apiKey: { id: string } }).apiKey.id}` };
        },
        createCustomer: async () => ({ url: '/v1/customers', body: { displayName: 'Planted customer' } }),
        updateCustomer: async () => ({
          url: `/v1/customers/${await freshCustomer()}`,
          body: { displayName: 'Renamed' },
        }),
        deleteCustomer: async () => ({ url: `/v1/customers/${await freshCustomer()}` }),
      };

      /** A new admin of A with a session of its own, which sign-out or a password change may end. */
      async function freshAdmin(): Promise<OperatorClient> {
        const email = `csrf-${++counter}@tenant-a.example`;
        await h.createOperator(a.tenant, 'admin', email);
        return h.signIn(a.tenant, email);
      }

      async function freshCustomer(): Promise<string> {
        const response = await call(h.app, a.admin, 'POST', '/v1/customers', { displayName: 'CSRF target' });
        return (response.json() as { id: string }).id;
      }

      for (const op of cookieWrites) {
        it(`${op.method} ${op.path} without the right x-csrf-token -> 403 CSRF_FAILED, nothing changes`, async () => {
          const write = writes[op.id];
          assert.ok(write, `no CSRF request for ${op.id}: add one to writes`);
          const client = await freshAdmin();
          const withToken = operatorCaller('right token', client);
          const { url, body } = await write();
          const cookies = { hda_session: client.cookie };
          const badTokens: Array<[string, Record<string, string>]> = [
            ['no header', {}],
            ['an empty token', { 'x-csrf-token': '' }],
            ['a wrong token', { 'x-csrf-token': 'A'.repeat(client.csrfToken.length) }],
            ["another session's token", { 'x-csrf-token': a.tenant.clients.admin.csrfToken }],
          ];
          const initial = await snapshot(h, a);
          for (const [label, headers] of badTokens) {
            const caller: Caller = { name: label, auth: () => ({ cookies, headers }) };
            assertError(
              await call(h.app, caller, op.method, url, body),
              403,
              'CSRF_FAILED',
              `${op.id} with ${label}`,
            );
          }
          assertUnchanged(initial, await snapshot(h, a), `${op.id} without the right token`);
          assertOk(await call(h.app, withToken, 'GET', '/v1/auth/session'), 'the session survives');

          // The same request with the right token goes through, so the refusals were the token's doing.
          assertOk(await call(h.app, withToken, op.method, url, body), `${op.id} with the right token`);
          covered.add(op.id);
        });
      }

      it('covered every cookie-authenticated write in the OpenAPI document', () => {
        assert.ok(cookieWrites.length >= 10, `only ${cookieWrites.length} cookie writes found`);
        assert.deepEqual([...covered].sort(), cookieWrites.map((op) => op.id).sort());
      });
    });
  });
}
