// The FCM provider against a local token endpoint and FCM stand-in: the request, token caching, retries.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestFcmServer, type TestFcmServer } from '../../test-support/stand-ins/fcm-server.ts';
import { createFcmProvider, type FcmProvider, fcmMessage, fcmScope, parseFcmServiceAccount } from './fcm.ts';
import type { PushOptions } from './push-provider.ts';

const high: PushOptions = { ttlSeconds: 120, urgency: 'high', topic: 'verification' };

describe('FCM HTTP v1 provider', () => {
  let fcm: TestFcmServer;
  let now = Date.now();
  const clock = () => now;
  let waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };

  before(async () => {
    fcm = await startTestFcmServer({ clock });
  });
  after(async () => {
    await fcm?.close();
  });

  function provider(): FcmProvider {
    waits = [];
    return createFcmProvider({
      serviceAccount: parseFcmServiceAccount(fcm.serviceAccountJson),
      baseUrl: fcm.origin,
      agent: fcm.agent,
      clock,
      sleep,
    });
  }

  it('exchanges a signed assertion for an access token and sends a data message of identifiers only', async () => {
    const p = provider();
    const token = fcm.registerToken();
    const before = fcm.tokenRequests.length;
    const result = await p.send({ token }, { type: 'verification', id: 'ver_01TESTID' }, high);
    assert.deepEqual(result, { outcome: 'accepted', status: 200 });
    assert.equal(fcm.tokenRequests.length, before + 1);
    const claims = fcm.tokenRequests.at(-1)!.claims;
    assert.equal(claims.iss, fcm.clientEmail);
    assert.equal(claims.aud, fcm.tokenUri);
    assert.equal(claims.scope, fcmScope);
    assert.equal(claims.exp, (claims.iat as number) + 3600);
    const message = fcm.received.at(-1)!.message;
    assert.deepEqual(message, {
      token,
      data: { type: 'verification', id: 'ver_01TESTID' },
      android: { priority: 'HIGH', ttl: '120s', collapse_key: 'verification' },
      apns: {
        headers: {
          'apns-push-type': 'alert',
          'apns-priority': '10',
          'apns-expiration': String(Math.floor(now / 1000) + 120),
          'apns-collapse-id': 'ver_01TESTID',
        },
        payload: {
          aps: {
            alert: { 'title-loc-key': 'HDA_VERIFICATION_TITLE', 'loc-key': 'HDA_VERIFICATION_BODY' },
            sound: 'default',
            'mutable-content': 1,
          },
          type: 'verification',
          id: 'ver_01TESTID',
        },
      },
    });
  });

  it('reuses the access token until five minutes before it expires, then fetches one more', async () => {
    const p = provider();
    const token = fcm.registerToken();
    const start = fcm.tokenRequests.length;
    await p.send({ token }, { type: 'verification', id: 'ver_A' }, high);
    now += 50 * 60_000;
    await p.send({ token }, { type: 'verification', id: 'ver_B' }, high);
    assert.equal(fcm.tokenRequests.length, start + 1, 'one token for both sends within 54 minutes');
    now += 5 * 60_000;
    await p.send({ token }, { type: 'verification', id: 'ver_C' }, high);
    assert.equal(fcm.tokenRequests.length, start + 2, 'a new token 55 minutes in (it expires after 59m59s)');
  });

  it('runs one token exchange for sends that start together', async () => {
    const p = provider();
    const token = fcm.registerToken();
    const start = fcm.tokenRequests.length;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => p.send({ token }, { type: 'verification', id: `ver_P${i}` }, high)),
    );
    assert.ok(results.every((r) => r.outcome === 'accepted'));
    assert.equal(fcm.tokenRequests.length, start + 1);
  });

  it('answers gone for an UNREGISTERED token, without retrying', async () => {
    const p = provider();
    const token = fcm.registerToken();
    fcm.unregister(token);
    const attempts = fcm.attempts.length;
    assert.deepEqual(await p.send({ token }, { type: 'verification', id: 'ver_G' }, high), {
      outcome: 'gone',
      status: 404,
    });
    assert.equal(fcm.attempts.length, attempts + 1);
    assert.deepEqual(waits, []);
  });

  it('retries 429 after the Retry-After it names, and succeeds', async () => {
    const p = provider();
    const token = fcm.registerToken();
    fcm.failNext(1, {
      status: 429,
      errorStatus: 'RESOURCE_EXHAUSTED',
      fcmErrorCode: 'QUOTA_EXCEEDED',
      retryAfter: '2',
    });
    assert.deepEqual(await p.send({ token }, { type: 'verification', id: 'ver_R' }, high), {
      outcome: 'accepted',
      status: 200,
    });
    assert.deepEqual(waits, [2000]);
  });

  it('retries 5xx with growing backoff and gives up after three attempts with a short reason', async () => {
    const p = provider();
    const token = fcm.registerToken();
    fcm.failNext(3, { status: 503, errorStatus: 'UNAVAILABLE', fcmErrorCode: 'UNAVAILABLE' });
    const attempts = fcm.attempts.length;
    const result = await p.send({ token }, { type: 'verification', id: 'ver_U' }, high);
    assert.deepEqual(result, { outcome: 'failed', status: 503, reason: 'FCM error (UNAVAILABLE, 503)' });
    assert.equal(fcm.attempts.length, attempts + 3);
    assert.equal(waits.length, 2);
    assert.ok(waits[0]! >= 500 && waits[0]! <= 625, `first wait ${waits[0]}`);
    assert.ok(waits[1]! >= 1000 && waits[1]! <= 1250, `second wait ${waits[1]}`);
  });

  it('does not wait out a Retry-After longer than a caller would stay on the line', async () => {
    const p = provider();
    const token = fcm.registerToken();
    fcm.failNext(1, { status: 429, errorStatus: 'RESOURCE_EXHAUSTED', retryAfter: '3600' });
    const result = await p.send({ token }, { type: 'verification', id: 'ver_L' }, high);
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(waits, []);
  });

  it('does not retry a message FCM rejects, and says why in a few words', async () => {
    const p = provider();
    const token = fcm.registerToken();
    fcm.failNext(1, { status: 403, errorStatus: 'PERMISSION_DENIED', fcmErrorCode: 'SENDER_ID_MISMATCH' });
    const result = await p.send({ token }, { type: 'verification', id: 'ver_S' }, high);
    assert.deepEqual(result, {
      outcome: 'failed',
      status: 403,
      reason: 'FCM refused the credentials (SENDER_ID_MISMATCH, 403)',
    });
    assert.deepEqual(waits, []);
  });

  it('fetches a new access token once when FCM refuses the cached one', async () => {
    const p = provider();
    const token = fcm.registerToken();
    await p.send({ token }, { type: 'verification', id: 'ver_1' }, high);
    const start = fcm.tokenRequests.length;
    fcm.revokeAccessTokens();
    assert.equal((await p.send({ token }, { type: 'verification', id: 'ver_2' }, high)).outcome, 'accepted');
    assert.equal(fcm.tokenRequests.length, start + 1);
  });

  it('reports refused credentials from the token endpoint as failed, naming the OAuth error only', async () => {
    const p = provider();
    fcm.refuseTokens(1, 'invalid_grant');
    const result = await p.send({ token: fcm.registerToken() }, { type: 'verification', id: 'ver_X' }, high);
    assert.deepEqual(result, {
      outcome: 'failed',
      status: 400,
      reason: 'FCM credentials refused (invalid_grant)',
    });
  });

  it('reports a service it cannot reach as a network error after its retries', async () => {
    const p = createFcmProvider({
      serviceAccount: {
        ...parseFcmServiceAccount(fcm.serviceAccountJson),
        tokenUri: 'https://127.0.0.1:1/token',
      },
      baseUrl: 'https://127.0.0.1:1',
      clock,
      sleep,
    });
    waits = [];
    const result = await p.send({ token: fcm.registerToken() }, { type: 'verification', id: 'ver_N' }, high);
    assert.deepEqual(result, { outcome: 'failed', status: null, reason: 'network error (ECONNREFUSED)' });
    assert.equal(waits.length, 2);
  });

  it('sends notices and tests with string data values, as FCM requires', async () => {
    const p = provider();
    const token = fcm.registerToken();
    await p.send(
      { token },
      { type: 'notice', event: 'verified', at: 1_700_000_000 },
      { ttlSeconds: 86_400, urgency: 'normal', topic: 'notice' },
    );
    const notice = fcm.received.at(-1)!.message as { data: unknown; android: unknown };
    assert.deepEqual(notice.data, { type: 'notice', event: 'verified', at: '1700000000' });
    assert.deepEqual(notice.android, { priority: 'NORMAL', ttl: '86400s', collapse_key: 'notice' });
    await p.send({ token }, { type: 'test', at: 1_700_000_001 }, high);
    assert.deepEqual((fcm.received.at(-1)!.message as { data: unknown }).data, {
      type: 'test',
      at: '1700000001',
    });
  });
});

describe('call notices through FCM', () => {
  it('carry only the type and the id, for Android and for an iOS app behind FCM', async () => {
    const message = fcmMessage(
      't'.repeat(32),
      { type: 'call_notice', id: 'cal_01FCM' },
      high,
      1_700_000_000_000,
    );
    assert.deepEqual(message.data, { type: 'call_notice', id: 'cal_01FCM' });
    assert.equal(message.android.priority, 'HIGH');
    assert.equal(message.apns.headers['apns-collapse-id'], 'cal_01FCM');
    assert.deepEqual(message.apns.payload, {
      aps: {
        alert: { 'title-loc-key': 'HDA_CALL_TITLE', 'loc-key': 'HDA_CALL_BODY' },
        sound: 'default',
        'interruption-level': 'time-sensitive',
        'mutable-content': 1,
      },
      type: 'call_notice',
      id: 'cal_01FCM',
    });
  });
});

describe('reading a service-account key file', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  const file = (over: Record<string, unknown>) =>
    JSON.stringify({
      type: 'service_account',
      project_id: 'bank-app-123',
      private_key_id: 'abc123',
      private_key: rsa,
      client_email: 'fcm@bank-app-123.iam.gserviceaccount.com',
      token_uri: 'https://oauth2.googleapis.com/token',
      ...over,
    });

  it('reads a good file', () => {
    const account = parseFcmServiceAccount(file({}));
    assert.equal(account.projectId, 'bank-app-123');
    assert.equal(account.tokenUri, 'https://oauth2.googleapis.com/token');
  });

  for (const [name, text, message] of [
    ['text that is not JSON', 'not json', /not JSON/],
    ['another kind of file', file({ type: 'authorized_user' }), /"type"/],
    ['a bad project id', file({ project_id: 'Bad Project' }), /"project_id"/],
    ['a missing e-mail', file({ client_email: undefined }), /"client_email"/],
    ['an http token URI', file({ token_uri: 'http://oauth2.googleapis.com/token' }), /"token_uri"/],
    [
      'a key that is not PEM',
      file({ private_key: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }),
      /not a readable/,
    ],
    ['an EC key', file({ private_key: ec }), /RSA/],
  ] as const) {
    it(`refuses ${name}, without echoing the key`, () => {
      assert.throws(
        () => parseFcmServiceAccount(text),
        (error: Error) => message.test(error.message) && !error.message.includes('BEGIN'),
      );
    });
  }
});
