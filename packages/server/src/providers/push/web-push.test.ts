// Tests of the Web Push provider against a local RFC 8030 push service.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { importJWK, SignJWT } from 'jose';
import webpush from 'web-push';
import { startTestPushService, type TestPushService } from '../../test-support/stand-ins/push-service.ts';
import type { PushOptions } from './push-provider.ts';
import {
  createWebPushProvider,
  generateVapidKeys,
  type VapidKeys,
  type WebPushProvider,
  type WebPushSubscription,
} from './web-push.ts';

const subject = 'mailto:push-ops@example.com';
const options: PushOptions = { ttlSeconds: 300, urgency: 'high' };
const message = { type: 'verification', id: 'ver_01JTESTPUSH' } as const;

describe('Web Push provider against a local RFC 8030 push service', () => {
  let service: TestPushService;
  let provider: WebPushProvider;
  const vapid = generateVapidKeys();

  before(async () => {
    service = await startTestPushService();
    provider = createWebPushProvider({ vapid, subject, agent: service.agent, timeoutMs: 2000 });
  });
  after(() => service.close());

  const receivedBy = (subscription: WebPushSubscription) =>
    service.received.filter((m) => m.subscriptionEndpoint === subscription.endpoint);
  const lastRejection = () => service.rejected.at(-1);

  it('delivers only {type, id}, decryptable by the device, with TTL, urgency, topic and VAPID as sent', async () => {
    // Restricted to our key, as a browser given applicationServerKey subscribes (RFC 8292 section 4).
    const subscription = service.createSubscription({ applicationServerKey: provider.vapidPublicKey });
    // Structurally a PushMessage, but carrying personal data that must not leave.
    const withExtra = { ...message, customerName: 'Alice Example', phone: '+15551234567' };

    const result = await provider.send(subscription, withExtra, { ...options, topic: 'ver_01JTESTPUSH' });

    assert.deepEqual(result, { outcome: 'accepted', status: 201 });
    const [delivered] = await service.waitForMessages(1);
    assert.deepEqual(receivedBy(subscription), [delivered]);
    assert.deepEqual(delivered, {
      subscriptionEndpoint: subscription.endpoint,
      ttl: 300,
      urgency: 'high',
      topic: 'ver_01JTESTPUSH',
      vapidSubject: subject,
      vapidPublicKey: vapid.publicKey,
      vapidAudience: service.origin,
      payload: { type: 'verification', id: 'ver_01JTESTPUSH' },
    });
    assert.equal(provider.kind, 'webpush');
    assert.equal(provider.vapidPublicKey, vapid.publicKey);
  });

  it('reports gone for 410 and for 404, the push service no longer knowing the subscription', async () => {
    const expired = service.createSubscription();
    service.respondWith(expired.endpoint, 410);
    // Never issued by the push service: its own 404 (RFC 8030 section 7.3), not a forced one.
    const unknown = { ...service.createSubscription(), endpoint: `${service.origin}/push/never-issued` };

    assert.deepEqual(await provider.send(expired, message, options), { outcome: 'gone', status: 410 });
    assert.deepEqual(await provider.send(unknown, message, options), { outcome: 'gone', status: 404 });
    assert.deepEqual(lastRejection(), { endpoint: null, status: 404, reason: 'no such subscription' });
    assert.equal(receivedBy(expired).length, 0);
  });

  it('reports failed with the status for 500, 429 and 413, and recovers once the service does', async () => {
    const subscription = service.createSubscription();

    service.respondWith(subscription.endpoint, 500, 1);
    const serverError = await provider.send(subscription, message, options);
    assert.deepEqual(serverError, { outcome: 'failed', status: 500, reason: 'push service error (500)' });
    assert.deepEqual(await provider.send(subscription, message, options), {
      outcome: 'accepted',
      status: 201,
    });

    service.respondWith(subscription.endpoint, 429, 1);
    const limited = await provider.send(subscription, message, options);
    assert.deepEqual(limited, {
      outcome: 'failed',
      status: 429,
      reason: 'rate limited by push service (429)',
    });

    // A real 413: the encrypted body exceeds the 4096 octets a push service must accept.
    const huge = await provider.send(subscription, { type: 'verification', id: 'x'.repeat(5000) }, options);
    assert.deepEqual(huge, { outcome: 'failed', status: 413, reason: 'payload too large (413)' });
    assert.equal(lastRejection()?.status, 413);
    assert.equal(receivedBy(subscription).length, 1);
  });

  it('reports failed without a status when the push service cannot be reached', async () => {
    const port = await closedPort();
    const subscription = { ...service.createSubscription(), endpoint: `https://127.0.0.1:${port}/push/abc` };

    const result = await provider.send(subscription, message, options);

    assert.deepEqual(result, { outcome: 'failed', status: null, reason: 'network error (ECONNREFUSED)' });
  });

  it('reports failed without a status when the push service does not answer in time', async () => {
    const silent = await startSilentServer();
    try {
      const impatient = createWebPushProvider({ vapid, subject, agent: service.agent, timeoutMs: 200 });
      const subscription = {
        ...service.createSubscription(),
        endpoint: `https://127.0.0.1:${silent.port}/push/a`,
      };
      const started = performance.now();

      const result = await impatient.send(subscription, message, options);

      assert.deepEqual(result, { outcome: 'failed', status: null, reason: 'timed out' });
      assert.ok(performance.now() - started < 1500, 'gave up near the timeout');
    } finally {
      await silent.close();
    }
  });

  it('is refused (403) by a subscription restricted to another application server key', async () => {
    const subscription = service.createSubscription({ applicationServerKey: generateVapidKeys().publicKey });

    const result = await provider.send(subscription, message, options);

    assert.deepEqual(result, {
      outcome: 'failed',
      status: 403,
      reason: 'push service rejected the VAPID authentication (403)',
    });
    assert.equal(lastRejection()?.reason, 'k is not the key this subscription is restricted to');
  });

  describe('the push service checks by hand-built requests', () => {
    const other = generateVapidKeys();

    it('accepts a correct hand-built request, so the refusals below are the checks at work', async () => {
      const subscription = service.createSubscription();
      const status = await post(subscription, { authorization: vapidHeader(subscription, vapid) });
      assert.equal(status, 201);
      assert.deepEqual(receivedBy(subscription)[0]?.payload, message);
    });

    it('refuses a token signed with another key than the k it presents (403)', async () => {
      const subscription = service.createSubscription();
      const signedByOther = vapidHeader(subscription, other).replace(
        `k=${other.publicKey}`,
        `k=${vapid.publicKey}`,
      );
      assert.ok(signedByOther.endsWith(`k=${vapid.publicKey}`));

      const status = await post(subscription, { authorization: signedByOther });

      assert.equal(status, 403);
      assert.deepEqual(lastRejection(), {
        endpoint: subscription.endpoint,
        status: 403,
        reason: 'JWT rejected: ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      });
      assert.equal(receivedBy(subscription).length, 0);
    });

    it('refuses absent (401) and invalid (403) VAPID authentication, RFC 8292 section 4.2', async () => {
      const subscription = service.createSubscription();
      const now = Math.floor(Date.now() / 1000);
      const cases: Array<{ name: string; authorization: string | null; status: number; reason: RegExp }> = [
        { name: 'no Authorization', authorization: null, status: 401, reason: /no vapid authentication/ },
        {
          name: 'aud of another origin',
          authorization: await signedHeader({
            aud: 'https://push.example.net',
            exp: now + 600,
            sub: subject,
          }),
          status: 403,
          reason: /ERR_JWT_CLAIM_VALIDATION_FAILED \(aud\)/,
        },
        {
          name: 'expired',
          authorization: await signedHeader({ aud: service.origin, exp: now - 60, sub: subject }),
          status: 403,
          reason: /ERR_JWT_EXPIRED/,
        },
        {
          name: 'exp beyond 24 hours',
          authorization: await signedHeader({ aud: service.origin, exp: now + 25 * 3600, sub: subject }),
          status: 403,
          reason: /more than 24 hours/,
        },
        {
          name: 'http: subject',
          authorization: await signedHeader({
            aud: service.origin,
            exp: now + 600,
            sub: 'http://example.com',
          }),
          status: 403,
          reason: /sub is not a mailto: or https: URI/,
        },
      ];
      for (const c of cases) {
        assert.equal(await post(subscription, { authorization: c.authorization }), c.status, c.name);
        assert.match(lastRejection()?.reason ?? '', c.reason, c.name);
      }
      assert.equal(receivedBy(subscription).length, 0);
    });

    it('refuses a payload encrypted with the wrong auth secret (400): the device could not read it', async () => {
      const subscription = service.createSubscription();
      const wrongSecret = randomBytes(16).toString('base64url');
      const body = webpush.encrypt(
        subscription.keys.p256dh,
        wrongSecret,
        JSON.stringify(message),
        'aes128gcm',
      );

      const status = await post(
        subscription,
        { authorization: vapidHeader(subscription, vapid) },
        body.cipherText,
      );

      assert.equal(status, 400);
      assert.deepEqual(lastRejection(), {
        endpoint: subscription.endpoint,
        status: 400,
        reason: 'payload could not be decrypted',
      });
      assert.equal(receivedBy(subscription).length, 0);
    });

    it('refuses a request without TTL (400) or with another content coding (415), RFC 8030 section 5.2', async () => {
      const subscription = service.createSubscription();
      const authorization = vapidHeader(subscription, vapid);
      assert.equal(await post(subscription, { authorization, ttl: null }), 400);
      assert.match(lastRejection()?.reason ?? '', /TTL/);
      assert.equal(await post(subscription, { authorization, 'content-encoding': 'aesgcm' }), 415);
      assert.equal(await post(subscription, { authorization, urgency: 'urgent' }), 400);
      assert.equal(receivedBy(subscription).length, 0);
    });

    /** A VAPID header as web-push builds it, for this push service's origin. */
    function vapidHeader(subscription: WebPushSubscription, keys: VapidKeys): string {
      const audience = new URL(subscription.endpoint).origin;
      const { Authorization } = webpush.getVapidHeaders(
        audience,
        subject,
        keys.publicKey,
        keys.privateKey,
        'aes128gcm',
      );
      return Authorization;
    }

    /** A VAPID header with claims of our choosing, signed by our key and presenting it as k. */
    async function signedHeader(claims: { aud: string; exp: number; sub: string }): Promise<string> {
      const point = Buffer.from(vapid.publicKey, 'base64url');
      const key = await importJWK(
        {
          kty: 'EC',
          crv: 'P-256',
          x: point.subarray(1, 33).toString('base64url'),
          y: point.subarray(33).toString('base64url'),
          d: vapid.privateKey,
        },
        'ES256',
      );
      const token = await new SignJWT({ sub: claims.sub })
        .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
        .setAudience(claims.aud)
        .setExpirationTime(claims.exp)
        .sign(key);
      return `vapid t=${token}, k=${vapid.publicKey}`;
    }

    /** POST a correctly encrypted message; `headers` override or (with null) remove the defaults. */
    async function post(
      subscription: WebPushSubscription,
      headers: Record<string, string | null>,
      body?: Buffer,
    ): Promise<number> {
      const payload =
        body ??
        webpush.encrypt(
          subscription.keys.p256dh,
          subscription.keys.auth,
          JSON.stringify(message),
          'aes128gcm',
        ).cipherText;
      const merged: Record<string, string | null> = {
        ttl: '60',
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ...headers,
      };
      const sent = Object.fromEntries(
        Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== null),
      );
      return (await service.post(subscription.endpoint, sent, payload)).status;
    }
  });

  it('throws, sending nothing, for programming errors: bad options or a malformed subscription', async () => {
    const subscription = service.createSubscription();
    const before = service.received.length + service.rejected.length;

    await assert.rejects(provider.send(subscription, message, { ...options, ttlSeconds: -1 }), TypeError);
    await assert.rejects(
      provider.send(subscription, message, { ...options, topic: 'x'.repeat(33) }),
      TypeError,
    );
    const plainHttp = { ...subscription, endpoint: subscription.endpoint.replace('https:', 'http:') };
    await assert.rejects(provider.send(plainHttp, message, options), /endpoint must be an https URL/);
    const shortAuth = { ...subscription, keys: { ...subscription.keys, auth: 'AAAA' } };
    await assert.rejects(provider.send(shortAuth, message, options), /keys.auth must be 16 bytes/);

    assert.equal(service.received.length + service.rejected.length, before);
  });
});

describe('createWebPushProvider configuration', () => {
  const vapid = generateVapidKeys();

  it('accepts mailto: and https: subjects with a matching P-256 key pair', () => {
    for (const good of ['mailto:ops@example.com', 'https://example.com/contact']) {
      assert.equal(createWebPushProvider({ vapid, subject: good }).vapidPublicKey, vapid.publicKey);
    }
  });

  it('rejects subjects a push service would refuse (RFC 8292 section 2.1)', () => {
    const bad = [
      'ops@example.com',
      'http://example.com/contact',
      'https://localhost/contact',
      'https://127.0.0.1/contact',
      'mailto:',
      'mailto: ops@example.com',
      'tel:+15551234567',
      '',
    ];
    for (const s of bad) {
      assert.throws(() => createWebPushProvider({ vapid, subject: s }), /^Error: Invalid VAPID subject/, s);
    }
  });

  it('rejects keys that are not a valid, matching P-256 pair, without echoing the private key', () => {
    const other = generateVapidKeys();
    const point = Buffer.from(vapid.publicKey, 'base64url');
    const compressed = Buffer.concat([Buffer.from([0x02 | (point[64]! & 1)]), point.subarray(1, 33)]);
    const bad: Array<[string, VapidKeys]> = [
      ['public key too short', { ...vapid, publicKey: vapid.publicKey.slice(0, 40) }],
      ['public key compressed', { ...vapid, publicKey: compressed.toString('base64url') }],
      ['standard base64 with padding', { ...vapid, publicKey: `${point.toString('base64')}` }],
      ['private key too short', { ...vapid, privateKey: vapid.privateKey.slice(0, 20) }],
      ['private key zero', { ...vapid, privateKey: Buffer.alloc(32).toString('base64url') }],
      ['keys from two pairs', { publicKey: vapid.publicKey, privateKey: other.privateKey }],
    ];
    for (const [name, keys] of bad) {
      assert.throws(
        () => createWebPushProvider({ vapid: keys, subject }),
        (error: Error) =>
          /^Invalid VAPID keys/.test(error.message) && !error.message.includes(keys.privateKey),
        name,
      );
    }
  });

  it('rejects a timeout that is not a positive integer', () => {
    assert.throws(() => createWebPushProvider({ vapid, subject, timeoutMs: 0 }), /timeoutMs/);
  });
});

/** A port on 127.0.0.1 that nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts connections and never answers, not even the TLS handshake. */
async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
