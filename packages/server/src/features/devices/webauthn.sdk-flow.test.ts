/**
 * The device SDK's biometric approval against a real server over HTTP: `registerWebAuthn` and
 * `decide` with a credentials container. The container here wraps the software authenticator
 * and answers the way `navigator.credentials` does (binary options in, credential objects with
 * ArrayBuffers out, no `toJSON`), so the SDK's own encoding runs; the browser suite
 * (apps/authenticator/e2e) covers Chromium's authenticator.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  type CredentialsContainerLike,
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceClient,
  type DeviceSdkError,
} from '@helpdesk-auth/device-sdk';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import {
  createSoftAuthenticator,
  softCredentialsContainer as credentialsOf,
  fromBytes,
  type SoftCredentialRequests as Seen,
  type SoftAuthenticator,
} from '../../test-support/soft-authenticator.ts';

const system = { type: 'system', id: null } as const;

describe('device SDK: biometric approval against the server', () => {
  let h: TestHarness;
  let tenantId: string;
  let apiKey: string;
  let customerId: string;
  let client: DeviceClient;
  let authenticator: SoftAuthenticator;
  let seen: Seen;

  before(async () => {
    h = await startTestHarness('sqlite', {}, { listen: true, realClock: true });
    const tenant = await h.createTenant('sdk-bio');
    tenantId = tenant.id;
    apiKey = await h.createApiKey(tenant, ['verifications:read', 'verifications:write', 'tenant:write']);
  });
  after(async () => h?.close());

  beforeEach(async () => {
    customerId = (await h.runtime.services.customers.create(tenantId, { displayName: 'Dana' }, system)).id;
    const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
    client = createDeviceClient({ store: createMemoryKeyStore() });
    await client.enroll(activation.link, { label: 'Browser', platform: 'web' });
    const url = new URL(h.config.publicUrl);
    authenticator = createSoftAuthenticator({
      origin: url.origin,
      rpId: url.hostname,
      userVerification: true,
    });
    seen = { create: [], get: [] };
    await api('PATCH', '/v1/tenant', { verification: { requireUserVerification: false } });
  });

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${h.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  async function start() {
    const started = await api('POST', '/v1/verifications', { customerId, reason: 'Card replacement' });
    return { id: started.id as string, code: started.code as string };
  }

  it('registers the credential, remembers it, and approves with an assertion: assurance high', async () => {
    const record = await client.registerWebAuthn(credentialsOf(authenticator, seen));
    assert.equal(record.webauthn, true);
    const [creation] = seen.create;
    assert.ok(creation?.challenge instanceof Uint8Array, 'the challenge reaches the authenticator as bytes');
    assert.ok((creation.user as { id: unknown }).id instanceof Uint8Array, 'so does the user id');
    assert.deepEqual((await client.state())?.webauthn, {
      credentialId: authenticator.credentialId,
      rpId: new URL(h.config.publicUrl).hostname,
    });

    const { id, code } = await start();
    const request = await client.fetchRequest(id);
    const outcome = await client.decide(request, {
      decision: 'approve',
      code,
      credentials: credentialsOf(authenticator, seen),
    });
    assert.equal(outcome.status, 'approved');
    const [assertion] = seen.get;
    assert.ok(assertion, 'the authenticator was asked for an assertion');
    assert.equal(assertion.userVerification, 'required');
    assert.equal(assertion.rpId, new URL(h.config.publicUrl).hostname);
    assert.deepEqual(
      (assertion.allowCredentials as { id: Uint8Array }[]).map((c) => fromBytes(c.id)),
      [authenticator.credentialId],
    );
    const verification = await api('GET', `/v1/verifications/${id}`);
    assert.equal(verification.status, 'approved');
    assert.equal(verification.assurance, 'high');
  });

  it('refuses to decide with credentials before registering, and sends nothing', async () => {
    const { id, code } = await start();
    const request = await client.fetchRequest(id);
    await assert.rejects(
      client.decide(request, { decision: 'approve', code, credentials: credentialsOf(authenticator, seen) }),
      (error: DeviceSdkError) => error.code === 'WEBAUTHN_FAILED',
    );
    assert.equal(seen.get.length, 0);
    assert.equal((await api('GET', `/v1/verifications/${id}`)).status, 'pending');
  });

  it('reports a cancelled unlock as WEBAUTHN_CANCELLED and sends nothing', async () => {
    await client.registerWebAuthn(credentialsOf(authenticator, seen));
    const { id, code } = await start();
    const request = await client.fetchRequest(id);
    const cancelling: CredentialsContainerLike = {
      create: async () => null,
      get: async () => {
        throw Object.assign(new Error('The operation either timed out or was not allowed.'), {
          name: 'NotAllowedError',
        });
      },
    };
    await assert.rejects(
      client.decide(request, { decision: 'approve', code, credentials: cancelling }),
      (error: DeviceSdkError) => error.code === 'WEBAUTHN_CANCELLED',
    );
    assert.equal((await api('GET', `/v1/verifications/${id}`)).status, 'pending');
  });

  it('where the tenant requires biometrics, refuses a device-key approval but takes a device-key denial', async () => {
    await api('PATCH', '/v1/tenant', { verification: { requireUserVerification: true } });
    await client.registerWebAuthn(credentialsOf(authenticator, seen));
    const { id, code } = await start();
    const request = await client.fetchRequest(id);
    await assert.rejects(
      client.decide(request, { decision: 'approve', code }),
      (error: DeviceSdkError) => error.code === 'USER_VERIFICATION_REQUIRED' && error.status === 403,
    );
    assert.equal((await api('GET', `/v1/verifications/${id}`)).status, 'pending');
    const denied = await client.decide(request, { decision: 'deny' });
    assert.equal(denied.status, 'denied');
  });
});
