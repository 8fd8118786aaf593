// Tests of the device client against a minimal server side of the device protocol.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decisionSigningPayload, decisionStatus, isVerificationDecision } from '@helpdesk-auth/core';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { createDeviceClient, type DeviceEvent, parseActivation } from '../device-client.ts';
import { DeviceSdkError } from '../errors.ts';
import { createMemoryKeyStore, type DeviceKeyStore } from '../key-store.ts';

// ---------------------------------------------------------------------------------------------
// A minimal server side of docs/device-protocol.md, enough to exercise the client.
// ---------------------------------------------------------------------------------------------

const activationCode = 'K7QM2XPA9RTDH4WN';
const customerId = 'cus_alice';
const serverKid = 'srv-1';
const goodCode = '42';

interface RecordedProof {
  method: string;
  path: string;
  header: Record<string, unknown>;
  payload: JWTPayload;
}

interface RecordedDecision {
  jws: string;
  payload: string;
  hadProofHeader: boolean;
}

interface FakeRequest {
  status: string;
  /** What the device must sign back; the server's copy of the request. */
  actionSummary: string | null;
  request: () => Promise<string>;
}

async function startFakeServer() {
  const serverKeys = await generateKeyPair('ES256');
  const foreignKeys = await generateKeyPair('ES256');
  const serverJwk: JWK = {
    ...(await exportJWK(serverKeys.publicKey)),
    kid: serverKid,
    alg: 'ES256',
    use: 'sig',
  };
  const devices = new Map<string, { jwk: JWK; label: string; platform: string }>();
  const requests = new Map<string, FakeRequest>();
  const proofs: RecordedProof[] = [];
  const decisions: RecordedDecision[] = [];
  const extraRoutes = new Map<string, (res: ServerResponse) => void>();
  let nextDevice = 1;
  let baseUrl = '';

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }
  function fail(res: ServerResponse, status: number, code: string, details?: unknown) {
    send(res, status, { error: { code, message: `fake ${code}`, ...(details ? { details } : {}) } });
  }

  function checkClaims(payload: JWTPayload, method: string, path: string) {
    assert.equal(payload.htm, method);
    assert.equal(payload.htu, `${baseUrl}${path}`);
    assert.ok(typeof payload.iat === 'number' && Math.abs(payload.iat - Date.now() / 1000) < 60);
    assert.match(String(payload.jti), /^[A-Za-z0-9_-]{16,128}$/);
  }

  /** Verifies a device proof like the server would; answers the device id, or null after a 401. */
  async function verifyProof(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<string | null> {
    const proof = req.headers['device-proof'];
    try {
      if (typeof proof !== 'string') throw new Error('no proof');
      const header = decodeProtectedHeader(proof);
      const device = devices.get(String(header.kid));
      if (!device) throw new Error('unknown kid');
      const { payload, protectedHeader } = await jwtVerify(proof, device.jwk, {
        typ: 'hda-proof+jwt',
        algorithms: ['ES256'],
      });
      checkClaims(payload, req.method!, path);
      proofs.push({ method: req.method!, path, header: { ...protectedHeader }, payload });
      return String(header.kid);
    } catch {
      fail(res, 401, 'DEVICE_PROOF_INVALID');
      return null;
    }
  }

  function deviceRecord(id: string) {
    const device = devices.get(id)!;
    return {
      id,
      customerId,
      label: device.label,
      platform: device.platform,
      status: 'active',
      createdAt: '2026-01-01T00:00:00.000Z',
      lastSeenAt: null,
      push: null,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : undefined;
    const path = new URL(req.url!, baseUrl).pathname;
    const route = `${req.method} ${path}`;

    if (route === 'POST /v1/device/enroll') {
      const proof = String(req.headers['device-proof']);
      let jwk: JWK;
      try {
        const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
          typ: 'hda-proof+jwt',
          algorithms: ['ES256'],
        });
        checkClaims(payload, 'POST', path);
        assert.equal(protectedHeader.kid, undefined);
        proofs.push({ method: 'POST', path, header: { ...protectedHeader }, payload });
        jwk = protectedHeader.jwk as JWK;
      } catch {
        return fail(res, 401, 'DEVICE_PROOF_INVALID');
      }
      if (String(body.activationCode).replace(/-/g, '').toUpperCase() !== activationCode) {
        return fail(res, 401, 'ACTIVATION_INVALID');
      }
      const id = `dev_${nextDevice++}`;
      devices.set(id, { jwk, label: body.label, platform: body.platform });
      return send(res, 201, {
        device: deviceRecord(id),
        tenant: { id: 'ten_1', name: 'Acme Bank' },
        issuer: baseUrl,
        jwks: { keys: [serverJwk] },
      });
    }

    const decision = /^POST \/v1\/device\/verifications\/([^/]+)\/decision$/.exec(route);
    if (decision) {
      const id = decodeURIComponent(decision[1]!);
      const stored = requests.get(id);
      if (!stored) return fail(res, 404, 'NOT_FOUND');
      const jws = String(body.signedDecision);
      let payload: string;
      try {
        const header = decodeProtectedHeader(jws);
        assert.equal(header.typ, 'hda-decision+jwt');
        const device = devices.get(String(header.kid))!;
        const verified = await compactVerify(jws, device.jwk, { algorithms: ['ES256'] });
        payload = new TextDecoder().decode(verified.payload);
        const fields = JSON.parse(payload);
        // The SDK signs the RFC 8785 form of the payload rebuilt from this copy of the request.
        const rebuilt = decisionSigningPayload({
          verificationId: id,
          decision: fields.decision,
          code: fields.code,
          nonce: fields.nonce,
          iat: fields.iat,
          actionSummary: stored.actionSummary,
        });
        assert.equal(payload, rebuilt);
      } catch {
        return fail(res, 401, 'DECISION_SIGNATURE_INVALID');
      }
      decisions.push({ jws, payload, hadProofHeader: req.headers['device-proof'] !== undefined });
      const fields = JSON.parse(payload);
      if (!isVerificationDecision(fields.decision)) return fail(res, 400, 'VALIDATION_FAILED');
      if (fields.decision === 'approve' && fields.code !== goodCode) {
        return fail(res, 422, 'WRONG_CODE', { attemptsLeft: 2 });
      }
      stored.status = decisionStatus[fields.decision as keyof typeof decisionStatus];
      return send(res, 200, { id, status: stored.status });
    }

    const deviceId = await verifyProof(req, res, path);
    if (deviceId === null) return;
    const extra = extraRoutes.get(route);
    if (extra) return extra(res);

    if (route === 'GET /v1/device') return send(res, 200, { device: deviceRecord(deviceId) });
    if (route === 'PATCH /v1/device') {
      if (typeof body.label === 'string') devices.get(deviceId)!.label = body.label;
      return send(res, 200, { device: deviceRecord(deviceId) });
    }
    if (route === 'DELETE /v1/device') {
      devices.delete(deviceId);
      return send(res, 204);
    }
    if (route === 'GET /v1/device/verifications') {
      const verifications = [];
      for (const [id, stored] of requests) {
        if (stored.status === 'pending')
          verifications.push({ id, status: stored.status, request: await stored.request() });
      }
      return send(res, 200, { verifications });
    }
    const single = /^GET \/v1\/device\/verifications\/([^/]+)$/.exec(route);
    if (single) {
      const id = decodeURIComponent(single[1]!);
      const stored = requests.get(id);
      if (!stored) return fail(res, 404, 'NOT_FOUND');
      return send(res, 200, { id, status: stored.status, request: await stored.request() });
    }
    return fail(res, 404, 'ROUTE_NOT_FOUND');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  interface RequestOptions {
    id: string;
    status?: string;
    purpose?: 'authenticate' | 'confirm_action';
    actionSummary?: string | null;
    claims?: Record<string, unknown>;
    key?: CryptoKey;
    kid?: string;
    typ?: string;
    lifetimeSeconds?: number;
    /** Changes the signed claims after signing, keeping the signature. */
    tamper?: (claims: Record<string, unknown>) => Record<string, unknown>;
  }

  /** Stores a verification whose `request` is signed as the options say (by default: correctly). */
  function addRequest(options: RequestOptions): void {
    const purpose = options.purpose ?? 'authenticate';
    const actionSummary = options.actionSummary ?? null;
    const lifetime = options.lifetimeSeconds ?? 120;
    requests.set(options.id, {
      status: options.status ?? 'pending',
      actionSummary,
      request: async () => {
        const iat = Math.floor(Date.now() / 1000) + Math.min(0, lifetime - 120);
        const jws = await new SignJWT({
          iss: baseUrl,
          sub: customerId,
          jti: options.id,
          iat,
          exp: iat + 120,
          purpose,
          reason: 'Password reset requested by phone',
          actionSummary,
          tenantName: 'Acme Bank',
          agentName: 'Bob (helpdesk)',
          codeLength: 2,
          ...options.claims,
        })
          .setProtectedHeader({
            alg: 'ES256',
            typ: options.typ ?? 'hda-request+jwt',
            kid: options.kid ?? serverKid,
          })
          .sign(options.key ?? serverKeys.privateKey);
        if (!options.tamper) return jws;
        const [head, body, signature] = jws.split('.');
        const claims = options.tamper(JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')));
        return `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      },
    });
  }

  return {
    baseUrl,
    link: `${baseUrl}/app/activate#code=K7QM-2XPA-9RTD-H4WN`,
    serverKeys,
    foreignKeys,
    devices,
    proofs,
    decisions,
    extraRoutes,
    addRequest,
    signedRequest: (id: string) => requests.get(id)!.request(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type FakeServer = Awaited<ReturnType<typeof startFakeServer>>;

function sdkError(code: string, check?: (error: DeviceSdkError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof DeviceSdkError, `expected DeviceSdkError, got ${String(error)}`);
    assert.equal(error.code, code);
    check?.(error);
    return true;
  };
}

async function enrolledClient(server: FakeServer, store: DeviceKeyStore = createMemoryKeyStore()) {
  const client = createDeviceClient({ store });
  const state = await client.enroll(server.link, { label: "Alice's phone", platform: 'ios' });
  return { client, store, state };
}

// ---------------------------------------------------------------------------------------------

describe('parseActivation', () => {
  it('reads the code and the server from a link', () => {
    assert.deepEqual(parseActivation('https://auth.example.com/app/activate#code=k7qm-2xpa-9rtd-h4wn'), {
      code: 'K7QM-2XPA-9RTD-H4WN',
      baseUrl: 'https://auth.example.com',
    });
  });

  it('keeps a path prefix in front of /app/activate', () => {
    assert.equal(
      parseActivation('https://example.com/helpdesk/app/activate#code=K7QM2XPA9RTDH4WN').baseUrl,
      'https://example.com/helpdesk',
    );
  });

  it('reads a bare code in any case, with or without dashes and spaces', () => {
    for (const input of ['K7QM-2XPA-9RTD-H4WN', 'k7qm2xpa9rtdh4wn', ' K7QM 2XPA 9RTD H4WN ']) {
      assert.deepEqual(parseActivation(input), { code: 'K7QM-2XPA-9RTD-H4WN', baseUrl: null });
    }
  });

  it('reads an app deep link but names no server for it', () => {
    assert.deepEqual(parseActivation('acmebank://activate#code=K7QM2XPA9RTDH4WN'), {
      code: 'K7QM-2XPA-9RTD-H4WN',
      baseUrl: null,
    });
  });

  it('refuses what is not an activation', () => {
    for (const input of [
      '',
      'K7QM-2XPA-9RTD',
      'K7QM-2XPA-9RTD-H4W!',
      'https://x.example/app/activate',
      'http://[bad',
    ]) {
      assert.throws(() => parseActivation(input), sdkError('INVALID_ACTIVATION'), input);
    }
  });

  it('in a client: needs baseUrl for a bare code, and refuses links to another server', () => {
    const store = createMemoryKeyStore();
    assert.throws(
      () => createDeviceClient({ store }).parseActivation('K7QM2XPA9RTDH4WN'),
      sdkError('INVALID_ACTIVATION'),
    );
    const pinned = createDeviceClient({ store, baseUrl: 'https://auth.example.com/' });
    assert.deepEqual(pinned.parseActivation('K7QM2XPA9RTDH4WN'), {
      code: 'K7QM-2XPA-9RTD-H4WN',
      baseUrl: 'https://auth.example.com',
    });
    assert.equal(
      pinned.parseActivation('https://auth.example.com/app/activate#code=K7QM2XPA9RTDH4WN').baseUrl,
      'https://auth.example.com',
    );
    assert.throws(
      () => pinned.parseActivation('https://evil.example/app/activate#code=K7QM2XPA9RTDH4WN'),
      sdkError('INVALID_ACTIVATION'),
    );
  });
});

describe('createDeviceClient against a fake server', () => {
  let server: FakeServer;
  before(async () => {
    server = await startFakeServer();
  });
  after(async () => {
    await server.close();
  });

  describe('enrollment and proofs', () => {
    it('enrolls with a jwk-headed proof and pins issuer and keys', async () => {
      const store = createMemoryKeyStore();
      const client = createDeviceClient({ store });
      assert.equal(await client.isEnrolled(), false);
      const state = await client.enroll(server.link, { label: "Alice's phone", platform: 'ios' });
      assert.equal(await client.isEnrolled(), true);
      assert.deepEqual(await client.state(), state);
      assert.equal(state.issuer, server.baseUrl);
      assert.equal(state.baseUrl, server.baseUrl);
      assert.equal(state.customerId, customerId);
      assert.deepEqual(state.tenant, { id: 'ten_1', name: 'Acme Bank' });
      assert.equal(state.jwks.keys[0]?.kid, serverKid);

      const proof = server.proofs.at(-1)!;
      assert.equal(proof.path, '/v1/device/enroll');
      assert.deepEqual(Object.keys(proof.header).sort(), ['alg', 'jwk', 'typ']);
      assert.deepEqual(Object.keys(proof.header.jwk as object).sort(), ['crv', 'kty', 'x', 'y']);
      const key = await store.loadKey();
      assert.ok(key);
      assert.equal(key.privateKey.extractable, false);
      assert.equal(
        await calculateJwkThumbprint(proof.header.jwk as JWK),
        await calculateJwkThumbprint(await exportJWK(key.publicKey)),
      );
    });

    it('signs every later request with a kid-headed proof naming method and URL', async () => {
      const now = Date.now();
      const store = createMemoryKeyStore();
      const client = createDeviceClient({ store, now: () => now });
      const { deviceId } = await client.enroll(server.link, { label: "Alice's phone", platform: 'web' });
      const device = await client.device();
      assert.equal(device.id, deviceId);
      await client.rename('Work phone');

      const [get, patch] = server.proofs.slice(-2);
      assert.deepEqual(get!.header, { alg: 'ES256', typ: 'hda-proof+jwt', kid: deviceId });
      assert.deepEqual(
        { htm: get!.payload.htm, htu: get!.payload.htu, iat: get!.payload.iat },
        { htm: 'GET', htu: `${server.baseUrl}/v1/device`, iat: Math.floor(now / 1000) },
      );
      assert.deepEqual(Object.keys(get!.payload).sort(), ['htm', 'htu', 'iat', 'jti']);
      assert.equal(patch!.payload.htm, 'PATCH');
      assert.notEqual(get!.payload.jti, patch!.payload.jti);
      assert.equal((await client.state())?.label, 'Work phone');
    });

    it('refuses to enroll twice into one store', async () => {
      const { client } = await enrolledClient(server);
      await assert.rejects(
        client.enroll(server.link, { label: 'again', platform: 'ios' }),
        sdkError('ALREADY_ENROLLED'),
      );
    });

    it('says NOT_ENROLLED before enrollment', async () => {
      const client = createDeviceClient({ store: createMemoryKeyStore() });
      await assert.rejects(client.device(), sdkError('NOT_ENROLLED'));
      await assert.rejects(client.fetchRequest('ver_x'), sdkError('NOT_ENROLLED'));
    });

    it('revokes: DELETE with a proof, then forgets the key', async () => {
      const { client, store, state } = await enrolledClient(server);
      await client.revoke();
      assert.equal(server.proofs.at(-1)?.method, 'DELETE');
      assert.equal(server.devices.has(state.deviceId), false);
      assert.equal(await client.isEnrolled(), false);
      assert.equal(await store.loadKey(), null);
      await assert.rejects(client.device(), sdkError('NOT_ENROLLED'));
    });
  });

  describe('signed requests', () => {
    before(() => {
      server.addRequest({ id: 'ver_ok' });
      server.addRequest({
        id: 'ver_action',
        purpose: 'confirm_action',
        actionSummary: 'Change postal address to 1 Main Street',
      });
      server.addRequest({ id: 'ver_foreign', key: server.foreignKeys.privateKey, kid: 'evil-1' });
      server.addRequest({ id: 'ver_foreign_same_kid', key: server.foreignKeys.privateKey });
      server.addRequest({ id: 'ver_wrong_sub', claims: { sub: 'cus_mallory' } });
      server.addRequest({ id: 'ver_wrong_iss', claims: { iss: 'https://evil.example' } });
      server.addRequest({ id: 'ver_wrong_typ', typ: 'JWT' });
      server.addRequest({ id: 'ver_swapped', claims: { jti: 'ver_ok' } });
      server.addRequest({
        id: 'ver_tampered',
        tamper: (claims) => ({ ...claims, reason: 'Your bank: approve to stop the fraud' }),
      });
      server.addRequest({ id: 'ver_expired', status: 'expired', lifetimeSeconds: -300 });
    });

    it('verifies a request and reports its claims', async () => {
      const { client } = await enrolledClient(server);
      const request = await client.fetchRequest('ver_action');
      assert.equal(request.id, 'ver_action');
      assert.equal(request.status, 'pending');
      assert.equal(request.purpose, 'confirm_action');
      assert.equal(request.actionSummary, 'Change postal address to 1 Main Street');
      assert.equal(request.tenantName, 'Acme Bank');
      assert.equal(request.agentName, 'Bob (helpdesk)');
      assert.equal(request.codeLength, 2);
      assert.equal(request.expiresAt.getTime() - request.issuedAt.getTime(), 120_000);
      assert.equal(server.proofs.at(-1)?.payload.htu, `${server.baseUrl}/v1/device/verifications/ver_action`);
    });

    for (const [id, what] of [
      ['ver_foreign', 'signed by a key that is not pinned'],
      ['ver_foreign_same_kid', 'signed by a foreign key claiming the pinned kid'],
      ['ver_wrong_sub', 'for another customer'],
      ['ver_wrong_iss', 'from another issuer'],
      ['ver_wrong_typ', 'of another type'],
      ['ver_swapped', 'signed for another verification id'],
      ['ver_tampered', 'whose signed claims were altered'],
    ] as const) {
      it(`refuses a request ${what}`, async () => {
        const { client } = await enrolledClient(server);
        await assert.rejects(client.fetchRequest(id), sdkError('REQUEST_SIGNATURE_INVALID'));
      });
    }

    it('shows an expired request as expired, still checking its signature', async () => {
      const { client } = await enrolledClient(server);
      const request = await client.fetchRequest('ver_expired');
      assert.equal(request.status, 'expired');
      assert.ok(request.expiresAt.getTime() < Date.now());
    });

    it('lists pending requests, each verified', async () => {
      const { client } = await enrolledClient(server);
      const list = async (ids: string[]) => ({
        verifications: await Promise.all(
          ids.map(async (id) => ({ id, status: 'pending', request: await server.signedRequest(id) })),
        ),
      });
      const body = await list(['ver_action', 'ver_ok']);
      server.extraRoutes.set('GET /v1/device/verifications', (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
      try {
        const requests = await client.pendingRequests();
        assert.deepEqual(
          requests.map((request) => [request.id, request.purpose]),
          [
            ['ver_action', 'confirm_action'],
            ['ver_ok', 'authenticate'],
          ],
        );
        assert.equal(server.proofs.at(-1)?.payload.htu, `${server.baseUrl}/v1/device/verifications`);
      } finally {
        server.extraRoutes.delete('GET /v1/device/verifications');
      }
      // The fake's own list holds the forged ones too: one bad signature fails the whole list.
      await assert.rejects(client.pendingRequests(), sdkError('REQUEST_SIGNATURE_INVALID'));
    });
  });

  describe('decisions', () => {
    before(() => {
      server.addRequest({
        id: 'ver_d1',
        purpose: 'confirm_action',
        actionSummary: 'Raise card limit to 5 000 €',
      });
      server.addRequest({ id: 'ver_d2' });
      server.addRequest({ id: 'ver_d3' });
    });

    it('signs exactly decisionSigningPayload, verifiable with the device key, without a proof header', async () => {
      const now = Date.now();
      const store = createMemoryKeyStore();
      const client = createDeviceClient({ store, now: () => now });
      const { deviceId } = await client.enroll(server.link, { label: "Alice's phone", platform: 'android' });
      const request = await client.fetchRequest('ver_d1');
      const outcome = await client.decide(request, { decision: 'approve', code: goodCode });
      assert.deepEqual(outcome, { id: 'ver_d1', status: 'approved' });

      const recorded = server.decisions.at(-1)!;
      assert.equal(recorded.hadProofHeader, false);
      const { nonce, iat } = JSON.parse(recorded.payload);
      assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(iat, Math.floor(now / 1000));
      const expected = decisionSigningPayload({
        verificationId: 'ver_d1',
        decision: 'approve',
        code: goodCode,
        nonce,
        iat,
        actionSummary: 'Raise card limit to 5 000 €',
      });
      const key = (await store.loadKey())!;
      const verified = await compactVerify(recorded.jws, key.publicKey);
      assert.deepEqual(Buffer.from(verified.payload), Buffer.from(expected, 'utf8'));
      assert.deepEqual(verified.protectedHeader, { alg: 'ES256', typ: 'hda-decision+jwt', kid: deviceId });
    });

    it('signs a null code for deny, whatever was typed', async () => {
      const { client } = await enrolledClient(server);
      const request = await client.fetchRequest('ver_d2');
      assert.deepEqual(await client.decide(request, { decision: 'deny', code: '99' }), {
        id: 'ver_d2',
        status: 'denied',
      });
      const payload = JSON.parse(server.decisions.at(-1)!.payload);
      assert.equal(payload.code, null);
      assert.equal(payload.actionSummary, null);
    });

    it('turns 422 WRONG_CODE into an error with attemptsLeft', async () => {
      const { client } = await enrolledClient(server);
      const request = await client.fetchRequest('ver_d3');
      await assert.rejects(
        client.decide(request, { decision: 'approve', code: '13' }),
        sdkError('WRONG_CODE', (error) => {
          assert.equal(error.status, 422);
          assert.equal(error.details?.attemptsLeft, 2);
          assert.equal(error.message, 'fake WRONG_CODE');
        }),
      );
    });

    it('refuses a code of the wrong length without sending it', async () => {
      const { client } = await enrolledClient(server);
      const request = await client.fetchRequest('ver_d3');
      const before = server.decisions.length;
      for (const code of ['4', '123', '4a', '', undefined]) {
        await assert.rejects(client.decide(request, { decision: 'approve', code }), sdkError('INVALID_CODE'));
      }
      assert.equal(server.decisions.length, before);
    });
  });

  describe('errors', () => {
    it('passes the server code, status and message through', async () => {
      const client = createDeviceClient({ store: createMemoryKeyStore() });
      await assert.rejects(
        client.enroll(`${server.baseUrl}/app/activate#code=AAAA-BBBB-CCCC-DDDD`, {
          label: 'x',
          platform: 'web',
        }),
        sdkError('ACTIVATION_INVALID', (error) => assert.equal(error.status, 401)),
      );
      assert.equal(await client.isEnrolled(), false);
    });

    it('reads Retry-After', async () => {
      const { client } = await enrolledClient(server);
      server.extraRoutes.set('GET /v1/device', (res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
        res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down' } }));
      });
      try {
        await assert.rejects(
          client.device(),
          sdkError('RATE_LIMITED', (error) => assert.equal(error.retryAfterSeconds, 30)),
        );
      } finally {
        server.extraRoutes.delete('GET /v1/device');
      }
    });

    it('says UNEXPECTED_RESPONSE for an answer without the error shape', async () => {
      const { client } = await enrolledClient(server);
      server.extraRoutes.set('GET /v1/device', (res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      });
      try {
        await assert.rejects(
          client.device(),
          sdkError('UNEXPECTED_RESPONSE', (error) => assert.equal(error.status, 502)),
        );
      } finally {
        server.extraRoutes.delete('GET /v1/device');
      }
    });

    it('says NETWORK_ERROR when the server cannot be reached', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const client = createDeviceClient({ store: createMemoryKeyStore() });
      await assert.rejects(
        client.enroll(`http://127.0.0.1:${port}/app/activate#code=${activationCode}`, {
          label: 'x',
          platform: 'cli',
        }),
        sdkError('NETWORK_ERROR'),
      );
    });

    it('treats an already revoked device as revoked and forgets it', async () => {
      const { client } = await enrolledClient(server);
      server.extraRoutes.set('DELETE /v1/device', (res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'DEVICE_REVOKED', message: 'revoked' } }));
      });
      try {
        await client.revoke();
        assert.equal(await client.isEnrolled(), false);
      } finally {
        server.extraRoutes.delete('DELETE /v1/device');
      }
    });
  });

  describe('live channel', () => {
    it('parses the event stream across awkward chunks and resolves when it ends', async () => {
      const { client, state } = await enrolledClient(server);
      const stream =
        ': keep-alive\r\n\r\n' +
        'event: verification\r\ndata: {"id":"ver_9","status":"pending"}\r\n\r\n' +
        'event: something-new\r\ndata: {}\r\n\r\n' +
        'event: device-enrolled\r\ndata: {"deviceId":"dev_77","label":"Tablet","platform":"web"}\r\n\r\n' +
        `event: device-revoked\r\ndata: {"deviceId":"${state.deviceId}"}\r\n\r\n`;
      server.extraRoutes.set('GET /v1/device/events', (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        const pieces = stream.match(/[\s\S]{1,7}/g)!;
        let i = 0;
        const timer = setInterval(() => {
          if (i < pieces.length) res.write(pieces[i++]);
          else {
            clearInterval(timer);
            res.end();
          }
        }, 1);
      });
      const events: DeviceEvent[] = [];
      try {
        await client.listen({ onEvent: (event) => void events.push(event) });
      } finally {
        server.extraRoutes.delete('GET /v1/device/events');
      }
      assert.deepEqual(events, [
        { type: 'verification', id: 'ver_9', status: 'pending' },
        { type: 'device-enrolled', deviceId: 'dev_77', label: 'Tablet', platform: 'web' },
        { type: 'device-revoked', deviceId: state.deviceId },
      ]);
    });

    it('sends a proof for the events URL and resolves when aborted', async () => {
      const { client } = await enrolledClient(server);
      server.extraRoutes.set('GET /v1/device/events', (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: verification\ndata: {"id":"ver_1","status":"pending"}\n\n');
        // ... and stays open.
      });
      const controller = new AbortController();
      const events: DeviceEvent[] = [];
      try {
        await client.listen({
          signal: controller.signal,
          onEvent: (event) => {
            events.push(event);
            controller.abort();
          },
        });
      } finally {
        server.extraRoutes.delete('GET /v1/device/events');
      }
      assert.equal(events.length, 1);
      const proof = server.proofs.at(-1)!;
      assert.deepEqual([proof.method, proof.payload.htu], ['GET', `${server.baseUrl}/v1/device/events`]);
    });

    it('refuses an answer that is not an event stream', async () => {
      const { client } = await enrolledClient(server);
      server.extraRoutes.set('GET /v1/device/events', (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
      try {
        await assert.rejects(client.listen({ onEvent: () => {} }), sdkError('UNEXPECTED_RESPONSE'));
      } finally {
        server.extraRoutes.delete('GET /v1/device/events');
      }
    });
  });
});
