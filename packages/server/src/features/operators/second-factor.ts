// Operators' second factor: passkeys (WebAuthn) and an authenticator app (TOTP), enrolled by the
// operator, asked for after the password, required by the tenant's setting, and reset by an admin
// when a phone or key is lost.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { decryptSecret, encryptSecret, keyedHash } from '../../platform/secrets.ts';
import {
  consumeOneTimeToken,
  hitRateLimit,
  inTransaction,
  releaseRateLimit,
  resetRateLimit,
} from '../../storage/atomic.ts';
import { rowsChanged } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import {
  matchTotpStep,
  newTotpSeed,
  seedFromBase32,
  seedToBase32,
  totpEnrollmentUri,
} from '../methods/index.ts';

/** What a session opened by a password still has to do before it may work. */
export type PendingStep = 'second_factor' | 'second_factor_enrolment';

/** A code is six digits; anything else is refused before it counts as a guess. */
const codePattern = /^\d{6}$/;

/**
 * One step either side of now: the operator types the code from their own phone, so a clock a
 * little off, or a code read just before it changed, still works (RFC 6238 section 5.2).
 */
const driftSteps = 1;

const sealContext = (factorId: string) => `operator-factor:${factorId}`;

/** How long a passkey prompt may wait for the operator's touch or PIN. */
const passkeyChallengeLifetimeMs = 5 * 60 * 1000;
const registrationPurpose = 'operator_passkey_registration';
const assertionPurpose = 'operator_passkey_assertion';

/** The tenant's rule, from its stored settings (features/tenants/tenants.ts writes it). */
async function tenantRequiresSecondFactor(db: Db, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
  const settings = row ? (JSON.parse(row.settings) as { operatorSecondFactor?: string }) : {};
  return settings.operatorSecondFactor === 'required';
}

async function confirmedFactors(db: Db, tenantId: string, operatorId: string) {
  return db
    .selectFrom('operator_factors')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('operator_id', '=', operatorId)
    .where('confirmed_at', 'is not', null)
    .orderBy('created_at')
    .execute();
}

async function confirmedTotp(db: Db, tenantId: string, operatorId: string) {
  return db
    .selectFrom('operator_factors')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('operator_id', '=', operatorId)
    .where('kind', '=', 'totp')
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
}

/**
 * What a session opened by a password must do first: show the factor the operator has, enrol one
 * where the tenant requires it, or nothing. (Single sign-on leaves the second factor to the
 * identity provider.)
 */
export async function stepAfterPassword(
  db: Db,
  tenantId: string,
  operatorId: string,
): Promise<PendingStep | null> {
  if ((await confirmedFactors(db, tenantId, operatorId)).length > 0) return 'second_factor';
  return (await tenantRequiresSecondFactor(db, tenantId)) ? 'second_factor_enrolment' : null;
}

export function createSecondFactorService({ db, clock, config, encryptionKey }: ServiceContext) {
  const windowMs = config.signInWindowMinutes * 60_000;
  const origin = new URL(config.publicUrl).origin;
  const rpId = new URL(config.publicUrl).hostname;

  /** A WebAuthn challenge, kept only as a keyed hash, single use, for this operator only. */
  async function keepChallenge(tenantId: string, operatorId: string, purpose: string, challenge: string) {
    const now = clock();
    await db
      .insertInto('one_time_tokens')
      .values({
        id: newId('webauthnChallenge', now),
        tenant_id: tenantId,
        purpose,
        secret_hash: keyedHash(encryptionKey, challenge),
        subject_id: operatorId,
        max_attempts: 1,
        expires_at: now + passkeyChallengeLifetimeMs,
        consumed_at: null,
        created_at: now,
      })
      .execute();
  }

  /** Spends the response's challenge before anything else is checked: one answer per challenge. */
  async function spendChallenge(
    tenantId: string,
    operatorId: string,
    purpose: string,
    clientDataJSON: string,
    failed: (message: string) => AppError,
  ): Promise<string> {
    let challenge: string;
    try {
      challenge = decodeClientDataJSON(clientDataJSON).challenge;
    } catch {
      throw failed('The passkey response has no readable client data.');
    }
    const token = await consumeOneTimeToken(db, {
      purpose,
      secretHash: keyedHash(encryptionKey, challenge),
      now: clock(),
    });
    if (!token || token.subject_id !== operatorId || token.tenant_id !== tenantId)
      throw failed('The passkey challenge is unknown, used, expired or for someone else.');
    return challenge;
  }

  const confirmedFactor = confirmedTotp;

  /**
   * Checks a code against the operator's factor, under a cap of wrong codes per operator (a slot
   * taken before the check, so parallel guesses cannot exceed it) and once per time step (the
   * step is claimed by a conditional update, so a code seen over a shoulder, or sent twice at
   * once, is accepted once). Returns the factor's id.
   */
  async function checkCode(
    tenantId: string,
    operatorId: string,
    code: string,
    factor: { id: string; secret_sealed: string | null; last_used_step: number | null },
    audit: { actor: Actor },
  ): Promise<void> {
    const now = clock();
    const limitKey = `second-factor:${operatorId}`;
    const hit = await hitRateLimit(db, limitKey, {
      limit: config.signInLockAfterFailures,
      windowMs,
      now,
    });
    if (!hit.allowed)
      throw tooManyAttempts('Too many wrong codes. Wait a while before trying again.', hit, now);
    if (factor.secret_sealed === null)
      throw new AppError('CONFLICT', 'This factor is not an authenticator app.');
    const seed = seedFromBase32(decryptSecret(encryptionKey, factor.secret_sealed, sealContext(factor.id)));
    const step = codePattern.test(code) ? matchTotpStep(seed, code, now, driftSteps) : null;
    if (step === null) {
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor: audit.actor,
          action: 'operator.second_factor_failed',
          target: { type: 'operator', id: operatorId },
          now,
        }),
      );
      throw new AppError(
        'WRONG_CODE',
        'That code is not right. Type the code your authenticator app shows now.',
      );
    }
    const claimed = await db
      .updateTable('operator_factors')
      .set({ last_used_step: step })
      .where('id', '=', factor.id)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    if (rowsChanged(claimed) !== 1) {
      // A right code, used before: not a guess, so the slot is given back.
      await releaseRateLimit(db, limitKey);
      throw new AppError('CODE_REPLAYED', 'That code was used already. Wait for the next one.');
    }
    await resetRateLimit(db, limitKey);
  }

  /** Lets the session work; of concurrent completions, the one that moved it audits. */
  async function completeStep(
    tx: Db,
    tenantId: string,
    sessionId: string,
    from: PendingStep,
    audit: { actor: Actor; operatorId: string; action: string; now: number },
  ): Promise<void> {
    const result = await tx
      .updateTable('sessions')
      .set({ pending_step: null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .where('pending_step', '=', from)
      .executeTakeFirst();
    if (rowsChanged(result) !== 1) return;
    await appendAudit(tx, {
      tenantId,
      actor: audit.actor,
      action: audit.action,
      target: { type: 'operator', id: audit.operatorId },
      data: { sessionId },
      now: audit.now,
    });
  }

  /** A factor confirmed: audited, and a session waiting for its enrolment may then work. */
  async function recordEnrolment(
    tx: Db,
    e: {
      tenantId: string;
      operatorId: string;
      sessionId: string;
      actor: Actor;
      kind: 'passkey' | 'totp';
      now: number;
    },
  ): Promise<void> {
    await appendAudit(tx, {
      tenantId: e.tenantId,
      actor: e.actor,
      action: 'operator.second_factor_enrolled',
      target: { type: 'operator', id: e.operatorId },
      data: { kind: e.kind },
      now: e.now,
    });
    await completeStep(tx, e.tenantId, e.sessionId, 'second_factor_enrolment', {
      actor: e.actor,
      operatorId: e.operatorId,
      action: 'operator.second_factor_verified',
      now: e.now,
    });
  }

  return {
    async status(tenantId: string, operatorId: string) {
      const factors = await confirmedFactors(db, tenantId, operatorId);
      return {
        required: await tenantRequiresSecondFactor(db, tenantId),
        totp: factors.some((f) => f.kind === 'totp'),
        passkeys: factors.filter((f) => f.kind === 'passkey').length,
      };
    },

    /** Options for creating a passkey (WebAuthn registration), its challenge kept single use. */
    async passkeyRegistrationOptions(
      tenantId: string,
      operator: { id: string; email: string; displayName: string },
      tenantName: string,
    ): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = (await confirmedFactors(db, tenantId, operator.id)).filter(
        (f) => f.kind === 'passkey',
      );
      const options = await generateRegistrationOptions({
        rpName: tenantName,
        rpID: rpId,
        userName: operator.email,
        userDisplayName: operator.displayName,
        userID: new TextEncoder().encode(operator.id),
        attestationType: 'none',
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        excludeCredentials: existing.map((f) => ({ id: f.credential_id! })),
        supportedAlgorithmIDs: [-7, -8, -257],
        timeout: passkeyChallengeLifetimeMs,
      });
      await keepChallenge(tenantId, operator.id, registrationPurpose, options.challenge);
      return options;
    },

    /** Keeps a new passkey; a session waiting for enrolment may then work. */
    async registerPasskey(
      tenantId: string,
      operatorId: string,
      sessionId: string,
      response: RegistrationResponseJSON,
      label: string,
      actor: Actor,
    ): Promise<void> {
      const failed = (message: string) => new AppError('WEBAUTHN_REGISTRATION_FAILED', message);
      const challenge = await spendChallenge(
        tenantId,
        operatorId,
        registrationPurpose,
        response.response.clientDataJSON,
        failed,
      );
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: origin,
          expectedRPID: rpId,
          requireUserVerification: true,
        });
      } catch (error) {
        throw failed(`The passkey does not verify: ${(error as Error).message}`);
      }
      if (!verified.verified || !verified.registrationInfo) throw failed('The passkey does not verify.');
      const { credential } = verified.registrationInfo;
      const now = clock();
      await inTransaction(db, async (tx) => {
        await tx
          .insertInto('operator_factors')
          .values({
            id: newId('operatorFactor', now),
            tenant_id: tenantId,
            operator_id: operatorId,
            kind: 'passkey',
            secret_sealed: null,
            credential_id: credential.id,
            public_key: isoBase64URL.fromBuffer(credential.publicKey),
            counter: credential.counter,
            label,
            confirmed_at: now,
            last_used_step: null,
            created_at: now,
          })
          .execute();
        await recordEnrolment(tx, { tenantId, operatorId, sessionId, actor, kind: 'passkey', now });
      });
    },

    /** Options for signing in with one of the operator's passkeys. */
    async passkeyAssertionOptions(
      tenantId: string,
      operatorId: string,
    ): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const passkeys = (await confirmedFactors(db, tenantId, operatorId)).filter((f) => f.kind === 'passkey');
      if (passkeys.length === 0) throw new AppError('CONFLICT', 'No passkey is set up for this operator.');
      const options = await generateAuthenticationOptions({
        rpID: rpId,
        allowCredentials: passkeys.map((f) => ({ id: f.credential_id! })),
        userVerification: 'required',
        timeout: passkeyChallengeLifetimeMs,
      });
      await keepChallenge(tenantId, operatorId, assertionPurpose, options.challenge);
      return options;
    },

    /**
     * The passkey after the password. Failures count against the same cap as wrong codes; the
     * challenge is single use, so a captured assertion cannot be sent again; a signature counter
     * that does not move forward (a cloned authenticator) is refused.
     */
    async verifyPasskey(
      tenantId: string,
      operatorId: string,
      sessionId: string,
      response: AuthenticationResponseJSON,
      actor: Actor,
    ): Promise<void> {
      const now = clock();
      const limitKey = `second-factor:${operatorId}`;
      const hit = await hitRateLimit(db, limitKey, { limit: config.signInLockAfterFailures, windowMs, now });
      if (!hit.allowed)
        throw tooManyAttempts('Too many failed attempts. Wait a while before trying again.', hit, now);
      const failed = (message: string) => new AppError('WEBAUTHN_ASSERTION_FAILED', message);
      const fail = async (message: string): Promise<never> => {
        await inTransaction(db, (tx) =>
          appendAudit(tx, {
            tenantId,
            actor,
            action: 'operator.second_factor_failed',
            target: { type: 'operator', id: operatorId },
            data: { kind: 'passkey' },
            now,
          }),
        );
        throw failed(message);
      };
      const challenge = await spendChallenge(
        tenantId,
        operatorId,
        assertionPurpose,
        response.response.clientDataJSON,
        failed,
      ).catch((error: AppError) => fail(error.message));
      const factor = await db
        .selectFrom('operator_factors')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('operator_id', '=', operatorId)
        .where('kind', '=', 'passkey')
        .where('credential_id', '=', response.id)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      if (!factor) return fail('That passkey is not one of yours here.');
      let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        result = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: origin,
          expectedRPID: rpId,
          requireUserVerification: true,
          credential: {
            id: factor.credential_id!,
            publicKey: isoBase64URL.toBuffer(factor.public_key!),
            counter: factor.counter,
          },
        });
      } catch (error) {
        return fail(`The passkey does not verify: ${(error as Error).message}`);
      }
      if (!result.verified) return fail('The passkey does not verify.');
      const { newCounter } = result.authenticationInfo;
      if (newCounter > factor.counter) {
        await db
          .updateTable('operator_factors')
          .set({ counter: newCounter })
          .where('id', '=', factor.id)
          .where('counter', '<', newCounter)
          .execute();
      }
      await resetRateLimit(db, limitKey);
      await inTransaction(db, (tx) =>
        completeStep(tx, tenantId, sessionId, 'second_factor', {
          actor,
          operatorId,
          action: 'operator.second_factor_verified',
          now,
        }),
      );
    },

    /**
     * Starts (or starts again) enrolling an authenticator app: a fresh seed, sealed, returned once
     * as the base32 secret and the otpauth URI for a QR code. Refused while a confirmed factor
     * exists: replacing it takes an admin's reset, so a stolen session cannot swap the factor.
     */
    async startTotpEnrolment(
      tenantId: string,
      operator: { id: string; email: string },
      issuer: string,
      actor: Actor,
    ): Promise<{ secret: string; otpauthUri: string }> {
      const now = clock();
      const seed = newTotpSeed();
      const base32 = seedToBase32(seed);
      await inTransaction(db, async (tx) => {
        if (await confirmedFactor(tx, tenantId, operator.id))
          throw new AppError(
            'TOTP_ALREADY_ENROLLED',
            'An authenticator app is set up already. An admin resets it when the phone is lost.',
          );
        await tx
          .deleteFrom('operator_factors')
          .where('tenant_id', '=', tenantId)
          .where('operator_id', '=', operator.id)
          .where('kind', '=', 'totp')
          .execute();
        const id = newId('operatorFactor', now);
        await tx
          .insertInto('operator_factors')
          .values({
            id,
            tenant_id: tenantId,
            operator_id: operator.id,
            kind: 'totp',
            secret_sealed: encryptSecret(encryptionKey, base32, sealContext(id)),
            confirmed_at: null,
            last_used_step: null,
            created_at: now,
          })
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.second_factor_enrolment_started',
          target: { type: 'operator', id: operator.id },
          data: { kind: 'totp' },
          now,
        });
      });
      return { secret: base32, otpauthUri: totpEnrollmentUri(seed, issuer, operator.email) };
    },

    /** Confirms the enrolment with a first code; a session waiting for enrolment may then work. */
    async confirmTotpEnrolment(
      tenantId: string,
      operatorId: string,
      sessionId: string,
      code: string,
      actor: Actor,
    ): Promise<void> {
      const factor = await db
        .selectFrom('operator_factors')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('operator_id', '=', operatorId)
        .where('kind', '=', 'totp')
        .executeTakeFirst();
      if (!factor || factor.confirmed_at !== null)
        throw new AppError('CONFLICT', 'There is no authenticator-app set-up to confirm; start it again.');
      await checkCode(tenantId, operatorId, code, factor, { actor });
      const now = clock();
      await inTransaction(db, async (tx) => {
        const confirmed = await tx
          .updateTable('operator_factors')
          .set({ confirmed_at: now })
          .where('id', '=', factor.id)
          .where('confirmed_at', 'is', null)
          .executeTakeFirst();
        if (rowsChanged(confirmed) !== 1) return;
        await recordEnrolment(tx, { tenantId, operatorId, sessionId, actor, kind: 'totp', now });
      });
    },

    /** The code after the password: the session may work once it is right. */
    async verify(tenantId: string, operatorId: string, sessionId: string, code: string, actor: Actor) {
      const factor = await confirmedFactor(db, tenantId, operatorId);
      if (!factor) throw new AppError('CONFLICT', 'No second factor is set up for this operator.');
      await checkCode(tenantId, operatorId, code, factor, { actor });
      const now = clock();
      await inTransaction(db, (tx) =>
        completeStep(tx, tenantId, sessionId, 'second_factor', {
          actor,
          operatorId,
          action: 'operator.second_factor_verified',
          now,
        }),
      );
    },

    /**
     * An admin's recovery for a lost phone: removes the operator's factors and ends their
     * sessions. At the next sign-in they enrol again (where the tenant requires it, before anything else).
     */
    async reset(tenantId: string, operatorId: string, actor: Actor): Promise<void> {
      const now = clock();
      await inTransaction(db, async (tx) => {
        const operator = await tx
          .selectFrom('operators')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', operatorId)
          .executeTakeFirst();
        if (!operator) throw notFound('Operator');
        const removed = await tx
          .deleteFrom('operator_factors')
          .where('tenant_id', '=', tenantId)
          .where('operator_id', '=', operatorId)
          .executeTakeFirst();
        await tx
          .deleteFrom('sessions')
          .where('tenant_id', '=', tenantId)
          .where('operator_id', '=', operatorId)
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.second_factor_reset',
          target: { type: 'operator', id: operatorId },
          data: { removed: Number(removed.numDeletedRows) },
          now,
        });
      });
    },
  };
}

export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
