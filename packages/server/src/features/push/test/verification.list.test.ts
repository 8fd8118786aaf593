// Tests of listing verifications: filters, order and paging.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { enrollTestDevice } from '../../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;

describe('listing verifications', () => {
  let h: TestHarness;
  let auth: { authorization: string };
  const ids: { alice: string[]; bob: string[] } = { alice: [], bob: [] };
  let aliceId: string;
  let startedBetween: string;

  before(async () => {
    h = await startTestHarness('sqlite');
    const tenant = await h.createTenant('list');
    auth = {
      authorization: `Bearer ${await h.createApiKey(tenant, ['verifications:read', 'verifications:write'])}`,
    };
    const customers: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
    for (const name of ['alice', 'bob'] as const) {
      const customer = await h.runtime.services.customers.create(tenant.id, { displayName: name }, system);
      const activation = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
      await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      customers[name] = customer.id;
    }
    aliceId = customers.alice;
    // alice, bob, alice, bob: each new start cancels the customer's pending one.
    for (let i = 0; i < 4; i++) {
      const name = i % 2 === 0 ? 'alice' : 'bob';
      if (i === 2) startedBetween = new Date(h.clock.now()).toISOString();
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: auth,
        payload: { customerId: customers[name], reason: `call ${i}` },
      });
      ids[name].push((response.json() as { id: string }).id);
      h.clock.advance(1000);
    }
  });
  after(async () => h?.close());

  const list = async (query: string) => {
    const response = await h.app.inject({ method: 'GET', url: `/v1/verifications?${query}`, headers: auth });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as {
      items: { id: string; status: string; code: string | null }[];
      nextCursor: string | null;
    };
  };

  it('lists newest first, and pages with a cursor without gaps or repeats', async () => {
    const first = await list('limit=3');
    assert.deepEqual(
      first.items.map((v) => v.id),
      [ids.bob[1], ids.alice[1], ids.bob[0]],
    );
    const second = await list(`limit=3&cursor=${first.nextCursor}`);
    assert.deepEqual(
      second.items.map((v) => v.id),
      [ids.alice[0]],
    );
    assert.equal(second.nextCursor, null);
  });

  it('filters by customer, status and time', async () => {
    assert.deepEqual(
      (await list(`customerId=${aliceId}`)).items.map((v) => v.id),
      [ids.alice[1], ids.alice[0]],
    );
    const cancelled = await list('status=cancelled');
    assert.deepEqual(cancelled.items.map((v) => v.id).sort(), [ids.alice[0], ids.bob[0]].sort());
    assert.ok(
      cancelled.items.every((v) => v.code === null),
      'no code is shown for a finished request',
    );
    const pending = await list('status=pending');
    assert.ok(pending.items.every((v) => /^\d{2}$/.test(v.code ?? '')));
    assert.deepEqual(
      (await list(`createdAfter=${encodeURIComponent(startedBetween)}`)).items.map((v) => v.id),
      [ids.bob[1], ids.alice[1]],
    );
    assert.deepEqual(
      (await list(`createdBefore=${encodeURIComponent(startedBetween)}`)).items.map((v) => v.id),
      [ids.bob[0], ids.alice[0]],
    );
  });
});
