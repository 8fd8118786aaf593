/**
 * API keys and device keys are kept in memory for a short while (platform/row-cache.ts). These
 * tests try to use a key or device after its revocation, once it sits in the cache: in the
 * process that revoked it (refused at once), in another process without Redis (refused once the
 * configured bound has passed) and in another process with Redis (refused as soon as Redis
 * delivers the news, long before the bound).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDeviceClient, createMemoryKeyStore, type DeviceClient } from '@helpdesk-auth/device-sdk';
import { createEventHub } from '../../platform/live-events.ts';
import { createRowCache } from '../../platform/row-cache.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { redisSkip, testRedisUrl } from '../../test-support/redis.ts';

const system = { type: 'system', id: null } as const;

async function enrolledDevice(h: TestHarness, tenantId: string, baseUrl = h.baseUrl) {
  const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Jo' }, system);
  const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
  const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl });
  const state = await device.enroll(activation.code, { label: 'Jo phone', platform: 'cli' });
  return { device, deviceId: state.deviceId, customerId: customer.id };
}

/** The error code a device request fails with, or 'ok'. */
async function deviceOutcome(device: DeviceClient): Promise<string> {
  try {
    await device.pendingRequests();
    return 'ok';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? (error as Error).message);
  }
}

async function keyStatus(baseUrl: string, key: string): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/customers`, { headers: { authorization: `Bearer ${key}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('the row cache', () => {
  it('does not keep a read that was under way when the row was forgotten', async () => {
    const cache = createRowCache<string>(createEventHub(), 'test', { ttlMs: 60_000 });
    let finish: (value: string) => void = () => {};
    const reading = cache.get('k', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.forget('k');
    finish('old');
    assert.equal(await reading, 'old');
    assert.equal(await cache.get('k', async () => 'new'), 'new', 'the old read was not stored');
    cache.close();
  });

  it('forgets a row when another cache on the same hub (another process) forgets it', async () => {
    const hub = createEventHub();
    const here = createRowCache<string>(hub, 'test', { ttlMs: 60_000 });
    const there = createRowCache<string>(hub, 'test', { ttlMs: 60_000 });
    assert.equal(await here.get('k', async () => 'v1'), 'v1');
    assert.equal(await here.get('k', async () => 'v2'), 'v1', 'cached');
    there.forget('k');
    assert.equal(await here.get('k', async () => 'v3'), 'v3');
    there.forget();
    assert.equal(await here.get('k', async () => 'v4'), 'v4', 'forgetting everything forgets it too');
    here.close();
    there.close();
  });

  it('reads again once the bound has passed', async () => {
    const cache = createRowCache<string>(createEventHub(), 'test', { ttlMs: 20 });
    assert.equal(await cache.get('k', async () => 'v1'), 'v1');
    await sleep(40);
    assert.equal(await cache.get('k', async () => 'v2'), 'v2');
    cache.close();
  });
});

for (const kind of databaseKinds) {
  describe(`revocations with cached rows on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let admin: OperatorClient;
    let tenantId: string;

    before(async () => {
      // A bound far longer than the test: only forgetting can explain a refusal.
      h = await startTestHarness(kind, { rowCacheMaxAgeMs: 600_000 }, { listen: true, realClock: true });
      const tenant = await h.tenantWithOperators('cache');
      tenantId = tenant.id;
      admin = tenant.clients.admin;
    });
    after(() => h?.close());

    it('a revoked API key stops at once, though it was cached', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        ...admin.auth(),
        payload: { name: 'CRM', scopes: ['customers:read'] },
      });
      const { key, apiKey } = created.json();
      assert.equal(await keyStatus(h.baseUrl, key), 200);
      assert.equal(await keyStatus(h.baseUrl, key), 200);
      const revoked = await h.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${apiKey.id}`,
        ...admin.auth(),
      });
      assert.equal(revoked.statusCode, 200);
      assert.equal(await keyStatus(h.baseUrl, key), 401);
    });

    it('a revoked device is refused at once, though its key was cached', async () => {
      const { device, deviceId } = await enrolledDevice(h, tenantId);
      assert.equal(await deviceOutcome(device), 'ok');
      assert.equal(await deviceOutcome(device), 'ok');
      const revoked = await h.app.inject({
        method: 'DELETE',
        url: `/v1/devices/${deviceId}`,
        ...admin.auth(),
      });
      assert.equal(revoked.statusCode, 200);
      assert.equal(await deviceOutcome(device), 'DEVICE_REVOKED');
    });

    it("a removed customer's device is refused at once, though its key was cached", async () => {
      const { device, customerId } = await enrolledDevice(h, tenantId);
      assert.equal(await deviceOutcome(device), 'ok');
      await h.runtime.services.customers.remove(tenantId, customerId, system);
      assert.equal(await deviceOutcome(device), 'DEVICE_PROOF_INVALID');
    });
  });
}

describe('revocations seen by another process without Redis', { skip: await postgresSkip() }, () => {
  const bound = 300;
  let a: TestHarness;
  let b: TestHarness;
  let tenantId: string;

  before(async () => {
    const shared = { encryptionKey: randomBytes(32).toString('base64'), rowCacheMaxAgeMs: bound };
    b = await startTestHarness('postgres', shared, { listen: true, realClock: true });
    a = await startTestHarness(
      'postgres',
      { ...shared, databaseUrl: b.config.databaseUrl, publicUrl: b.config.publicUrl },
      { listen: true, realClock: true },
    );
    tenantId = (await a.createTenant('nohub')).id;
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('refuses a key and a device revoked on the other once the configured bound has passed', async () => {
    const key = await a.createApiKey({ id: tenantId, slug: 'nohub' }, ['customers:read']);
    const keyId = key.slice(4, 4 + 30);
    const { device, deviceId } = await enrolledDevice(a, tenantId, b.baseUrl);
    assert.equal(await keyStatus(b.baseUrl, key), 200);
    assert.equal(await deviceOutcome(device), 'ok');
    await a.runtime.services.apiKeys.revoke(tenantId, keyId, system);
    await a.runtime.services.devices.revoke(tenantId, deviceId, system);
    assert.equal(await keyStatus(a.baseUrl, key), 401, 'at once where it was revoked');
    await sleep(bound + 100);
    assert.equal(await keyStatus(b.baseUrl, key), 401);
    assert.equal(await deviceOutcome(device), 'DEVICE_REVOKED');
  });
});

describe('revocations seen by another process through Redis', {
  skip: (await postgresSkip()) || (await redisSkip()),
}, () => {
  let a: TestHarness;
  let b: TestHarness;
  let tenantId: string;

  before(async () => {
    // A bound far longer than the test: only the news through Redis can explain a refusal.
    const shared = {
      redisUrl: testRedisUrl,
      encryptionKey: randomBytes(32).toString('base64'),
      rowCacheMaxAgeMs: 600_000,
    };
    b = await startTestHarness('postgres', shared, { listen: true, realClock: true });
    a = await startTestHarness(
      'postgres',
      { ...shared, databaseUrl: b.config.databaseUrl, publicUrl: b.config.publicUrl },
      { listen: true, realClock: true },
    );
    tenantId = (await a.createTenant('hub')).id;
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('refuses a key and a device revoked on the other process as soon as Redis tells it', async () => {
    const key = await a.createApiKey({ id: tenantId, slug: 'hub' }, ['customers:read']);
    const keyId = key.slice(4, 4 + 30);
    const { device, deviceId } = await enrolledDevice(a, tenantId, b.baseUrl);
    assert.equal(await keyStatus(b.baseUrl, key), 200);
    assert.equal(await deviceOutcome(device), 'ok');
    await a.runtime.services.apiKeys.revoke(tenantId, keyId, system);
    await a.runtime.services.devices.revoke(tenantId, deviceId, system);
    let keyOnB = 200;
    for (let i = 0; i < 200 && keyOnB !== 401; i++) {
      await sleep(10);
      keyOnB = await keyStatus(b.baseUrl, key);
    }
    assert.equal(keyOnB, 401);
    let deviceOnB = 'ok';
    for (let i = 0; i < 200 && deviceOnB === 'ok'; i++) {
      await sleep(10);
      deviceOnB = await deviceOutcome(device);
    }
    assert.equal(deviceOnB, 'DEVICE_REVOKED');
  });
});
