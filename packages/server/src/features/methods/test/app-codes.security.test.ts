/**
 * App codes on each database: a device enrolled with the device SDK shows an offline code that the
 * agent's check accepts once and never again, parallel checks of one code included; wrong codes
 * reach the method's own cap and count toward the customer's hourly failures; a revoked device's
 * codes fail; another tenant cannot check or see anything; the secret is issued once, sealed at
 * rest, and a policy from before app codes lists the method turned off.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultVerificationPolicy } from '@helpdesk-auth/core';
import {
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceClient,
  type DeviceKeyStore,
  isDeviceSdkError,
  offlineCodeAt,
} from '@helpdesk-auth/device-sdk';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { seedFromBase32, totpCodeForStep, totpStep } from '../totp-codes.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const system = { type: 'system', id: null } as const;
const minute = 60_000;

for (const kind of databaseKinds) {
  describe(`app codes on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let tenantId: string;
    let apiKey: string;
    let otherKey: string;
    let customerId: string;
    let store: DeviceKeyStore;
    let device: DeviceClient;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true });
      const tenant = await h.createTenant('acme');
      tenantId = tenant.id;
      apiKey = await h.createApiKey(tenant, [
        'verifications:read',
        'verifications:write',
        'customers:read',
        'customers:write',
        'policy:read',
        'policy:write',
        'devices:read',
      ]);
      otherKey = await h.createApiKey(await h.createTenant('globex'), [
        'verifications:read',
        'verifications:write',
        'customers:read',
      ]);
    });
    after(async () => h?.close());

    beforeEach(async () => {
      // A fresh hour: failures of the previous test no longer count.
      h.clock.advance(2 * 60 * minute);
      customerId = (await h.runtime.services.customers.create(tenantId, { displayName: 'Dana' }, system)).id;
      const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      store = createMemoryKeyStore();
      device = createDeviceClient({ store, now: h.clock.now });
      await device.enroll(activation.link, { label: 'Phone', platform: 'web' });
    });

    async function call(method: string, path: string, body?: unknown, key = apiKey) {
      const response = await fetch(`${h.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
    }

    const verify = (code: string, key = apiKey, customer = customerId) =>
      call('POST', `/v1/customers/${customer}/app-code/verify`, { code, action: 'verify_caller' }, key);

    async function appCodeOption(action = 'verify_caller') {
      const { body } = await call('GET', `/v1/customers/${customerId}/methods?action=${action}`);
      return body.methods.find((m: Json) => m.method === 'app_code');
    }

    /** A six-digit code that is none of the device's codes in the accepted window. */
    async function wrongCode(): Promise<string> {
      const window = new Set<string>();
      const secret = (await store.loadOfflineSecret!())!;
      for (const offset of [-1, 0, 1]) {
        window.add((await offlineCodeAt(secret, h.clock.now() + offset * 30_000)).code);
      }
      for (let n = 0; ; n++) {
        const candidate = String(n).padStart(6, '0');
        if (!window.has(candidate)) return candidate;
      }
    }

    it('the code the SDK computes offline verifies once, and the same code never again', async () => {
      assert.equal((await appCodeOption()).available, true);
      const { code, secondsLeft, period } = await device.offlineCode();
      assert.match(code, /^[0-9]{6}$/);
      assert.equal(period, 30);
      assert.ok(secondsLeft >= 1 && secondsLeft <= 30);

      const first = await verify(code);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(
        { method: first.body.method, result: first.body.result, assurance: first.body.assurance },
        { method: 'app_code', result: 'passed', assurance: 'substantial' },
      );
      const again = await verify(code);
      assert.equal(again.status, 422);
      assert.equal(again.body.error.code, 'CODE_REPLAYED');

      // An earlier step's code is a replay too, even though it is inside the window.
      const previous = (await offlineCodeAt((await store.loadOfflineSecret!())!, h.clock.now() - 30_000))
        .code;
      if (previous !== code) assert.equal((await verify(previous)).body.error.code, 'CODE_REPLAYED');

      // The next step's code is accepted, once.
      h.clock.advance(30_000);
      const next = (await device.offlineCode()).code;
      assert.equal((await verify(next)).status, 200);

      // Outside the window (two steps old) the code is simply wrong.
      h.clock.advance(90_000);
      const stale = (await offlineCodeAt((await store.loadOfflineSecret!())!, h.clock.now() - 60_000)).code;
      const current = (await device.offlineCode()).code;
      if (stale !== current) assert.equal((await verify(stale)).body.error.code, 'WRONG_CODE');

      const actions = (
        await h.runtime.database.db
          .selectFrom('audit_events')
          .select('action')
          .where('tenant_id', '=', tenantId)
          .where('action', 'like', 'app_code.%')
          .execute()
      ).map((r) => r.action);
      assert.ok(actions.includes('app_code.verified'));
      assert.ok(actions.includes('app_code.replay_refused'));
    });

    it('agrees with RFC 6238 as the server computes it (the same seed, step and digits)', async () => {
      const secret = (await store.loadOfflineSecret!())!;
      const expected = totpCodeForStep(seedFromBase32(secret.secret), totpStep(h.clock.now()));
      assert.equal((await device.offlineCode()).code, expected);
      // RFC 6238 appendix B, SHA-1, 59 s: 94287082 in eight digits, 287082 in six.
      const rfcSecret = {
        secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
        algorithm: 'SHA1',
        digits: 8,
        period: 30,
      } as const;
      assert.equal((await offlineCodeAt(rfcSecret, 59_000)).code, '94287082');
      assert.equal((await offlineCodeAt(rfcSecret, 1_111_111_109_000)).code, '07081804');
      assert.equal((await offlineCodeAt(rfcSecret, 20_000_000_000_000)).code, '65353130');
    });

    it('parallel checks of one code: exactly one succeeds', async () => {
      const { code } = await device.offlineCode();
      // As many as the method's cap, so no check is refused before it reaches the code.
      const parallel = defaultVerificationPolicy.appCode.maxFailures;
      const results = await Promise.all(Array.from({ length: parallel }, () => verify(code)));
      const passed = results.filter((r) => r.status === 200);
      assert.equal(passed.length, 1, JSON.stringify(results.map((r) => r.body?.error?.code ?? r.status)));
      for (const r of results.filter((r) => r.status !== 200))
        assert.equal(r.body.error.code, 'CODE_REPLAYED');
    });

    it("wrong codes reach the method's own cap, even in parallel, and count toward the customer's failures", async () => {
      const cap = defaultVerificationPolicy.appCode.maxFailures;
      const wrong = await wrongCode();
      // A burst: each try is reserved before the check, so parallel guesses never pass the cap
      // (when they all reserve at once, they may all be refused: the safe side).
      const burst = await Promise.all(Array.from({ length: cap + 3 }, () => verify(wrong)));
      for (const r of burst) {
        assert.ok(
          (r.status === 422 && r.body.error.code === 'WRONG_CODE') ||
            (r.status === 429 && r.body.error.code === 'TOO_MANY_FAILURES'),
          JSON.stringify(r.body),
        );
      }
      let wrongs = burst.filter((r) => r.status === 422).length;
      assert.ok(wrongs <= cap, `at most ${cap} wrong codes are checked, got ${wrongs}`);
      // Then one at a time until the cap bites: exactly `cap` wrong codes were ever checked.
      for (;;) {
        const r = await verify(wrong);
        if (r.status === 429) {
          assert.equal(r.body.error.code, 'TOO_MANY_FAILURES');
          break;
        }
        assert.equal(r.body.error.code, 'WRONG_CODE');
        wrongs++;
        assert.ok(wrongs <= cap);
      }
      assert.equal(wrongs, cap);

      // The right code is refused too while the cap holds: guessing cannot go on.
      const right = await verify((await device.offlineCode()).code);
      assert.equal(right.status, 429);
      const option = await appCodeOption();
      assert.equal(option.available, false);
      assert.equal(option.reasons[0].code, 'APP_CODE_FAILURES');
      assert.ok(option.reasons[0].until, 'the cap lifts by itself when the hour passes');

      const locks = await call('GET', `/v1/customers/${customerId}/locks`);
      assert.equal(
        locks.body.failuresLastHour,
        cap,
        'each wrong app code is a failed attempt of the customer',
      );

      // An hour later the cap has lifted.
      h.clock.advance(61 * minute);
      assert.equal((await verify((await device.offlineCode()).code)).status, 200);
    });

    it("a revoked device's codes fail, and its secret is gone", async () => {
      const { code } = await device.offlineCode();
      const state = (await device.state())!;
      await h.runtime.services.devices.revoke(tenantId, state.deviceId, system);
      const result = await verify(code);
      assert.equal(result.status, 409);
      assert.equal(result.body.error.code, 'METHOD_UNAVAILABLE');
      assert.equal((await appCodeOption()).reasons[0].code, 'NOT_ENROLLED');
      const row = await h.runtime.database.db
        .selectFrom('device_offline_secrets')
        .select('device_id')
        .where('device_id', '=', state.deviceId)
        .executeTakeFirst();
      assert.equal(row, undefined);
    });

    it("with a second device, a revoked device's code fails while the other's works", async () => {
      const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      const second = createDeviceClient({ store: createMemoryKeyStore(), now: h.clock.now });
      await second.enroll(activation.link, { label: 'Tablet', platform: 'web' });
      await h.runtime.services.devices.revoke(tenantId, (await device.state())!.deviceId, system);
      const revokedCode = (await device.offlineCode()).code;
      const liveCode = (await second.offlineCode()).code;
      if (revokedCode !== liveCode) {
        assert.equal((await verify(revokedCode)).body.error.code, 'WRONG_CODE');
      }
      assert.equal((await verify(liveCode)).status, 200);
    });

    it("deleting the customer deletes the devices' secrets", async () => {
      const state = (await device.state())!;
      await h.runtime.services.customers.remove(tenantId, customerId, system);
      const rows = await h.runtime.database.db
        .selectFrom('device_offline_secrets')
        .select('device_id')
        .where('customer_id', '=', customerId)
        .execute();
      assert.deepEqual(rows, []);
      assert.equal((await verify((await device.offlineCode()).code)).status, 404);
      assert.ok(state.deviceId);
    });

    it('another tenant can neither check a code nor see the method', async () => {
      const { code } = await device.offlineCode();
      const cross = await verify(code, otherKey);
      assert.equal(cross.status, 404);
      assert.equal(cross.body.error.code, 'NOT_FOUND');
      const methods = await call('GET', `/v1/customers/${customerId}/methods`, undefined, otherKey);
      assert.equal(methods.status, 404);
      // The code was not used up by the refused attempt.
      assert.equal((await verify(code)).status, 200);
    });

    it('bad input is a clear 400, never a 500', async () => {
      for (const body of [
        { code: '12345', action: 'verify_caller' },
        { code: 'abcdef', action: 'verify_caller' },
        { code: '123456' },
        { code: '123456', action: 'verify_caller', extra: 1 },
        { code: 123456, action: 'verify_caller' },
      ]) {
        const result = await call('POST', `/v1/customers/${customerId}/app-code/verify`, body);
        assert.equal(result.status, 400, JSON.stringify(body));
        assert.equal(result.body.error.code, 'VALIDATION_FAILED');
      }
    });

    it('the secret is issued once: sealed at rest, never in the device record, a second request refused', async () => {
      const state = (await device.state())!;
      const secret = (await store.loadOfflineSecret!())!;
      const row = await h.runtime.database.db
        .selectFrom('device_offline_secrets')
        .selectAll()
        .where('device_id', '=', state.deviceId)
        .executeTakeFirstOrThrow();
      assert.ok(row.secret_sealed.startsWith('v1.'));
      assert.ok(!row.secret_sealed.includes(secret.secret));
      const record = await call('GET', `/v1/devices/${state.deviceId}`);
      assert.equal(record.status, 200);
      assert.ok(!JSON.stringify(record.body).includes(secret.secret));
      await assert.rejects(device.obtainOfflineSecret(), (error: unknown) => {
        assert.ok(isDeviceSdkError(error));
        assert.equal(error.code, 'OFFLINE_SECRET_ISSUED');
        assert.equal(error.status, 409);
        return true;
      });
      assert.deepEqual(await store.loadOfflineSecret!(), secret, 'the stored secret is kept');
      const logged = h.logLines.join('\n');
      assert.ok(!logged.includes(secret.secret), 'the secret is never logged');
    });

    it('a device enrolled before app codes obtains its secret once, even with parallel requests', async () => {
      const state = (await device.state())!;
      await h.runtime.database.db
        .deleteFrom('device_offline_secrets')
        .where('device_id', '=', state.deviceId)
        .execute();
      const legacy = createDeviceClient({ store, now: h.clock.now });
      assert.equal((await appCodeOption()).reasons[0].code, 'NOT_ENROLLED');
      const outcomes = await Promise.allSettled([legacy.obtainOfflineSecret(), legacy.obtainOfflineSecret()]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      assert.equal(refused.reason.code, 'OFFLINE_SECRET_ISSUED');
      assert.equal((await appCodeOption()).available, true);
      assert.equal((await verify((await legacy.offlineCode()).code)).status, 200);
      const issued = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('tenant_id', '=', tenantId)
        .where('action', '=', 'device.offline_secret_issued')
        .where('target_id', '=', state.deviceId)
        .execute();
      assert.equal(issued.length, 1);
    });

    it('the policy rules it: turned off it is refused; a policy from before app codes lists it off', async () => {
      const current = await call('GET', '/v1/policy');
      const policy = structuredClone(current.body.policy);
      for (const m of policy.methods) if (m.method === 'app_code') m.enabled = false;
      const saved = await call('PUT', '/v1/policy', { policy, expectedVersion: current.body.version });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      const refused = await verify((await device.offlineCode()).code);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.reason ?? refused.body.error.details?.reason, 'METHOD_DISABLED');

      // A client that knows nothing of app codes saves a policy without them.
      const old = structuredClone(policy);
      old.methods = old.methods.filter((m: Json) => m.method !== 'app_code');
      delete old.appCode;
      const oldSaved = await call('PUT', '/v1/policy', { policy: old, expectedVersion: saved.body.version });
      assert.equal(oldSaved.status, 200, JSON.stringify(oldSaved.body));
      const after = (await call('GET', '/v1/policy')).body.policy;
      assert.deepEqual(
        after.methods.find((m: Json) => m.method === 'app_code'),
        { method: 'app_code', enabled: false, assurance: 'substantial' },
      );
      assert.deepEqual(after.appCode, defaultVerificationPolicy.appCode);

      // app_code cannot be rated above what possession of the device proves.
      const high = structuredClone(after);
      for (const m of high.methods)
        if (m.method === 'app_code') Object.assign(m, { enabled: true, assurance: 'high' });
      const tooHigh = await call('PUT', '/v1/policy', {
        policy: high,
        expectedVersion: oldSaved.body.version,
      });
      assert.equal(tooHigh.status, 422, JSON.stringify(tooHigh.body));
      assert.equal(tooHigh.body.error.code, 'POLICY_INVALID');
      assert.match(tooHigh.body.error.message, /app_code cannot be rated high/);

      // Back to the default for the tests after this one.
      const restore = structuredClone(after);
      for (const m of restore.methods) if (m.method === 'app_code') m.enabled = true;
      assert.equal(
        (await call('PUT', '/v1/policy', { policy: restore, expectedVersion: oldSaved.body.version })).status,
        200,
      );
    });
  });
}
