// WebAuthn credentials of devices: registration, and the assertion that approves with a biometric.
import { AppError, newId } from '@helpdesk-auth/core';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { keyedHash } from '../../platform/secrets.ts';
import { consumeOneTimeToken, inTransaction } from '../../storage/atomic.ts';
import type { DeviceRow } from '../../storage/schema.ts';
import type { AuthenticatedDevice } from './device-auth.ts';
import { type Device, toDevice } from './devices.ts';

/**
 * The WebAuthn library, loaded on the first WebAuthn request rather than at start: most servers
 * never see one, and it is among the larger modules a server would otherwise hold (about 6 MiB
 * resident, docs/benchmarks.md "Idle memory").
 */
const webauthnLibrary = () =>
  Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]).then(
    ([server, helpers]) => ({ ...server, ...helpers }),
  );

/** How long a registration challenge may wait for the customer's biometric prompt. */
export const registrationChallengeLifetimeMs = 5 * 60 * 1000;
const registrationPurpose = 'webauthn_registration';

/** What a decision's WebAuthn assertion proved, once it verified. */
export interface VerifiedAssertion {
  device: DeviceRow;
  /** The authenticator set the UV flag: biometrics or the device PIN unlocked the key. */
  userVerified: boolean;
}

/**
 * Biometric approval (docs/device-protocol.md, "Biometric approval"): a device registers one
 * WebAuthn credential, and approves with an assertion whose challenge is the SHA-256 of the
 * decision payload, so the authenticator signs over exactly what the customer decided. The
 * protocol checks themselves (client data, origin, RP id hash, flags, signature, counter) are
 * SimpleWebAuthn's; this service supplies what to expect and keeps the credential.
 */
export function createWebAuthnService({ db, config, clock, encryptionKey }: ServiceContext) {
  const origin = new URL(config.publicUrl).origin;
  const rpId = new URL(config.publicUrl).hostname;

  async function activeDevice(device: AuthenticatedDevice): Promise<DeviceRow> {
    const row = await db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', device.tenantId)
      .where('id', '=', device.id)
      .executeTakeFirstOrThrow();
    if (row.status !== 'active') throw new AppError('DEVICE_REVOKED', 'This device was revoked.');
    return row;
  }

  const registrationFailed = (message: string) => new AppError('WEBAUTHN_REGISTRATION_FAILED', message);

  return {
    async registrationOptions(device: AuthenticatedDevice): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const row = await activeDevice(device);
      const tenant = await db
        .selectFrom('tenants')
        .select('name')
        .where('id', '=', device.tenantId)
        .executeTakeFirstOrThrow();
      const { generateRegistrationOptions } = await webauthnLibrary();
      const options = await generateRegistrationOptions({
        rpName: tenant.name,
        rpID: rpId,
        userName: row.label,
        userDisplayName: row.label,
        // The user handle names the device, not the customer: nothing personal on the authenticator.
        userID: new TextEncoder().encode(row.id),
        attestationType: 'none',
        authenticatorSelection: {
          authenticatorAttachment: 'platform',
          userVerification: 'required',
          residentKey: 'discouraged',
        },
        excludeCredentials: row.webauthn_credential_id ? [{ id: row.webauthn_credential_id }] : [],
        // ES256, EdDSA, RS256: what platform authenticators offer, with signatures that fit the
        // decision body's limits. Left to its default, the library also offers post-quantum
        // ML-DSA, whose 2.4 kB signatures some authenticators would then choose.
        supportedAlgorithmIDs: [-7, -8, -257],
        timeout: registrationChallengeLifetimeMs,
      });
      const now = clock();
      // Kept only as a keyed hash, single use, for this device only.
      await db
        .insertInto('one_time_tokens')
        .values({
          id: newId('webauthnChallenge', now),
          tenant_id: device.tenantId,
          purpose: registrationPurpose,
          secret_hash: keyedHash(encryptionKey, options.challenge),
          subject_id: device.id,
          max_attempts: 1,
          expires_at: now + registrationChallengeLifetimeMs,
          consumed_at: null,
          created_at: now,
        })
        .execute();
      return options;
    },

    async register(device: AuthenticatedDevice, response: RegistrationResponseJSON): Promise<Device> {
      const row = await activeDevice(device);
      const { decodeClientDataJSON, isoBase64URL, verifyRegistrationResponse } = await webauthnLibrary();
      let challenge: string;
      try {
        challenge = decodeClientDataJSON(response.response.clientDataJSON).challenge;
      } catch {
        throw registrationFailed('The registration response has no readable client data.');
      }
      const now = clock();
      // Spent before checking the rest: a challenge answers one registration attempt, good or bad.
      const token = await consumeOneTimeToken(db, {
        purpose: registrationPurpose,
        secretHash: keyedHash(encryptionKey, challenge),
        now,
      });
      if (!token || token.subject_id !== row.id || token.tenant_id !== row.tenant_id) {
        throw registrationFailed(
          'The registration challenge is unknown, used, expired or for another device.',
        );
      }
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
        throw registrationFailed(`The registration does not verify: ${(error as Error).message}`);
      }
      if (!verified.verified || !verified.registrationInfo) {
        throw registrationFailed('The registration does not verify.');
      }
      const { credential } = verified.registrationInfo;
      const set = {
        webauthn_credential_id: credential.id,
        webauthn_public_key: isoBase64URL.fromBuffer(credential.publicKey),
        webauthn_counter: credential.counter,
        webauthn_registered_at: now,
      };
      await inTransaction(db, async (tx) => {
        const taken = await tx
          .selectFrom('devices')
          .select('id')
          .where('webauthn_credential_id', '=', credential.id)
          .where('id', '!=', row.id)
          .executeTakeFirst();
        if (taken) throw registrationFailed('This credential is registered to another device.');
        await tx.updateTable('devices').set(set).where('id', '=', row.id).execute();
        await appendAudit(tx, {
          tenantId: row.tenant_id,
          actor: systemActor,
          action: 'device.webauthn_registered',
          target: { type: 'device', id: row.id },
          data: {
            customerId: row.customer_id,
            replaced: row.webauthn_credential_id !== null,
            backedUp: verified.registrationInfo!.credentialBackedUp,
          },
          now,
        });
      });
      return toDevice({ ...row, ...set });
    },

    /**
     * Verifies a decision's assertion against the credential it names. The caller has already
     * computed the challenge (core's `decisionChallenge`) from the payload it rebuilt from the
     * stored request, and checks the device's customer and status.
     * Throws DECISION_SIGNATURE_INVALID when anything does not verify.
     */
    async verifyDecisionAssertion(
      tenantId: string,
      response: AuthenticationResponseJSON,
      expectedChallenge: string,
    ): Promise<VerifiedAssertion> {
      const invalid = (message: string) => new AppError('DECISION_SIGNATURE_INVALID', message);
      const device = await db
        .selectFrom('devices')
        .selectAll()
        .where('webauthn_credential_id', '=', response.id)
        .executeTakeFirst();
      if (!device?.webauthn_public_key || device.tenant_id !== tenantId) {
        throw invalid('The assertion names no registered credential.');
      }
      const { isoBase64URL, verifyAuthenticationResponse } = await webauthnLibrary();
      let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        result = await verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: rpId,
          credential: {
            id: response.id,
            publicKey: isoBase64URL.toBuffer(device.webauthn_public_key),
            counter: device.webauthn_counter,
          },
          // The policy decides what a missing UV flag means; the caller applies it.
          requireUserVerification: false,
        });
      } catch (error) {
        throw invalid(`The assertion does not verify: ${(error as Error).message}`);
      }
      if (!result.verified) throw invalid('The assertion does not verify.');
      const { newCounter, userVerified } = result.authenticationInfo;
      // A counter that went backwards was refused above (a cloned authenticator); keep the newest.
      if (newCounter > device.webauthn_counter) {
        await db
          .updateTable('devices')
          .set({ webauthn_counter: newCounter })
          .where('id', '=', device.id)
          .where('webauthn_counter', '<', newCounter)
          .execute();
      }
      return { device, userVerified };
    },
  };
}

export type WebAuthnService = ReturnType<typeof createWebAuthnService>;
