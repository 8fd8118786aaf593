// Identical requests sent at once to every create, delete and revocation route, on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultVerificationPolicy } from '@helpdesk-auth/core';
import { cliActor } from '../../platform/audit-log.ts';
import { decryptSecret } from '../../platform/secrets.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { type IssuerDiscovery, startIssuerDiscovery } from '../../test-support/stand-ins/issuer-discovery.ts';
import { enrollTestDevice } from '../../test-support/test-device.ts';

/**
 * Identical requests sent at once, as a double-clicking user or a retrying integration sends
 * them. Each create answers once with success and otherwise with the conflict code the route
 * documents, never a 500; each delete or revocation changes the object once and is audited once,
 * and the other requests get what an already deleted (or revoked) object gets. On PostgreSQL the
 * requests run on separate pooled connections, so their transactions truly overlap.
 */
const n = 8;

interface Answer {
  statusCode: number;
  body: string;
  json(): unknown;
}

/** "201", "409 EXTERNAL_ID_TAKEN", ...: one entry per answer, sorted. */
function outcomes(responses: Answer[]): string[] {
  return responses
    .map((r) => {
      if (r.statusCode < 300) return String(r.statusCode);
      const body = r.json() as { error?: { code: string }; code?: string; scimType?: string };
      const code = body.error?.code ?? body.code;
      return [r.statusCode, code, body.scimType].filter(Boolean).join(' ');
    })
    .sort();
}

const expect = (first: string, rest: string) => [first, ...Array(n - 1).fill(rest)].sort();

for (const kind of databaseKinds) {
  describe(`concurrent identical requests on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenant: TestTenant;
    let admin: OperatorClient;

    // The provider a single sign-on configuration names must answer its discovery document.
    let discovery: IssuerDiscovery;

    before(async () => {
      h = await startTestHarness(kind);
      const t = await h.tenantWithOperators('races');
      tenant = t;
      admin = t.clients.admin;
      discovery = await startIssuerDiscovery();
    });
    after(async () => {
      await discovery?.close();
      await h?.close();
    });

    const call = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, ...admin.auth(), ...(payload ? { payload } : {}) });
    const all = (send: () => Promise<Answer>) => Promise.all(Array.from({ length: n }, send));
    const audited = async (action: string, targetId?: string) => {
      let query = h.runtime.database.db
        .selectFrom('audit_events')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('action', '=', action);
      if (targetId) query = query.where('target_id', '=', targetId);
      return (await query.execute()).length;
    };

    describe('creates', () => {
      it('POST /v1/customers with one external id: one 201, the rest EXTERNAL_ID_TAKEN', async () => {
        // A few rounds: how the requests interleave varies, and any round may be the one that races.
        for (let round = 0; round < 3; round++) {
          const payload = { displayName: 'Ann', externalId: `crm-${round}` };
          const answers = await all(() => call('POST', '/v1/customers', payload));
          assert.deepEqual(outcomes(answers), expect('201', '409 EXTERNAL_ID_TAKEN'));
        }
      });

      it('POST /v1/operators with one e-mail address: one 201, the rest EMAIL_TAKEN', async () => {
        const answers = await all(() =>
          call('POST', '/v1/operators', {
            email: 'twice@races.example',
            displayName: 'Twice',
            role: 'agent',
          }),
        );
        assert.deepEqual(outcomes(answers), expect('201', '409 EMAIL_TAKEN'));
      });

      it('PUT /v1/policy from one version: one 200, the rest POLICY_VERSION_CONFLICT', async () => {
        const policy = { ...structuredClone(defaultVerificationPolicy), failuresPerHour: 77 };
        const answers = await all(() => call('PUT', '/v1/policy', { expectedVersion: 0, policy }));
        assert.deepEqual(outcomes(answers), expect('200', '409 POLICY_VERSION_CONFLICT'));
        assert.equal(await audited('policy.updated'), 1);
      });

      it('PATCH /v1/tenant/sso, the first configuration: configured once, never a 500', async () => {
        const body = {
          issuer: discovery.issuer('races'),
          clientId: 'hd',
          clientSecret: 'races-client-secret',
        };
        const answers = await all(() => call('PATCH', '/v1/tenant/sso', body));
        // A request that comes after the first commit finds the configuration and updates it
        // (200); one that raced the first insert is told to reload (409 CONFLICT).
        for (const outcome of outcomes(answers))
          assert.ok(['200', '409 CONFLICT'].includes(outcome), outcome);
        assert.ok(outcomes(answers).includes('200'));
        assert.equal(await audited('sso.configured'), 1);
      });

      it('PUT /v1/keycloak-channel: of tenants claiming one realm at once, one gets it, the rest CONFLICT', async () => {
        const keys = await Promise.all(
          Array.from({ length: n }, async (_, i) =>
            h.createApiKey(await h.createTenant(`realm-${i}`), ['oidc-clients:write']),
          ),
        );
        const body = { baseUrl: 'https://sso.shared.example', realm: 'shared', requesterName: 'Support' };
        const answers = await Promise.all(
          keys.map((key) =>
            h.app.inject({
              method: 'PUT',
              url: '/v1/keycloak-channel',
              headers: { authorization: `Bearer ${key}` },
              payload: body,
            }),
          ),
        );
        assert.deepEqual(outcomes(answers), expect('200', '409 CONFLICT'));
      });

      describe('SCIM', () => {
        let key: string;
        before(async () => {
          key = await h.createApiKey(tenant, ['scim']);
        });
        const scim = (method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
          h.app.inject({
            method,
            url: `/scim/v2${url}`,
            headers: {
              authorization: `Bearer ${key}`,
              ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
            },
            ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
          });
        const user = (userName: string, displayName = 'Dana') => ({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          displayName,
        });

        it('POST /scim/v2/Users with one userName: one 201, the rest 409 uniqueness in SCIM form', async () => {
          for (let round = 0; round < 3; round++) {
            const answers = await all(() => scim('POST', '/Users', user(`dana-${round}@races.example`)));
            assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, ...Array(n - 1).fill(409)]);
            for (const answer of answers.filter((a) => a.statusCode === 409)) {
              const body = answer.json() as { schemas: string[]; scimType: string; status: string };
              assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
              assert.equal(body.scimType, 'uniqueness');
              assert.equal(body.status, '409');
            }
          }
        });

        it('PUT /scim/v2/Users/{id} racing its DELETE: the delete wins or loses, never a 500', async () => {
          for (let round = 0; round < 6; round++) {
            const created = await scim('POST', '/Users', user(`erin-${round}@races.example`));
            assert.equal(created.statusCode, 201, created.body);
            const { id } = created.json() as { id: string };
            const answers = await Promise.all([
              scim('DELETE', `/Users/${id}`),
              ...Array.from({ length: n - 1 }, (_, i) =>
                scim('PUT', `/Users/${id}`, user(`erin-${round}@races.example`, `Erin ${i}`)),
              ),
            ]);
            assert.equal(answers[0]!.statusCode, 204, answers[0]!.body);
            for (const answer of answers.slice(1))
              assert.ok([200, 404].includes(answer.statusCode), `${answer.statusCode} ${answer.body}`);
            const left = await h.runtime.database.db
              .selectFrom('scim_users')
              .select('customer_id')
              .where('customer_id', '=', id)
              .executeTakeFirst();
            assert.equal(left, undefined, 'no SCIM row outlives its customer');
          }
        });

        it('DELETE /scim/v2/Users/{id}: one 204, the rest 404, one audit entry', async () => {
          const created = await scim('POST', '/Users', user('gone@races.example'));
          const { id } = created.json() as { id: string };
          const answers = await all(() => scim('DELETE', `/Users/${id}`));
          assert.deepEqual(answers.map((a) => a.statusCode).sort(), [204, ...Array(n - 1).fill(404)]);
          assert.equal(await audited('customer.deleted', id), 1);
        });
      });
    });

    describe('deletes and revocations', () => {
      it('DELETE /v1/customers/{id}: one 204, the rest 404 NOT_FOUND, one customer.deleted', async () => {
        const created = await call('POST', '/v1/customers', { displayName: 'Short Lived' });
        const { id } = created.json() as { id: string };
        const answers = await all(() => call('DELETE', `/v1/customers/${id}`));
        assert.deepEqual(outcomes(answers), expect('204', '404 NOT_FOUND'));
        assert.equal(await audited('customer.deleted', id), 1);
      });

      it('DELETE /v1/webhooks/{id}: one 204, the rest 404 NOT_FOUND, one webhook.deleted', async () => {
        const created = await call('POST', '/v1/webhooks', {
          url: 'https://hooks.example.com/races',
          events: ['device.enrolled'],
        });
        assert.equal(created.statusCode, 201, created.body);
        const { id } = (created.json() as { endpoint: { id: string } }).endpoint;
        const answers = await all(() => call('DELETE', `/v1/webhooks/${id}`));
        assert.deepEqual(outcomes(answers), expect('204', '404 NOT_FOUND'));
        assert.equal(await audited('webhook.deleted', id), 1);
      });

      it('DELETE /v1/oidc-clients/{id}: every answer as for a revoked client, one oidc_client.revoked', async () => {
        const created = await call('POST', '/v1/oidc-clients', {
          name: 'Races desk',
          tokenEndpointAuthMethod: 'client_secret_basic',
          deliveryMode: 'poll',
        });
        assert.equal(created.statusCode, 201, created.body);
        const { id } = (created.json() as { client: { id: string } }).client;
        const answers = await all(() => call('DELETE', `/v1/oidc-clients/${id}`));
        assert.deepEqual(outcomes(answers), expect('200', '200'));
        for (const answer of answers) assert.equal((answer.json() as { status: string }).status, 'revoked');
        assert.equal(await audited('oidc_client.revoked', id), 1);
      });

      it('POST /v1/oidc-clients/{id}/secret racing its revocation: no secret and no rotation after the revoke', async () => {
        const created = await call('POST', '/v1/oidc-clients', {
          name: 'Rotating desk',
          tokenEndpointAuthMethod: 'client_secret_basic',
          deliveryMode: 'poll',
        });
        assert.equal(created.statusCode, 201, created.body);
        const { id } = (created.json() as { client: { id: string } }).client;
        const answers = await Promise.all([
          ...Array.from({ length: n - 1 }, () => call('POST', `/v1/oidc-clients/${id}/secret`)),
          call('DELETE', `/v1/oidc-clients/${id}`),
        ]);
        for (const answer of answers.slice(0, -1)) {
          assert.ok([200, 409].includes(answer.statusCode), answer.body);
        }
        assert.equal(answers.at(-1)!.statusCode, 200, answers.at(-1)!.body);
        const row = await h.runtime.database.db
          .selectFrom('oidc_clients')
          .select(['status', 'secret_hash'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { status: 'revoked', secret_hash: null });
        const entries = await h.runtime.database.db
          .selectFrom('audit_events')
          .select(['action', 'seq'])
          .where('tenant_id', '=', tenant.id)
          .where('target_id', '=', id)
          .orderBy('seq')
          .execute();
        assert.equal(entries.at(-1)!.action, 'oidc_client.revoked', JSON.stringify(entries));
        const rotations = entries.filter((e) => e.action === 'oidc_client.secret_rotated').length;
        assert.equal(rotations, answers.filter((a) => a.statusCode === 200).length - 1);
      });

      describe('webhook secret rotation', () => {
        async function endpoint(): Promise<string> {
          const created = await call('POST', '/v1/webhooks', {
            url: 'https://hooks.example.com/rotations',
            events: ['device.enrolled'],
          });
          assert.equal(created.statusCode, 201, created.body);
          return (created.json() as { endpoint: { id: string } }).endpoint.id;
        }
        async function stored(id: string) {
          const row = await h.runtime.database.db
            .selectFrom('webhook_endpoints')
            .select(['secret_sealed', 'previous_secret_sealed'])
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          const key = h.runtime.encryptionKey;
          return {
            current: decryptSecret(key, row.secret_sealed, `webhook_endpoint:${id}`),
            previous: row.previous_secret_sealed
              ? decryptSecret(key, row.previous_secret_sealed, `webhook_endpoint:${id}:previous`)
              : null,
          };
        }

        it('POST /v1/webhooks/{id}/rotate-secret at once: each 200 is one rotation in the chain, the rest CONFLICT', async () => {
          const id = await endpoint();
          const original = (await stored(id)).current;
          const answers = await all(() => call('POST', `/v1/webhooks/${id}/rotate-secret`));
          for (const answer of answers) assert.ok([200, 409].includes(answer.statusCode), answer.body);
          const issued = answers
            .filter((a) => a.statusCode === 200)
            .map((a) => (a.json() as { secret: string }).secret);
          assert.ok(issued.length >= 1);
          assert.equal(await audited('webhook.secret_rotated', id), issued.length);
          // The secret in force is one that was handed out, and the one before it (still signing
          // for the overlap) is the one it replaced: the original, or another handed-out secret.
          const now = await stored(id);
          assert.ok(issued.includes(now.current));
          if (issued.length === 1) assert.equal(now.previous, original);
          else
            assert.ok(issued.includes(now.previous as string), 'a rotation overwrote another it never saw');
        });

        it('POST /v1/webhooks/{id}/rotate-secret racing its DELETE: no rotation is audited after the deletion', async () => {
          const id = await endpoint();
          const answers = await Promise.all([
            ...Array.from({ length: n - 1 }, () => call('POST', `/v1/webhooks/${id}/rotate-secret`)),
            call('DELETE', `/v1/webhooks/${id}`),
          ]);
          for (const answer of answers.slice(0, -1)) {
            assert.ok([200, 404, 409].includes(answer.statusCode), answer.body);
          }
          assert.equal(answers.at(-1)!.statusCode, 204, answers.at(-1)!.body);
          const entries = await h.runtime.database.db
            .selectFrom('audit_events')
            .select(['action', 'seq'])
            .where('tenant_id', '=', tenant.id)
            .where('target_id', '=', id)
            .orderBy('seq')
            .execute();
          assert.equal(entries.at(-1)!.action, 'webhook.deleted', JSON.stringify(entries));
          const rotations = entries.filter((e) => e.action === 'webhook.secret_rotated').length;
          assert.equal(rotations, answers.filter((a) => a.statusCode === 200).length);
        });
      });

      it('DELETE /v1/api-keys/{id}: every answer shows the one revocation time, one api_key.revoked', async () => {
        const created = await call('POST', '/v1/api-keys', { name: 'Races', scopes: ['customers:read'] });
        assert.equal(created.statusCode, 201, created.body);
        const { id } = (created.json() as { apiKey: { id: string } }).apiKey;
        const answers = await all(() => call('DELETE', `/v1/api-keys/${id}`));
        assert.deepEqual(outcomes(answers), expect('200', '200'));
        const times = new Set(answers.map((a) => (a.json() as { revokedAt: string }).revokedAt));
        assert.equal(times.size, 1);
        assert.equal(await audited('api_key.revoked', id), 1);
      });

      it('PATCH /v1/operators/{id} disabling: every answer shows it disabled, one audit entry', async () => {
        const created = await call('POST', '/v1/operators', {
          email: 'leaver@races.example',
          displayName: 'Leaver',
          role: 'agent',
        });
        const { id } = (created.json() as { operator: { id: string } }).operator;
        const answers = await all(() => call('PATCH', `/v1/operators/${id}`, { status: 'disabled' }));
        assert.deepEqual(outcomes(answers), expect('200', '200'));
        for (const answer of answers) assert.equal((answer.json() as { status: string }).status, 'disabled');
        assert.equal(await audited('operator.updated', id), 1);
      });

      it('DELETE /v1/tenant/sso: one 204, the rest 404 NOT_FOUND, one sso.removed', async () => {
        const configured = await call('PATCH', '/v1/tenant/sso', {
          issuer: discovery.issuer('races'),
          clientId: 'hd',
          clientSecret: 'races-client-secret',
        });
        assert.equal(configured.statusCode, 200, configured.body);
        const answers = await all(() => call('DELETE', '/v1/tenant/sso'));
        assert.deepEqual(outcomes(answers), expect('204', '404 NOT_FOUND'));
        assert.equal(await audited('sso.removed'), 1);
      });

      it('DELETE /v1/devices/{id}: every answer shows it revoked, one device.revoked', async () => {
        const customer = await call('POST', '/v1/customers', { displayName: 'Device Owner' });
        const customerId = (customer.json() as { id: string }).id;
        const activation = await h.runtime.services.devices.createActivation(tenant.id, customerId, cliActor);
        const device = await enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode: activation.code,
          now: h.clock.now,
        });
        const answers = await all(() => call('DELETE', `/v1/devices/${device.id}`));
        assert.deepEqual(outcomes(answers), expect('200', '200'));
        for (const answer of answers) assert.equal((answer.json() as { status: string }).status, 'revoked');
        assert.equal(await audited('device.revoked', device.id), 1);
      });

      it('POST /v1/auth/sign-out of one session: 204, or 401 once it is gone; one operator.signed_out', async () => {
        const operator = await h.createOperator(tenant, 'agent', 'signing-out@races.example');
        const agent = await h.signIn(tenant, operator.email);
        const before = await audited('operator.signed_out');
        const answers = await all(() =>
          h.app.inject({ method: 'POST', url: '/v1/auth/sign-out', ...agent.auth() }),
        );
        // A request whose authentication runs after another's sign-out committed finds no session
        // (401); every request that got through ended the same session, and only one is audited.
        const statuses = answers.map((a) => a.statusCode);
        assert.ok(statuses.includes(204), statuses.join(' '));
        for (const status of statuses) assert.ok(status === 204 || status === 401, statuses.join(' '));
        assert.equal((await audited('operator.signed_out')) - before, 1);
      });

      it('DELETE /v1/keycloak-channel: one 204, the rest 404 NOT_FOUND, one keycloak_channel.removed', async () => {
        const configured = await call('PUT', '/v1/keycloak-channel', {
          baseUrl: 'https://sso.gone.example',
          realm: 'gone',
          requesterName: 'Support',
        });
        assert.equal(configured.statusCode, 200, configured.body);
        const answers = await all(() => call('DELETE', '/v1/keycloak-channel'));
        assert.deepEqual(outcomes(answers), expect('204', '404 NOT_FOUND'));
        assert.equal(await audited('keycloak_channel.removed'), 1);
      });
    });
  });
}
