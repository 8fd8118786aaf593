// Where the code is checked: a device's decision, proven by its key or a WebAuthn assertion, the
// code the customer typed, and the one compare-and-set that stores the outcome.
import {
  AppError,
  applyDecision,
  assuranceForPush,
  decisionChallenge,
  type VerificationDecision,
  type VerificationStatus,
} from '@helpdesk-auth/core';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import { keyedHash } from '../../platform/secrets.ts';
import { refuseIfRejected, verifyCompact } from '../../platform/signing/signatures.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { DeviceRow, VerificationRow } from '../../storage/schema.ts';
import { verificationById } from '../../storage/verification-queries.ts';
import { openFraudCase } from '../fraud-cases/index.ts';
import { recordFailedAttempt } from '../policy/index.ts';
import type { createExpiry } from './expire.ts';
import type { DecisionProof } from './model.ts';
import type { PushRecord } from './record.ts';
import {
  type DecisionRefusal,
  type DecisionRequest,
  readDecisionHeader,
  rebuildDecisionPayload,
  type VerifiedDecisionProof,
  verifySignedDecision,
} from './verify-signed-decision.ts';

export function createDecide(record: PushRecord, steps: Pick<ReturnType<typeof createExpiry>, 'expireOne'>) {
  const {
    deps,
    db,
    config,
    clock,
    encryptionKey,
    events,
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
    /** From verifySignedDecision: the keyed hashes compared in constant time. */
    codeMatches: boolean,
    proof: { evidence: string; userVerified: boolean },
  ): Promise<{ id: string; status: VerificationStatus } | undefined> {
    const now = clock();
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
        await openFraudCase(tx, events, {
          tenantId: row.tenant_id,
          customerId: row.customer_id,
          kind: 'fraud_report',
          sourceId: row.id,
          at: now,
        });
      }
      // A push an operator started is a call in progress: the customer denying it may mean
      // someone else is on the line in their name, so supervisors see it in the fraud queue.
      if (done && status === 'denied' && row.started_by_type === 'operator') {
        await openFraudCase(tx, events, {
          tenantId: row.tenant_id,
          customerId: row.customer_id,
          kind: 'push_denied',
          sourceId: row.id,
          at: now,
        });
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
     * Records the customer's decision (DESIGN section 4, step 6), proven either by the device key
     * (a signed decision, its own proof of possession) or by a WebAuthn assertion over the same
     * payload (docs/device-protocol.md, "Decisions" and "Biometric approval"). Here is the I/O:
     * loading the request and the device, verifying the proof, spending the nonce, and the
     * compare-and-set that stores the outcome. The rules are verify-signed-decision.ts's, asked
     * between those steps in the order the endpoint answers, and core's `applyDecision` once the
     * nonce is spent: a replay is refused as one even after the request was decided.
     */
    async decide(id: string, proof: DecisionProof): Promise<{ id: string; status: VerificationStatus }> {
      const refused = (refusal: DecisionRefusal) => new AppError(refusal.code, refusal.message);
      // The endpoint is unauthenticated apart from the proof itself, so the proof is checked before
      // anything tells whether the id exists (verifySignedDecision checks an unknown id as a
      // request of no tenant and no summary, and it fails exactly as a real one does).
      const found = await verificationById.first(db, { id });
      const request: DecisionRequest | undefined = found && {
        id: found.id,
        tenantId: found.tenant_id,
        customerId: found.customer_id,
        actionSummary: found.action_summary,
        requireUserVerification: found.require_user_verification === 1,
        codeHash: found.code_hash,
      };

      let device: Pick<DeviceRow, 'id' | 'tenant_id' | 'customer_id' | 'status'>;
      let verifiedProof: VerifiedDecisionProof;
      let evidence: string;
      if ('signedDecision' in proof) {
        const signedDecision = proof.signedDecision;
        const header = readDecisionHeader(signedDecision);
        if (!header.ok) throw refused(header);
        const signer = await deps.deviceAuth.loadDevice(header.kid);
        device = signer;
        const payload = await refuseIfRejected(
          verifyCompact(signedDecision, signer.public_jwk),
          () =>
            new AppError(
              'DECISION_SIGNATURE_INVALID',
              'The decision signature does not verify against the device key.',
            ),
        );
        verifiedProof = { kind: 'jws', payload };
        evidence = signedDecision;
      } else {
        const fields = { ...proof.decision };
        // The assertion's challenge is the hash of the payload rebuilt here from the stored
        // request, in its RFC 8785 form, so it verifies only for exactly this decision on exactly
        // this request.
        const rebuilt = rebuildDecisionPayload(id, fields, request?.actionSummary ?? null);
        if (!rebuilt.ok) throw refused(rebuilt);
        const verified = await deps.webauthn.verifyDecisionAssertion(
          request?.tenantId ?? '',
          proof.webauthn,
          await decisionChallenge(rebuilt.input),
        );
        device = verified.device;
        verifiedProof = {
          kind: 'webauthn',
          fields,
          payload: rebuilt.payload,
          userVerified: verified.userVerified,
        };
        evidence = JSON.stringify({ payload: rebuilt.payload, webauthn: proof.webauthn });
      }
      const verdict = verifySignedDecision({
        verificationId: id,
        request,
        device: {
          id: device.id,
          tenantId: device.tenant_id,
          customerId: device.customer_id,
          status: device.status,
        },
        proof: verifiedProof,
        hashCode: (typed) => keyedHash(encryptionKey, typed),
        now: clock(),
        maxAgeSeconds: config.deviceProofMaxAgeSeconds,
      });
      if (!verdict.ok) throw refused(verdict);
      // verifySignedDecision refuses a decision without its request, so `found` is the row here.
      const row = found as VerificationRow;
      await deps.deviceAuth.claimUnused(device.id, verdict.nonce);

      // A lost compare-and-set means someone changed the row meanwhile (another decision, a
      // cancel, the expiry): decide again against what is stored now, never from a stale read.
      let current = row;
      for (let round = 0; round < 5; round++) {
        const outcome = await applyOnce(current, device.id, verdict.decision, verdict.codeMatches, {
          evidence,
          userVerified: verdict.userVerified,
        });
        if (outcome) return outcome;
        current = await getRow(db, row.tenant_id, row.id);
      }
      throw new AppError('VERIFICATION_NOT_PENDING', 'The request changed while deciding; fetch it again.');
    },
  };
}
