/**
 * Attacks on push verification, each its own test, on SQLite and PostgreSQL: replayed and forged
 * decisions and proofs, revoked devices, code guessing, expiry, races, activation reuse and
 * brute force, push bombing. Each test tries to break one rule and checks the stored state too,
 * not only the answer.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import { CompactSign } from 'jose';
import type { LiveEvent } from '../../../platform/live-events.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import {
  createDeviceKeys,
  enrollTestDevice,
  signProof,
  type TestDevice,
} from '../../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;

for (const kind of databaseKinds) {
  describe(`push verification security on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let apiKey: string;
    let customerId: string;
    let device: TestDevice;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.createTenant('sec');
      tenantId = tenant.id;
      apiKey = await h.createApiKey(tenant, [
        'verifications:read',
        'verifications:write',
        'devices:read',
        'devices:write',
      ]);
    });
    after(async () => h?.close());

    async function newCustomerWithDevice(): Promise<{ customerId: string; device: TestDevice }> {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Carol' }, system);
      return { customerId: customer.id, device: await enrollDevice(customer.id) };
    }

    async function enrollDevice(forCustomer: string): Promise<TestDevice> {
      const activation = await h.runtime.services.devices.createActivation(tenantId, forCustomer, system);
      return enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
    }

    beforeEach(async () => {
      ({ customerId, device } = await newCustomerWithDevice());
    });

    async function start(body: Record<string, unknown> = {}) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: { customerId, reason: 'Card replacement', ...body },
      });
      return response;
    }

    async function startOk(body: Record<string, unknown> = {}): Promise<{ id: string; code: string }> {
      const response = await start(body);
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }

    function decide(id: string, signedDecision: string) {
      return h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: { signedDecision },
      });
    }

    const stored = (id: string) => h.runtime.services.verifications.get(tenantId, id);
    const wrongCode = (code: string) => (code === '00' ? '01' : '00');
    const errorCode = (response: { json(): unknown }) =>
      (response.json() as { error: { code: string } }).error.code;

    it('a replayed decision is refused, and a replayed wrong code does not count again', async () => {
      const v = await startOk();
      const wrong = await device.decide(v.id, 'approve', { code: wrongCode(v.code) });
      const first = await decide(v.id, wrong);
      assert.equal(first.statusCode, 422);
      assert.equal(errorCode(first), 'WRONG_CODE');
      assert.deepEqual((first.json() as { error: { details: unknown } }).error.details, { attemptsLeft: 2 });
      const replay = await decide(v.id, wrong);
      assert.equal(replay.statusCode, 401);
      assert.equal(errorCode(replay), 'DEVICE_PROOF_REPLAYED');
      assert.equal((await stored(v.id)).failedAttempts, 1);

      const right = await device.decide(v.id, 'approve', { code: v.code });
      assert.equal((await decide(v.id, right)).statusCode, 200);
      const again = await decide(v.id, right);
      assert.equal(errorCode(again), 'DEVICE_PROOF_REPLAYED');
      assert.equal((await stored(v.id)).status, 'approved');
    });

    it('an approval with code null is a wrong try: it spends an attempt, and the last one fails the request', async () => {
      const v = await startOk();
      for (const attemptsLeft of [2, 1]) {
        const answer = await decide(v.id, await device.decide(v.id, 'approve', { code: null }));
        assert.equal(answer.statusCode, 422, answer.body);
        assert.equal(errorCode(answer), 'WRONG_CODE');
        assert.deepEqual((answer.json() as { error: { details: unknown } }).error.details, { attemptsLeft });
      }
      const last = await decide(v.id, await device.decide(v.id, 'approve', { code: null }));
      assert.equal(last.statusCode, 200, last.body);
      assert.equal((last.json() as { status: string }).status, 'failed');
      assert.deepEqual(
        { status: (await stored(v.id)).status, failedAttempts: (await stored(v.id)).failedAttempts },
        { status: 'failed', failedAttempts: 3 },
      );
    });

    it('any JSON form of the payload is accepted: pretty-printed, reordered, with \\/ and \\u escapes', async () => {
      const summary = 'Pay 5 € to Café A/B & <Söhne> 🎉';
      const v = await startOk({ purpose: 'confirm_action', actionSummary: summary });
      const iat = Math.floor(h.clock.now() / 1000);
      const escaped = JSON.stringify(summary)
        .replaceAll('/', '\\/')
        .replace(/[^\x20-\x7e]/gu, (c) =>
          // Every UTF-16 code unit, so an emoji becomes its surrogate pair, as Python writes it.
          Array.from({ length: c.length }, (_, i) => c.charCodeAt(i))
            .map((unit) => `\\u${unit.toString(16).padStart(4, '0')}`)
            .join(''),
        );
      const payload =
        `{\n  "actionSummary" : ${escaped},\n  "iat": ${iat}, "nonce": "${'n'.repeat(22)}",\n` +
        `  "decision": "approve", "code": "${v.code}", "verificationId": "${v.id}",\n` +
        `  "typ": "helpdesk-auth/decision/v1"\n}`;
      assert.ok(payload.includes('A\\/B') && payload.includes('\\u00e9') && payload.includes('\\ud83c'));
      const answer = await decide(v.id, await device.decide(v.id, 'approve', { rawPayload: payload }));
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal((await stored(v.id)).status, 'approved');
    });

    it('a payload with an unknown or a missing member, or another summary, is refused and spends nothing', async () => {
      const v = await startOk({ purpose: 'confirm_action', actionSummary: 'Close the account' });
      const iat = Math.floor(h.clock.now() / 1000);
      const members = {
        typ: 'helpdesk-auth/decision/v1',
        verificationId: v.id,
        decision: 'approve',
        code: v.code,
        nonce: 'x'.repeat(22),
        iat,
        actionSummary: 'Close the account',
      };
      const broken: [string, Record<string, unknown>, RegExp][] = [
        ['unknown member', { ...members, amount: 100 }, /unknown member "amount"/],
        ['missing member', { ...members, actionSummary: undefined }, /lacks the member "actionSummary"/],
        [
          'another summary',
          { ...members, actionSummary: 'Close the account now' },
          /does not match the request/,
        ],
        ['a null summary', { ...members, actionSummary: null }, /does not match the request/],
      ];
      for (const [what, payload, message] of broken) {
        const answer = await decide(
          v.id,
          await device.decide(v.id, 'approve', { rawPayload: JSON.stringify(payload) }),
        );
        assert.equal(answer.statusCode, 401, what);
        assert.equal(errorCode(answer), 'DECISION_SIGNATURE_INVALID', what);
        assert.match((answer.json() as { error: { message: string } }).error.message, message, what);
      }
      // Refused before the nonce is spent and before the code is compared.
      const after = await stored(v.id);
      assert.deepEqual(
        { status: after.status, failedAttempts: after.failedAttempts },
        { status: 'pending', failedAttempts: 0 },
      );
      const good = await decide(
        v.id,
        await device.decide(v.id, 'approve', { rawPayload: JSON.stringify(members) }),
      );
      assert.equal(good.statusCode, 200, good.body);
    });

    it('a decision naming no device answers DEVICE_PROOF_INVALID "Unknown device."', async () => {
      const v = await startOk();
      const stranger = await createDeviceKeys();
      const jws = await new CompactSign(new TextEncoder().encode('{}'))
        .setProtectedHeader({ alg: 'ES256', typ: 'hda-decision+jwt', kid: newId('device') })
        .sign(stranger.privateKey);
      const answer = await decide(v.id, jws);
      assert.equal(answer.statusCode, 401);
      assert.equal(errorCode(answer), 'DEVICE_PROOF_INVALID');
      assert.match((answer.json() as { error: { message: string } }).error.message, /^Unknown device\.$/);
    });

    it('the decision endpoint answers the same for a real id and an unknown one, whatever the body', async () => {
      const real = (await startOk()).id;
      const unknown = newId('verification');
      const stranger = await createDeviceKeys();
      const foreignJws = await new CompactSign(new TextEncoder().encode('{}'))
        .setProtectedHeader({ alg: 'ES256', typ: 'hda-decision+jwt', kid: device.id })
        .sign(stranger.privateKey);
      const bodies = (id: string): Record<string, unknown>[] => [
        { signedDecision: 'garbage' },
        { signedDecision: 'a.b.c' },
        { signedDecision: foreignJws },
        {
          decision: { decision: 'approve', code: '00', nonce: 'n'.repeat(22), iat: 1 },
          webauthn: {
            id: 'AAAA',
            rawId: 'AAAA',
            type: 'public-key',
            response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
            clientExtensionResults: {},
          },
        },
        { decision: { decision: 'maybe', code: null, nonce: 'n'.repeat(22), iat: 1 }, webauthn: {} },
        // Signed by the customer's own device but over another summary than the request's.
        { signedDecision: `@own:${id}` },
      ];
      const answer = async (id: string, body: Record<string, unknown>) => {
        const payload =
          typeof body.signedDecision === 'string' && body.signedDecision.startsWith('@own:')
            ? { signedDecision: await device.decide(id, 'deny', { actionSummary: 'Something else' }) }
            : body;
        const response = await h.app.inject({
          method: 'POST',
          url: `/v1/device/verifications/${id}/decision`,
          payload,
        });
        return `${response.statusCode} ${response.body}`;
      };
      for (const [i, body] of bodies(real).entries()) {
        const forReal = await answer(real, body);
        const forUnknown = await answer(unknown, body);
        assert.equal(forUnknown, forReal, `body ${i}`);
        assert.doesNotMatch(forReal, /^(404|5)/, `body ${i}: ${forReal}`);
      }
      // A well-signed decision by a device that is not the customer's gets the same 404 either way.
      const other = await newCustomerWithDevice();
      for (const id of [real, unknown]) {
        const signed = await other.device.decide(id, 'deny');
        const response = await decide(id, signed);
        assert.equal(response.statusCode, 404, response.body);
        assert.equal(errorCode(response), 'NOT_FOUND');
      }
      assert.equal((await stored(real)).status, 'pending');
    });

    it("a decision signed by another customer's device is refused as not found", async () => {
      const v = await startOk();
      const other = await newCustomerWithDevice();
      const response = await decide(v.id, await other.device.decide(v.id, 'approve', { code: v.code }));
      assert.equal(response.statusCode, 404);
      assert.equal(errorCode(response), 'NOT_FOUND');
      const after = await stored(v.id);
      assert.equal(after.status, 'pending');
      assert.equal(after.failedAttempts, 0);
    });

    it('a decision signed by a key that is not the device key is refused', async () => {
      const v = await startOk();
      const { privateKey } = await createDeviceKeys();
      const forged = await signProof(privateKey, { kid: device.id }, 'POST', '/x', h.clock.now());
      const asDecision = await decide(v.id, forged);
      assert.equal(asDecision.statusCode, 401);
      assert.equal(errorCode(asDecision), 'DECISION_SIGNATURE_INVALID');
      // A real decision whose payload was edited after signing: the signature no longer covers it.
      const genuine = await device.decide(v.id, 'deny');
      const [head, , sig] = genuine.split('.');
      const edited = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(genuine.split('.')[1]!, 'base64url').toString()),
          decision: 'approve',
        }),
      ).toString('base64url');
      const tampered = await decide(v.id, `${head}.${edited}.${sig}`);
      assert.equal(errorCode(tampered), 'DECISION_SIGNATURE_INVALID');
      assert.equal((await stored(v.id)).status, 'pending');
    });

    it('a decision that does not match what was shown (another summary) is refused', async () => {
      const v = await startOk({
        purpose: 'confirm_action',
        actionSummary: 'Change postal address to 1 Main St',
      });
      const signed = await device.decide(v.id, 'approve', { code: v.code, actionSummary: 'Something else' });
      const response = await decide(v.id, signed);
      assert.equal(errorCode(response), 'DECISION_SIGNATURE_INVALID');
      const shown = await device.decide(v.id, 'approve', {
        code: v.code,
        actionSummary: 'Change postal address to 1 Main St',
      });
      assert.equal((await decide(v.id, shown)).statusCode, 200);
    });

    it('a stale decision (iat outside the window) is refused', async () => {
      const v = await startOk();
      const old = await device.decide(v.id, 'approve', {
        code: v.code,
        iat: Math.floor(h.clock.now() / 1000) - h.config.deviceProofMaxAgeSeconds - 5,
      });
      const response = await decide(v.id, old);
      assert.equal(errorCode(response), 'DEVICE_PROOF_INVALID');
      assert.equal((await stored(v.id)).status, 'pending');
    });

    it('a revoked device can do nothing: no proof, no decision', async () => {
      const v = await startOk();
      const decision = await device.decide(v.id, 'approve', { code: v.code });
      const revoke = await h.app.inject({
        method: 'DELETE',
        url: `/v1/devices/${device.id}`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
      assert.equal(revoke.statusCode, 200);
      assert.equal((revoke.json() as { status: string }).status, 'revoked');

      const proofRequest = await h.app.inject({
        method: 'GET',
        url: '/v1/device/verifications',
        headers: { 'device-proof': await device.proof('GET', '/v1/device/verifications') },
      });
      assert.equal(proofRequest.statusCode, 401);
      assert.equal(errorCode(proofRequest), 'DEVICE_REVOKED');
      const decided = await decide(v.id, decision);
      assert.equal(errorCode(decided), 'DEVICE_REVOKED');
      assert.equal((await stored(v.id)).status, 'pending');
      // With no active device left, there is nobody to push to.
      const next = await start();
      assert.equal(next.statusCode, 409);
      assert.equal(errorCode(next), 'CUSTOMER_HAS_NO_DEVICE');
    });

    it('three wrong codes fail the verification; the right code afterwards does not approve it', async () => {
      const v = await startOk();
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(await decide(v.id, await device.decide(v.id, 'approve', { code: wrongCode(v.code) })));
      }
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        [422, 422, 200],
      );
      assert.equal((answers[2]!.json() as { status: string }).status, 'failed');
      const late = await decide(v.id, await device.decide(v.id, 'approve', { code: v.code }));
      assert.equal(late.statusCode, 409);
      assert.equal(errorCode(late), 'VERIFICATION_NOT_PENDING');
      const after = await stored(v.id);
      assert.equal(after.status, 'failed');
      assert.equal(after.failedAttempts, 3);
    });

    it('a decision after expiry is refused, and the verification is stored as expired', async () => {
      const v = await startOk();
      h.clock.advance(120_000);
      const response = await decide(v.id, await device.decide(v.id, 'approve', { code: v.code }));
      assert.equal(response.statusCode, 409);
      assert.equal(errorCode(response), 'VERIFICATION_EXPIRED');
      assert.equal((await stored(v.id)).status, 'expired');
    });

    it('expires on time when nobody asks, and tells the agent', async () => {
      const v = await startOk();
      const heard: LiveEvent[] = [];
      const stop = h.runtime.services.context.events.subscribe(`verification:${v.id}`, (e) => heard.push(e));
      h.clock.advance(119_999);
      assert.equal((await stored(v.id)).status, 'pending');
      h.clock.advance(1);
      const expired = () => heard.find((e) => e.type === 'expired');
      for (let i = 0; i < 100 && !expired(); i++) await new Promise((r) => setTimeout(r, 10));
      stop();
      assert.equal(expired()?.data.status, 'expired');
      assert.equal((await stored(v.id)).status, 'expired');
    });

    it('expires on time even when its timer fires a moment before the clock reaches the expiry', async () => {
      // Node's timers run on the event loop's cached time, so they can fire a little early.
      const timers = h.runtime.services.context.timers;
      const setTimeoutAsIs = timers.setTimeout;
      timers.setTimeout = (callback, delayMs) =>
        setTimeoutAsIs.call(timers, callback, delayMs > 60_000 ? delayMs - 2 : delayMs);
      let v: { id: string };
      try {
        v = await startOk();
      } finally {
        timers.setTimeout = setTimeoutAsIs;
      }
      const heard: LiveEvent[] = [];
      const stop = h.runtime.services.context.events.subscribe(`verification:${v.id}`, (e) => heard.push(e));
      h.clock.advance(119_998);
      h.clock.advance(2);
      const expired = () => heard.find((e) => e.type === 'expired');
      for (let i = 0; i < 100 && !expired(); i++) await new Promise((r) => setTimeout(r, 10));
      stop();
      assert.equal(
        expired()?.data.status,
        'expired',
        'the agent hears of the expiry at once, not at the next sweep',
      );
      const row = await h.runtime.database.db
        .selectFrom('verifications')
        .select('status')
        .where('id', '=', v.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'expired');
    });

    it('of concurrent decisions exactly one wins', async () => {
      const v = await startOk();
      const second = await enrollDevice(customerId);
      const signed = await Promise.all([
        ...Array.from({ length: 5 }, () => device.decide(v.id, 'approve', { code: v.code })),
        ...Array.from({ length: 5 }, () => second.decide(v.id, 'deny')),
      ]);
      const answers = await Promise.all(signed.map((s) => decide(v.id, s)));
      const winners = answers.filter((r) => r.statusCode === 200);
      assert.equal(winners.length, 1, answers.map((r) => r.body).join('\n'));
      for (const loser of answers.filter((r) => r.statusCode !== 200)) {
        assert.equal(errorCode(loser), 'VERIFICATION_NOT_PENDING');
      }
      const final = await stored(v.id);
      assert.equal(final.status, (winners[0]!.json() as { status: string }).status);
      assert.equal(final.timeline.filter((e) => e.type === final.status).length, 1);
    });

    it('concurrent wrong codes each count: no extra guesses from a race', async () => {
      const v = await startOk();
      const signed = await Promise.all(
        Array.from({ length: 6 }, () => device.decide(v.id, 'approve', { code: wrongCode(v.code) })),
      );
      const answers = await Promise.all(signed.map((s) => decide(v.id, s)));
      const after = await stored(v.id);
      assert.equal(after.status, 'failed');
      assert.equal(after.failedAttempts, 3);
      assert.equal(answers.filter((r) => r.statusCode === 422).length, 2);
      assert.equal(answers.filter((r) => r.statusCode === 200).length, 1);
    });

    it('an activation code works once, and not after 10 minutes', async () => {
      const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      await assert.rejects(
        enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode: activation.code,
          now: h.clock.now,
        }),
        /409.*ACTIVATION_USED/,
      );
      const late = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      h.clock.advance(10 * 60_000);
      await assert.rejects(
        enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode: late.code,
          now: h.clock.now,
        }),
        /401.*ACTIVATION_INVALID/,
      );
    });

    it('guessing activation codes is cut off per address, even for the right code', async () => {
      const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      const remoteAddress = '203.0.113.7';
      const enroll = (activationCode: string, address?: string) =>
        enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode,
          now: h.clock.now,
          ...(address ? { remoteAddress: address } : {}),
        });
      const statuses: number[] = [];
      for (let i = 0; i < h.config.enrollFailuresPerAddress + 1; i++) {
        const guess = `ZZZZ-ZZZZ-ZZZZ-${String(i).padStart(4, '0')}`;
        await enroll(guess, remoteAddress).catch((error: unknown) =>
          statuses.push(Number(/enroll failed: (\d+)/.exec(String(error))![1])),
        );
      }
      assert.deepEqual(statuses, [...Array(h.config.enrollFailuresPerAddress).fill(401), 429]);
      await assert.rejects(enroll(activation.code, remoteAddress), /429.*RATE_LIMITED/);
      // The code was not spent by the refusal: it still works from another address.
      await enroll(activation.code);
      h.clock.advance(h.config.enrollWindowMinutes * 60_000);
      const fresh = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      await enroll(fresh.code, remoteAddress);
    });

    it('an unusable push subscription is refused at enrollment, without spending the code', async () => {
      const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      const enroll = (push: unknown) =>
        enrollTestDevice(h.app, {
          publicUrl: h.config.publicUrl,
          activationCode: activation.code,
          now: h.clock.now,
          push,
          remoteAddress: '198.51.100.9',
        });
      const shortKey = {
        kind: 'webpush',
        subscription: {
          endpoint: 'https://push.example.com/x',
          keys: { p256dh: 'AAAA', auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
        },
      };
      await assert.rejects(enroll(shortKey), /400.*VALIDATION_FAILED.*p256dh/);
      const plainHttp = {
        kind: 'webpush',
        subscription: { ...shortKey.subscription, endpoint: 'http://push.example.com/x' },
      };
      await assert.rejects(enroll(plainHttp), /400.*VALIDATION_FAILED/);
      const enrolled = await enroll(null);
      assert.match(enrolled.id, /^dev_/);
    });

    it('push bombing is capped per customer, with Retry-After', async () => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await start());
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        [201, 201, 201, 201, 201, 429],
      );
      assert.equal(errorCode(answers[5]!), 'PUSH_RATE_LIMITED');
      assert.ok(Number(answers[5]!.headers['retry-after']) > 0);
      // Each new request cancelled the one before: the customer sees one request at a time.
      const list = await h.runtime.services.verifications.list(tenantId, { customerId, limit: 10 });
      assert.deepEqual(
        list.items.map((v) => v.status),
        ['pending', 'cancelled', 'cancelled', 'cancelled', 'cancelled'],
      );
      h.clock.advance(600_000);
      assert.equal((await start()).statusCode, 201);
    });

    it('device proofs: replayed, stale, for another URL or signed by another key are refused', async () => {
      const url = '/v1/device/verifications';
      const send = (proof: string) =>
        h.app.inject({ method: 'GET', url, headers: { 'device-proof': proof } });
      const proof = await device.proof('GET', url);
      assert.equal((await send(proof)).statusCode, 200);
      const replay = await send(proof);
      assert.equal(errorCode(replay), 'DEVICE_PROOF_REPLAYED');

      const stale = await device.proof('GET', url);
      h.clock.advance((h.config.deviceProofMaxAgeSeconds + 1) * 1000);
      assert.equal(errorCode(await send(stale)), 'DEVICE_PROOF_INVALID');

      assert.equal(errorCode(await send(await device.proof('GET', '/v1/device'))), 'DEVICE_PROOF_INVALID');
      assert.equal(errorCode(await send(await device.proof('POST', url))), 'DEVICE_PROOF_INVALID');
      const { privateKey } = await createDeviceKeys();
      const foreign = await signProof(
        privateKey,
        { kid: device.id },
        'GET',
        `${h.config.publicUrl}${url}`,
        h.clock.now(),
      );
      assert.equal(errorCode(await send(foreign)), 'DEVICE_PROOF_INVALID');
      assert.equal(errorCode(await h.app.inject({ method: 'GET', url })), 'DEVICE_PROOF_INVALID');
    });

    it('a fraud report ends the request and marks the customer at risk', async () => {
      const v = await startOk();
      const response = await decide(v.id, await device.decide(v.id, 'report_fraud'));
      assert.equal((response.json() as { status: string }).status, 'fraud_reported');
      const customer = await h.app.inject({
        method: 'GET',
        url: `/v1/customers/${customerId}`,
        headers: {
          authorization: `Bearer ${await h.createApiKey({ id: tenantId, slug: 'sec' }, ['customers:read'])}`,
        },
      });
      assert.equal(
        (customer.json() as { fraudReportedAt: string }).fraudReportedAt,
        new Date(h.clock.now()).toISOString(),
      );
    });

    it('a cancelled request cannot be approved', async () => {
      const v = await startOk();
      const cancel = await h.app.inject({
        method: 'POST',
        url: `/v1/verifications/${v.id}/cancel`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
      assert.equal((cancel.json() as { status: string }).status, 'cancelled');
      const response = await decide(v.id, await device.decide(v.id, 'approve', { code: v.code }));
      assert.equal(errorCode(response), 'VERIFICATION_NOT_PENDING');
      const again = await h.app.inject({
        method: 'POST',
        url: `/v1/verifications/${v.id}/cancel`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
      assert.equal(errorCode(again), 'VERIFICATION_NOT_PENDING');
    });
  });
}
