// Checks what the server signs about outbound calls (docs/device-protocol.md, "Call notices"):
// a notice ("Acme is calling you now") and the answer to "is anyone from Acme calling me?",
// against the keys, issuer, customer and device this device pinned at enrollment.
import {
  type CallMutualCode,
  type CallNoticeStatus,
  callNoticeStatuses,
  isCallMutualCode,
  jwsTypes,
} from '@helpdesk-auth/core';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { DeviceSdkError } from './errors.ts';

/** Seconds of clock difference between device and server that are tolerated. */
export const callClockSkewSeconds = 60;

/** What a device pinned at enrollment, and the notice it expects. */
export interface CallNoticeTrust {
  /** The notice id it was fetched as (its `jti`). */
  id: string;
  jwks: JSONWebKeySet;
  issuer: string;
  customerId: string;
  /** This device: a notice is signed for one device (`aud`). */
  deviceId: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** Notices this device heard were ended (live `call_notice_ended`, or a signed ended status). */
  ended?: ReadonlySet<string>;
}

/** A notice whose signature, issuer, customer, device, time and status were checked. */
export interface VerifiedCallNotice {
  id: string;
  status: CallNoticeStatus;
  tenant: { id: string; name: string };
  /** Who is calling: the agent's name as the bank shows it. */
  agentName: string;
  team: string | null;
  /** Why the bank calls. */
  reason: string;
  /** The number the customer's phone should show, E.164; null when the bank did not say. */
  fromNumber: string | null;
  mutualCode: CallMutualCode;
  /**
   * agent_reads: the code the agent should read out (compare it); customer_reads: the code to
   * read to the agent. Null without a mutual code.
   */
  code: string | null;
  issuedAt: Date;
  expiresAt: Date;
}

const invalid = (id: string, why: string, cause?: unknown) =>
  new DeviceSdkError('CALL_NOTICE_INVALID', `The call notice ${id} is not to be trusted: ${why}.`, { cause });

async function verifySigned(
  jws: string,
  trust: Pick<CallNoticeTrust, 'jwks' | 'issuer' | 'customerId' | 'deviceId' | 'now'>,
  typ: string,
  required: string[],
  onError: (error: unknown) => DeviceSdkError,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jws, createLocalJWKSet(trust.jwks), {
      issuer: trust.issuer,
      subject: trust.customerId,
      audience: trust.deviceId,
      typ,
      algorithms: ['ES256'],
      requiredClaims: required,
      currentDate: new Date(trust.now),
      clockTolerance: callClockSkewSeconds,
    }));
  } catch (error) {
    throw onError(error);
  }
  if (typeof payload.iat !== 'number' || payload.iat * 1000 > trust.now + callClockSkewSeconds * 1000) {
    throw onError(new Error('it is issued in the future'));
  }
  return payload;
}

/**
 * Verifies a signed call notice and answers what the device may show. Throws
 * `CALL_NOTICE_INVALID` for a notice not signed by a pinned key as a call notice (`typ`
 * hda-call-notice+jwt, ES256) of the pinned issuer, for this customer, this device and this id,
 * or with malformed claims; `CALL_NOTICE_EXPIRED` once its time is up (60 s of clock skew
 * allowed); `CALL_NOTICE_ENDED` when the server signed it as ended or expired, or the device heard
 * it was ended. Only a notice that passes all of these may be shown as "the bank is calling".
 */
export async function verifyCallNotice(jws: unknown, trust: CallNoticeTrust): Promise<VerifiedCallNotice> {
  const { id } = trust;
  if (typeof jws !== 'string') throw invalid(id, 'it carries no signed notice');
  const claims = await verifySigned(
    jws,
    trust,
    jwsTypes.callNotice,
    ['iss', 'sub', 'aud', 'jti', 'iat', 'exp'],
    (error) => {
      if (error instanceof errors.JWTExpired) {
        return new DeviceSdkError('CALL_NOTICE_EXPIRED', `The call notice ${id} has expired.`, {
          cause: error,
        });
      }
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
        return invalid(id, 'it is signed for another device', error);
      }
      return invalid(id, error instanceof Error ? error.message : 'it does not verify', error);
    },
  );
  if (claims.jti !== id) throw invalid(id, 'it is signed for another notice');
  const { status, tenant, agent, team, reason, fromNumber, mutualCode, code, iat, exp } = claims as Record<
    string,
    unknown
  >;
  const agentName =
    typeof agent === 'object' && agent !== null ? (agent as Record<string, unknown>).displayName : undefined;
  if (
    typeof status !== 'string' ||
    !(callNoticeStatuses as readonly string[]).includes(status) ||
    typeof tenant !== 'object' ||
    tenant === null ||
    typeof (tenant as Record<string, unknown>).id !== 'string' ||
    typeof (tenant as Record<string, unknown>).name !== 'string' ||
    typeof agentName !== 'string' ||
    (team !== null && typeof team !== 'string') ||
    typeof reason !== 'string' ||
    (fromNumber !== null && typeof fromNumber !== 'string') ||
    !isCallMutualCode(mutualCode) ||
    (code !== undefined && (typeof code !== 'string' || !/^[0-9]{4,8}$/.test(code))) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  ) {
    throw invalid(id, 'its claims are missing or malformed');
  }
  if (status !== 'active' || trust.ended?.has(id)) {
    throw new DeviceSdkError(
      'CALL_NOTICE_ENDED',
      `The call notice ${id} has ended: this call is no longer announced.`,
    );
  }
  if (mutualCode !== 'none' && code === undefined) throw invalid(id, 'it lacks its code');
  return {
    id,
    status,
    tenant: { id: (tenant as { id: string }).id, name: (tenant as { name: string }).name },
    agentName,
    team: team as string | null,
    reason,
    fromNumber: fromNumber as string | null,
    mutualCode,
    code: (code as string | undefined) ?? null,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  };
}

/** The server's signed answer to "is anyone calling?", checked. */
export interface VerifiedCallStatus {
  active: boolean;
  noticeId: string | null;
  checkedAt: Date;
}

/**
 * Verifies the signed statement of GET /v1/device/call-notices/current (`typ`
 * hda-call-status+jwt): signed by a pinned key, for this customer and device, not expired, and
 * carrying the nonce the device sent (so an old "nobody is calling" cannot be played back).
 * Throws `CALL_STATUS_INVALID` otherwise.
 */
export async function verifyCallStatus(
  jws: unknown,
  trust: Omit<CallNoticeTrust, 'id' | 'ended'> & { nonce: string },
): Promise<VerifiedCallStatus> {
  const refuse = (why: string, cause?: unknown) =>
    new DeviceSdkError(
      'CALL_STATUS_INVALID',
      `The answer to "is anyone calling?" is not to be trusted: ${why}.`,
      {
        cause,
      },
    );
  if (typeof jws !== 'string') throw refuse('it is not signed');
  const claims = await verifySigned(
    jws,
    trust,
    jwsTypes.callStatus,
    ['iss', 'sub', 'aud', 'iat', 'exp'],
    (error) => refuse(error instanceof Error ? error.message : 'it does not verify', error),
  );
  const { active, noticeId, nonce, iat } = claims as Record<string, unknown>;
  if (nonce !== trust.nonce) throw refuse('it answers another question (nonce)');
  if (typeof active !== 'boolean' || (active ? typeof noticeId !== 'string' : noticeId !== null)) {
    throw refuse('its claims are missing or malformed');
  }
  return { active, noticeId: noticeId as string | null, checkedAt: new Date((iat as number) * 1000) };
}
