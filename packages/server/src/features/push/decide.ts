// Where the code is checked: a device's decision, proven by its key or a WebAuthn assertion, the
// code the customer typed, and the one compare-and-set that stores the outcome.
import {
  AppError,
  applyDecision,
  assuranceForPush,
  decisionSigningPayload,
  isVerificationDecision,
  notFound,
  type VerificationDecision,
  type VerificationStatus,
} from '@helpdesk-auth/core';
import { decodeProtectedHeader } from 'jose';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import { constantTimeEqual, keyedHash } from '../../platform/secrets.ts';
import { refuseIfRejected, verifyCompact } from '../../platform/signing/signatures.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { DeviceRow, VerificationRow } from '../../storage/schema.ts';
import { verificationById } from '../../storage/verification-queries.ts';
import { recordFailedAttempt } from '../policy/index.ts';
import type { createExpiry } from './expire.ts';
import { type DecisionProof, decisionType } from './model.ts';
import type { PushRecord } from './record.ts';

export function createDecide(record: PushRecord, steps: Pick<ReturnType<typeof createExpiry>, 'expireOne'>) {
  const {
    deps,
    db,
    clock,
    encryptionKey,
    getRow,
    announce,
    recordEvents,
    countWrongCode,
    finalise,
    afterFinal,
  } = record;
  const { expireOne } = steps;
  /** One attempt at storing a decision; undefined when the compare-and-set lost a race. */
  async function applyOnce(
    row: VerificationRow,
    deviceId: string,
    decision: VerificationDecision,
    typedCode: unknown,
    proof: { evidence: string; userVerified: boolean },
  ): Promise<{ id: string; status: VerificationStatus } | undefined> {
    const now = clock();
    const typed = typeof typedCode === 'string' ? typedCode : null;
    const codeMatches =
      decision === 'approve' &&
      typed !== null &&
      constantTimeEqual(keyedHash(encryptionKey, typed), row.code_hash);
    const result = applyDecision(
      {
        status: row.status as VerificationStatus,
        expiresAt: row.expires_at,
        failedAttempts: row.failed_attempts,
        maxAttempts: row.max_attempts,
      },
      decision,
      { codeMatches, now },
    );

    if (result.outcome === 'rejected') {
      if (result.expire) await expireOne(row.tenant_id, row.id);
      throw new AppError(result.code, result.reason);
    }
    if (result.outcome === 'wrong_code') {
      const counted = await inTransaction(db, async (tx) => {
        if (!(await countWrongCode(tx, row, result.failedAttempts))) return false;
        await recordEvents(tx, row, [{ type: 'wrong_code', deviceId, channel: null, detail: null }], now);
        // Counts toward the customer's failures across all methods (docs/policy.md).
        await recordFailedAttempt(tx, {
          tenantId: row.tenant_id,
          customerId: row.customer_id,
          method: 'push',
          now,
        });
        await appendAudit(tx, {
          tenantId: row.tenant_id,
          actor: systemActor,
          action: 'verification.wrong_code',
          target: { type: 'verification', id: row.id },
          data: { customerId: row.customer_id, deviceId, attemptsLeft: result.attemptsLeft },
          now,
        });
        return true;
      });
      if (!counted) return undefined;
      announce(row, {
        type: 'wrong_code',
        at: now,
        deviceId,
        attemptsLeft: result.attemptsLeft,
      });
      throw new AppError(
        'WRONG_CODE',
        `That is not the code the agent read out. ${result.attemptsLeft} ${result.attemptsLeft === 1 ? 'try' : 'tries'} left.`,
        { details: { attemptsLeft: result.attemptsLeft } },
      );
    }

    const status = result.status;
    const assurance = status === 'approved' ? assuranceForPush({ userVerified: proof.userVerified }) : null;
    const moved = await inTransaction(db, async (tx) => {
      const done = await finalise(
        tx,
        row,
        {
          status,
          failedAttempts: result.failedAttempts,
          deviceId,
          evidence: proof.evidence,
          assurance,
          actor: systemActor,
          data: {
            deviceId,
            decision,
            ...(assurance ? { assurance } : {}),
            ...(proof.userVerified ? { userVerified: true } : {}),
          },
        },
        now,
      );
      if (done && status === 'failed') {
        // The wrong code that used up the last try is a failure too.
        await recordFailedAttempt(tx, {
          tenantId: row.tenant_id,
          customerId: row.customer_id,
          method: 'push',
          now,
        });
      }
      if (done && status === 'fraud_reported') {
        await tx
          .updateTable('customers')
          .set({ fraud_reported_at: now })
          .where('tenant_id', '=', row.tenant_id)
          .where('id', '=', row.customer_id)
          .execute();
      }
      return done;
    });
    if (!moved) return undefined;
    afterFinal(row, status, now, deviceId);
    if (deps.notify && (status === 'approved' || status === 'fraud_reported')) {
      // After the answer, never before or instead of it: the notifier records its own outcome.
      void deps
        .notify(row.tenant_id, row.customer_id, status === 'approved' ? 'verified' : 'fraud_reported', now)
        .catch(() => {});
    }
    return { id: row.id, status };
  }

  return {
    /**
     * Records a customer's decision (DESIGN section 4, step 6). The signed decision is its own
     * proof of possession: its signature must verify against an active device of the
     * verification's customer, its payload must be exactly the canonical payload for the
     * stored request, and its nonce is accepted once. The outcome is stored with one
     * compare-and-set, together with its audit entry.
     */
    /**
     * The customer's decision, proven either by the device key (a signed decision) or by a
     * WebAuthn assertion over the same payload (docs/device-protocol.md, "Decisions" and
     * "Biometric approval"). Both end in the same checks and the same compare-and-set.
     */
    async decide(id: string, proof: DecisionProof): Promise<{ id: string; status: VerificationStatus }> {
      const invalid = (message: string) => new AppError('DECISION_SIGNATURE_INVALID', message);
      // The endpoint is unauthenticated apart from the proof itself, so the proof is checked before
      // anything tells whether the id exists: an unknown id is checked against a request of no
      // tenant, and fails exactly as a real one does (401 DECISION_SIGNATURE_INVALID for a bad
      // proof; 404 NOT_FOUND for a valid proof by a device that is not the customer's, below).
      const found = await verificationById.first(db, { id });
      const shown = {
        tenant_id: found?.tenant_id ?? '',
        action_summary: found?.action_summary ?? null,
      };

      const expectedPayload = (fields: Record<string, unknown>): string => {
        const decision = fields.decision;
        if (typeof decision !== 'string' || !isVerificationDecision(decision))
          throw invalid('Unknown decision.');
        try {
          return decisionSigningPayload({
            verificationId: id,
            decision,
            code: fields.code as string | null,
            nonce: fields.nonce as string,
            iat: fields.iat as number,
            actionSummary: shown.action_summary,
          });
        } catch (error) {
          throw invalid(`The decision payload is malformed: ${(error as Error).message}`);
        }
      };

      let device: Pick<DeviceRow, 'id' | 'tenant_id' | 'customer_id' | 'status'>;
      let fields: Record<string, unknown>;
      let evidence: string;
      let userVerified = false;
      if ('signedDecision' in proof) {
        const signedDecision = proof.signedDecision;
        let header: Record<string, unknown>;
        try {
          header = decodeProtectedHeader(signedDecision) as Record<string, unknown>;
        } catch {
          throw invalid('The signed decision is not a JWS.');
        }
        if (header.typ !== decisionType || header.alg !== 'ES256') {
          throw invalid(`The signed decision must have typ ${decisionType} and alg ES256.`);
        }
        const signer = await deps.deviceAuth.loadDevice(header.kid);
        device = signer;
        const payload = await refuseIfRejected(verifyCompact(signedDecision, signer.public_jwk), () =>
          invalid('The decision signature does not verify against the device key.'),
        );
        let payloadText: string;
        try {
          payloadText = new TextDecoder('utf-8', { fatal: true }).decode(payload);
        } catch {
          throw invalid('The decision payload is not UTF-8 text.');
        }
        try {
          fields = JSON.parse(payloadText) as Record<string, unknown>;
        } catch {
          throw invalid('The decision payload is not JSON.');
        }
        if (fields.verificationId !== id) throw invalid('The decision is for another request.');
        // Byte for byte: the device signed exactly this request's summary, in canonical form.
        if (expectedPayload(fields) !== payloadText) {
          throw invalid('The decision does not match the request that was shown.');
        }
        evidence = signedDecision;
      } else {
        fields = { ...proof.decision };
        // The assertion's challenge is the hash of the payload rebuilt here from the stored
        // request, so it verifies only for exactly this decision on exactly this request.
        const payload = expectedPayload(fields);
        const verified = await deps.webauthn.verifyDecisionAssertion(
          shown.tenant_id,
          proof.webauthn,
          payload,
        );
        device = verified.device;
        userVerified = verified.userVerified;
        evidence = JSON.stringify({ payload, webauthn: proof.webauthn });
      }
      if (device.status !== 'active') throw new AppError('DEVICE_REVOKED', 'This device was revoked.');
      // Only the customer's own devices may answer; to anyone else the request does not exist.
      if (!found || found.tenant_id !== device.tenant_id || found.customer_id !== device.customer_id) {
        throw notFound('Verification');
      }
      const row = found;
      const decision = fields.decision as VerificationDecision;
      // Checked before the code, so a refused approval never spends one of the customer's tries.
      if (decision === 'approve' && row.require_user_verification === 1 && !userVerified) {
        throw new AppError(
          'USER_VERIFICATION_REQUIRED',
          'This company requires approval with biometrics or the device PIN.',
        );
      }
      await deps.deviceAuth.checkFreshAndUnused(device.id, fields.nonce, fields.iat);

      // A lost compare-and-set means someone changed the row meanwhile (another decision, a
      // cancel, the expiry): decide again against what is stored now, never from a stale read.
      let current = row;
      for (let round = 0; round < 5; round++) {
        const outcome = await applyOnce(current, device.id, decision, fields.code, {
          evidence,
          userVerified,
        });
        if (outcome) return outcome;
        current = await getRow(db, row.tenant_id, row.id);
      }
      throw new AppError('VERIFICATION_NOT_PENDING', 'The request changed while deciding; fetch it again.');
    },
  };
}
