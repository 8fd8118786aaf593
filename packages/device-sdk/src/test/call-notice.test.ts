/**
 * Verifying call notices and the "is anyone calling?" statement (docs/device-protocol.md, "Call
 * notices") against a pinned key set: a genuine notice verifies; one signed by another key, for
 * another device, customer, issuer or id, of another type, issued in the future, expired, or
 * ended (signed so, or heard live) is refused with its typed error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jwsTypes } from '@helpdesk-auth/core';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { verifyCallNotice, verifyCallStatus } from '../call-notice.ts';
import { isDeviceSdkError } from '../errors.ts';

const issuer = 'https://auth.acme.example';
const customerId = 'cus_01M87A0000000000000000TEST';
const deviceId = 'dev_01M87A0000000000000000TEST';
const id = 'cal_01M87A0000000000000000TEST';
const now = Date.UTC(2026, 0, 15, 9, 0, 0);
const seconds = Math.floor(now / 1000);

const server = await generateKeyPair('ES256');
const forger = await generateKeyPair('ES256');
const serverJwk: JWK = { ...(await exportJWK(server.publicKey)), kid: 'srk_1', alg: 'ES256', use: 'sig' };
const jwks = { keys: [serverJwk] };
const trust = { id, jwks, issuer, customerId, deviceId, now };

function claims(overrides: Record<string, unknown> = {}) {
  return {
    iss: issuer,
    aud: deviceId,
    sub: customerId,
    jti: id,
    iat: seconds,
    exp: seconds + 900,
    status: 'active',
    tenant: { id: 'ten_1', name: 'Acme Bank' },
    agent: { displayName: 'Jane' },
    team: 'Card Services',
    reason: 'About your card',
    fromNumber: '+4930123456',
    mutualCode: 'agent_reads',
    code: '482913',
    ...overrides,
  };
}

async function sign(
  payload: Record<string, unknown>,
  {
    key = server.privateKey,
    kid = 'srk_1',
    typ = jwsTypes.callNotice as string,
  }: {
    key?: CryptoKey;
    kid?: string;
    typ?: string;
  } = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ, kid }).sign(key);
}

async function refusedWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isDeviceSdkError(error) && error.code === code);
}

describe('verifyCallNotice', () => {
  it('a genuine notice verifies and says who calls, why, from which number, with the code', async () => {
    const notice = await verifyCallNotice(await sign(claims()), trust);
    assert.deepEqual(
      {
        tenant: notice.tenant.name,
        agent: notice.agentName,
        team: notice.team,
        reason: notice.reason,
        from: notice.fromNumber,
        mode: notice.mutualCode,
        code: notice.code,
        expires: notice.expiresAt.getTime(),
      },
      {
        tenant: 'Acme Bank',
        agent: 'Jane',
        team: 'Card Services',
        reason: 'About your card',
        from: '+4930123456',
        mode: 'agent_reads',
        code: '482913',
        expires: (seconds + 900) * 1000,
      },
    );
  });

  it('a forged notice (another key, the pinned kid) is refused', async () => {
    await refusedWith(
      verifyCallNotice(await sign(claims(), { key: forger.privateKey }), trust),
      'CALL_NOTICE_INVALID',
    );
  });

  it('a notice under a key the device does not pin is refused', async () => {
    await refusedWith(
      verifyCallNotice(await sign(claims(), { key: forger.privateKey, kid: 'srk_forged' }), trust),
      'CALL_NOTICE_INVALID',
    );
  });

  it("another device's notice, replayed to this one, is refused", async () => {
    await refusedWith(
      verifyCallNotice(await sign(claims({ aud: 'dev_01M87A0000000000000000OTHR' })), trust),
      'CALL_NOTICE_INVALID',
    );
  });

  it("another customer's, another issuer's, another id's or another type's is refused", async () => {
    for (const jws of [
      await sign(claims({ sub: 'cus_01M87A0000000000000000OTHR' })),
      await sign(claims({ iss: 'https://evil.example' })),
      await sign(claims({ jti: 'cal_01M87A0000000000000000OTHR' })),
      await sign(claims(), { typ: jwsTypes.request }),
      await sign(claims(), { typ: jwsTypes.callStatus }),
    ]) {
      await refusedWith(verifyCallNotice(jws, trust), 'CALL_NOTICE_INVALID');
    }
  });

  it('an expired notice is refused beyond 60 s of skew, accepted within it', async () => {
    const jws = await sign(claims({ iat: seconds - 1000, exp: seconds - 30 }));
    assert.equal((await verifyCallNotice(jws, trust)).id, id);
    await refusedWith(
      verifyCallNotice(await sign(claims({ iat: seconds - 1000, exp: seconds - 61 })), trust),
      'CALL_NOTICE_EXPIRED',
    );
  });

  it('a notice issued in the future is refused', async () => {
    await refusedWith(
      verifyCallNotice(await sign(claims({ iat: seconds + 300, exp: seconds + 1200 })), trust),
      'CALL_NOTICE_INVALID',
    );
  });

  it('an ended notice is refused: signed as ended, or heard ended on the live channel', async () => {
    await refusedWith(
      verifyCallNotice(await sign(claims({ status: 'ended', code: undefined })), trust),
      'CALL_NOTICE_ENDED',
    );
    await refusedWith(
      verifyCallNotice(await sign(claims({ status: 'expired', code: undefined })), trust),
      'CALL_NOTICE_ENDED',
    );
    await refusedWith(
      verifyCallNotice(await sign(claims()), { ...trust, ended: new Set([id]) }),
      'CALL_NOTICE_ENDED',
    );
  });

  it('malformed claims and non-strings are refused', async () => {
    for (const jws of [
      await sign(claims({ mutualCode: 'both' })),
      await sign(claims({ reason: 7 })),
      await sign(claims({ code: 'abc' })),
      await sign(claims({ code: undefined })),
      await sign(claims({ agent: null })),
    ]) {
      await refusedWith(verifyCallNotice(jws, trust), 'CALL_NOTICE_INVALID');
    }
    await refusedWith(verifyCallNotice(undefined, trust), 'CALL_NOTICE_INVALID');
    await refusedWith(verifyCallNotice('a.b.c', trust), 'CALL_NOTICE_INVALID');
  });
});

describe('verifyCallStatus', () => {
  const nonce = 'n0nce-n0nce-n0nce-1';
  const status = (overrides: Record<string, unknown> = {}) => ({
    iss: issuer,
    aud: deviceId,
    sub: customerId,
    iat: seconds,
    exp: seconds + 60,
    active: false,
    noticeId: null,
    nonce,
    ...overrides,
  });
  const statusTrust = { jwks, issuer, customerId, deviceId, now, nonce };

  it('"nobody is calling" and "notice X" verify with the nonce the device sent', async () => {
    assert.deepEqual(
      {
        ...(await verifyCallStatus(await sign(status(), { typ: jwsTypes.callStatus }), statusTrust)),
        checkedAt: null,
      },
      { active: false, noticeId: null, checkedAt: null },
    );
    const active = await verifyCallStatus(
      await sign(status({ active: true, noticeId: id }), { typ: jwsTypes.callStatus }),
      statusTrust,
    );
    assert.equal(active.noticeId, id);
  });

  it("an old answer (another nonce), a forged one, another device's, or a notice typ is refused", async () => {
    for (const jws of [
      await sign(status({ nonce: 'another-nonce-000000' }), { typ: jwsTypes.callStatus }),
      await sign(status(), { typ: jwsTypes.callStatus, key: forger.privateKey }),
      await sign(status({ aud: 'dev_01M87A0000000000000000OTHR' }), { typ: jwsTypes.callStatus }),
      await sign(status({ exp: seconds - 120, iat: seconds - 180 }), { typ: jwsTypes.callStatus }),
      await sign(status()),
      await sign(status({ active: true, noticeId: null }), { typ: jwsTypes.callStatus }),
    ]) {
      await refusedWith(verifyCallStatus(jws, statusTrust), 'CALL_STATUS_INVALID');
    }
  });
});
