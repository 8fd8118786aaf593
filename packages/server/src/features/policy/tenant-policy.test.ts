// Tests of the per-tenant verification policy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { enrollTestDevice } from '../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;

describe('per-tenant verification policy', () => {
  let h: TestHarness;
  let tenant: Awaited<ReturnType<TestHarness['tenantWithOperators']>>;

  before(async () => {
    h = await startTestHarness('sqlite');
    tenant = await h.tenantWithOperators('policy');
  });
  after(async () => h?.close());

  const patch = (client: 'admin' | 'agent', verification: Record<string, unknown>) =>
    h.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      ...tenant.clients[client].auth(),
      payload: { verification },
    });

  it('shows the defaults, and an admin changes the code length; new requests use it', async () => {
    const before = await h.app.inject({ method: 'GET', url: '/v1/tenant', ...tenant.clients.agent.auth() });
    assert.equal((before.json() as { verification: { codeLength: number } }).verification.codeLength, 2);

    const changed = await patch('admin', { codeLength: 4, expirySeconds: 90 });
    assert.equal(changed.statusCode, 200, changed.body);
    const policy = (changed.json() as { verification: Record<string, number> }).verification;
    assert.deepEqual(policy, {
      codeLength: 4,
      expirySeconds: 90,
      maxCodeAttempts: 3,
      pushRequestsPerWindow: 5,
      pushWindowSeconds: 600,
      requireUserVerification: false,
    });

    const customer = await h.runtime.services.customers.create(tenant.id, { displayName: 'Dora' }, system);
    const activation = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
    await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: activation.code,
      now: h.clock.now,
    });
    const started = await h.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      ...tenant.clients.agent.auth(),
      payload: { customerId: customer.id, reason: 'Lost card' },
    });
    const body = started.json() as { code: string; codeLength: number; createdAt: string; expiresAt: string };
    assert.match(body.code, /^\d{4}$/);
    assert.equal(body.codeLength, 4);
    assert.equal(Date.parse(body.expiresAt) - Date.parse(body.createdAt), 90_000);
  });

  it('refuses a policy that makes guessing too likely, or is out of range, and keeps the old one', async () => {
    const guessable = await patch('admin', { codeLength: 2, maxCodeAttempts: 10 });
    assert.equal(guessable.statusCode, 400);
    assert.match((guessable.json() as { error: { message: string } }).error.message, /guess/i);
    assert.equal((await patch('admin', { codeLength: 7 })).statusCode, 400);
    assert.equal((await patch('admin', { codelength: 3 })).statusCode, 400);
    const now = await h.app.inject({ method: 'GET', url: '/v1/tenant', ...tenant.clients.admin.auth() });
    assert.equal((now.json() as { verification: { codeLength: number } }).verification.codeLength, 4);
  });

  it('is not for agents', async () => {
    const response = await patch('agent', { codeLength: 6 });
    assert.equal(response.statusCode, 403);
  });
});
