// The APNs provider against a local HTTP/2 stand-in: headers, payload, provider tokens, sessions, retries.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApnsServer, type TestApnsServer } from '../../test-support/stand-ins/apns-server.ts';
import { type ApnsProvider, apnsAuthority, apnsCredentialsProblem, createApnsProvider } from './apns.ts';
import type { PushOptions } from './push-provider.ts';

const high: PushOptions = { ttlSeconds: 120, urgency: 'high', topic: 'verification' };

describe('APNs provider', () => {
  let apns: TestApnsServer;
  let now = Date.now();
  const clock = () => now;
  let waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };
  const providers: ApnsProvider[] = [];

  before(async () => {
    apns = await startTestApnsServer({ clock });
  });
  after(async () => {
    for (const p of providers) p.close();
    await apns?.close();
  });

  function provider(): ApnsProvider {
    waits = [];
    // Apple refuses a new provider token within 20 minutes of the last one, so each provider starts later.
    now += 21 * 60_000;
    const p = createApnsProvider({
      credentials: {
        teamId: apns.teamId,
        keyId: apns.keyId,
        privateKey: apns.privateKeyPem,
        bundleId: apns.bundleId,
      },
      hostOverride: apns.host,
      ca: apns.cert,
      clock,
      sleep,
    });
    providers.push(p);
    return p;
  }

  it("sends a token to its environment's host: production and sandbox are Apple's two", () => {
    assert.equal(apnsAuthority('production'), 'api.push.apple.com');
    assert.equal(apnsAuthority('sandbox'), 'api.sandbox.push.apple.com');
    assert.equal(apnsAuthority('sandbox', '127.0.0.1:8443'), '127.0.0.1:8443');
  });

  it('sends the documented headers and a payload of generic text and identifiers only', async () => {
    const p = provider();
    const token = apns.registerToken();
    const result = await p.send(
      { token, environment: 'production' },
      { type: 'verification', id: 'ver_01APNS' },
      high,
    );
    assert.deepEqual(result, { outcome: 'accepted', status: 200 });
    const got = apns.received.at(-1)!;
    assert.equal(got.token, token);
    assert.deepEqual(got.headers, {
      'apns-topic': apns.bundleId,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-expiration': String(Math.floor(now / 1000) + 120),
      'apns-collapse-id': 'ver_01APNS',
    });
    assert.deepEqual(got.payload, {
      aps: {
        alert: { 'title-loc-key': 'HDA_VERIFICATION_TITLE', 'loc-key': 'HDA_VERIFICATION_BODY' },
        sound: 'default',
        'mutable-content': 1,
      },
      type: 'verification',
      id: 'ver_01APNS',
    });
  });

  it('sends a call notice as a time-sensitive alert that names only its id, collapsed by it', async () => {
    const p = provider();
    const token = apns.registerToken();
    const result = await p.send(
      { token, environment: 'production' },
      { type: 'call_notice', id: 'cal_01APNS' },
      high,
    );
    assert.deepEqual(result, { outcome: 'accepted', status: 200 });
    const got = apns.received.at(-1)!;
    assert.equal(got.headers['apns-collapse-id'], 'cal_01APNS');
    assert.equal(got.headers['apns-priority'], '10');
    assert.deepEqual(got.payload, {
      aps: {
        alert: { 'title-loc-key': 'HDA_CALL_TITLE', 'loc-key': 'HDA_CALL_BODY' },
        sound: 'default',
        'interruption-level': 'time-sensitive',
        'mutable-content': 1,
      },
      type: 'call_notice',
      id: 'cal_01APNS',
    });
  });

  it('reuses one provider token and one HTTP/2 session, and renews the token after 50 minutes', async () => {
    const p = provider();
    const token = apns.registerToken();
    const tokens = apns.providerTokens.length;
    const sessions = apns.sessionCount;
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await p.send({ token, environment: 'sandbox' }, { type: 'verification', id: `ver_S${i}` }, high))
          .outcome,
        'accepted',
      );
    }
    assert.equal(apns.providerTokens.length, tokens + 1);
    assert.equal(apns.sessionCount, sessions + 1);
    now += 49 * 60_000;
    await p.send({ token, environment: 'sandbox' }, { type: 'verification', id: 'ver_S49' }, high);
    assert.equal(apns.providerTokens.length, tokens + 1, 'still the same token after 49 minutes');
    now += 2 * 60_000;
    await p.send({ token, environment: 'sandbox' }, { type: 'verification', id: 'ver_S51' }, high);
    assert.equal(apns.providerTokens.length, tokens + 2, 'a new token after 51 minutes');
    assert.equal(apns.attempts.filter((a) => a.reason === 'TooManyProviderTokenUpdates').length, 0);
  });

  it('renews the provider token and retries once when Apple says it expired', async () => {
    const p = provider();
    const token = apns.registerToken();
    await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_E1' }, high);
    const tokens = apns.providerTokens.length;
    // Apple says the token expired although the provider's own 50 minutes have not passed (a
    // clock that drifted, or a revoked key re-added): the provider must renew at once and retry.
    apns.failNext(1, { status: 403, reason: 'ExpiredProviderToken' });
    now += 21 * 60_000;
    const result = await p.send(
      { token, environment: 'production' },
      { type: 'verification', id: 'ver_E2' },
      high,
    );
    assert.equal(result.outcome, 'accepted');
    assert.equal(apns.providerTokens.length, tokens + 1);
    const last = apns.attempts.slice(-2).map((a) => a.reason);
    assert.deepEqual(last, ['ExpiredProviderToken', null]);
  });

  it('replaces a token Apple calls expired within its first 20 minutes on a new connection, once for sends in flight', async () => {
    const p = provider();
    const token = apns.registerToken();
    await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_Y0' }, high);
    const tokens = apns.providerTokens.length;
    const sessions = apns.sessionCount;
    // Five minutes in, Apple (whose clock is ahead of ours) calls the token expired for three sends
    // in flight. A second token on the same connection this soon would be TooManyProviderTokenUpdates.
    now += 5 * 60_000;
    apns.failNext(3, { status: 403, reason: 'ExpiredProviderToken' });
    const results = await Promise.all(
      ['ver_Y1', 'ver_Y2', 'ver_Y3'].map((id) =>
        p.send({ token, environment: 'production' }, { type: 'verification', id }, high),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['accepted', 'accepted', 'accepted'],
    );
    assert.equal(apns.providerTokens.length, tokens + 1, 'one new token for the three sends');
    assert.equal(apns.sessionCount, sessions + 1, 'on one new connection');
    assert.equal(apns.attempts.filter((a) => a.reason === 'TooManyProviderTokenUpdates').length, 0);
    assert.deepEqual(waits, []);
    // The new connection keeps its token: the next send reuses both.
    await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_Y4' }, high);
    assert.equal(apns.providerTokens.length, tokens + 1);
    assert.equal(apns.sessionCount, sessions + 1);
  });

  it('answers gone for Unregistered (410) and BadDeviceToken (400)', async () => {
    const p = provider();
    const token = apns.registerToken();
    apns.unregister(token);
    assert.deepEqual(
      await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_G1' }, high),
      { outcome: 'gone', status: 410 },
    );
    const unknown = 'ab'.repeat(32);
    assert.deepEqual(
      await p.send(
        { token: unknown, environment: 'production' },
        { type: 'verification', id: 'ver_G2' },
        high,
      ),
      { outcome: 'gone', status: 400 },
    );
    assert.deepEqual(waits, []);
  });

  it('retries TooManyRequests after its Retry-After, and 5xx with backoff, within three attempts', async () => {
    const p = provider();
    const token = apns.registerToken();
    apns.failNext(1, { status: 429, reason: 'TooManyRequests', retryAfter: '1' });
    assert.equal(
      (await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_T' }, high))
        .outcome,
      'accepted',
    );
    assert.deepEqual(waits, [1000]);
    waits = [];
    apns.failNext(3, { status: 503, reason: 'ServiceUnavailable' });
    const result = await p.send(
      { token, environment: 'production' },
      { type: 'verification', id: 'ver_U' },
      high,
    );
    assert.deepEqual(result, {
      outcome: 'failed',
      status: 503,
      reason: 'APNs refused the notification (ServiceUnavailable, 503)',
    });
    assert.equal(waits.length, 2);
  });

  it('does not retry what Apple refuses for good, and names the reason', async () => {
    const p = provider();
    const token = apns.registerToken();
    apns.failNext(1, { status: 400, reason: 'DeviceTokenNotForTopic' });
    const result = await p.send(
      { token, environment: 'production' },
      { type: 'verification', id: 'ver_D' },
      high,
    );
    assert.deepEqual(result, {
      outcome: 'failed',
      status: 400,
      reason: 'APNs refused the notification (DeviceTokenNotForTopic, 400)',
    });
    assert.deepEqual(waits, []);
  });

  it('opens a new HTTP/2 session when APNs closes the old one', async () => {
    const p = provider();
    const token = apns.registerToken();
    await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_C1' }, high);
    const sessions = apns.sessionCount;
    apns.dropSessions();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(
      (await p.send({ token, environment: 'production' }, { type: 'verification', id: 'ver_C2' }, high))
        .outcome,
      'accepted',
    );
    assert.equal(apns.sessionCount, sessions + 1);
  });

  it('checks the credentials before use: ids, bundle id, an EC P-256 key', () => {
    const good = {
      teamId: 'ABCDE12345',
      keyId: 'KEY1234567',
      privateKey: apns.privateKeyPem,
      bundleId: 'com.example.app',
    };
    assert.equal(apnsCredentialsProblem(good), null);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    assert.match(apnsCredentialsProblem({ ...good, teamId: 'abc' })!, /teamId/);
    assert.match(apnsCredentialsProblem({ ...good, keyId: 'KEY 123456' })!, /keyId/);
    assert.match(apnsCredentialsProblem({ ...good, bundleId: 'com/example' })!, /bundleId/);
    assert.match(apnsCredentialsProblem({ ...good, privateKey: 'nope' })!, /not a readable/);
    assert.match(apnsCredentialsProblem({ ...good, privateKey: rsa })!, /P-256/);
    assert.match(apnsCredentialsProblem({ ...good, privateKey: p384 })!, /P-256/);
  });
});
