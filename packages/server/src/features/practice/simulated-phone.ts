// The practice customers' phones: real devices, enrolled with real keys, that a simulator on the
// server answers with signed decisions through the same decision path as any phone.
import { signDecision, verifySignedRequest } from '@helpdesk-auth/device-sdk';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';
import { decryptSecret, encryptSecret, randomToken } from '../../platform/secrets.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import type { DeviceService } from '../devices/index.ts';
import type { VerificationService } from '../push/index.ts';
import { type PracticeScenario, scenarioRules } from './scenarios.ts';

export interface SimulatedPhoneDeps {
  devices: DeviceService;
  verifications: VerificationService;
  serverKeys: ServerKeyService;
}

const keyContext = (deviceId: string) => `practice-device:${deviceId}`;

/** A code of the same length that is surely not the one the agent read out. */
export function wrongCode(code: string): string {
  return [...code].map((digit) => String((Number(digit) + 1) % 10)).join('');
}

/**
 * Enrolls a phone for a practice customer and answers its requests by scenario. A phone is
 * "reachable" while this process listens on its live topic, exactly as an app with an open live
 * channel is: the start is delivered live, the phone fetches and checks the signed request, and
 * posts a decision signed with its own key. An unreachable phone never listens and has no push
 * channel, so the agent sees "unreachable" as with a real phone that is switched off.
 */
export function createSimulatedPhones(context: ServiceContext, deps: SimulatedPhoneDeps) {
  const { db, clock, encryptionKey, events, timers, config } = context;
  const issuer = new URL(config.publicUrl).origin;
  /** Phones this process answers for: their unsubscribe calls and pending answers. */
  const listening = new Map<string, { stop: () => void; pending: Set<unknown> }>();

  async function enroll(tenantId: string, customerId: string, scenario: PracticeScenario): Promise<string> {
    const { code } = await deps.devices.createActivation(tenantId, customerId, systemActor);
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const { device } = await deps.devices.enroll({
      activationCode: code,
      label: 'Practice phone',
      platform: 'cli',
      push: null,
      publicJwk,
      thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256'),
      // The enrollment limit counts per address; each practice phone is its own.
      clientAddress: `practice:${customerId}`,
    });
    await db
      .insertInto('practice_devices')
      .values({
        device_id: device.id,
        tenant_id: tenantId,
        customer_id: customerId,
        scenario,
        private_jwk_sealed: encryptSecret(
          encryptionKey,
          JSON.stringify(await exportJWK(privateKey)),
          keyContext(device.id),
        ),
        created_at: clock(),
      })
      .execute();
    return device.id;
  }

  /** One answer: open the request as the phone would, check its signature, sign and send the decision. */
  async function answer(
    phone: { deviceId: string; tenantId: string; customerId: string; scenario: PracticeScenario },
    verificationId: string,
    step: number,
  ): Promise<void> {
    const planned = scenarioRules[phone.scenario].answers[step];
    if (!planned) return;
    const row = await db
      .selectFrom('practice_devices')
      .select('private_jwk_sealed')
      .where('device_id', '=', phone.deviceId)
      .executeTakeFirstOrThrow();
    const device = { id: phone.deviceId, tenantId: phone.tenantId, customerId: phone.customerId };
    const opened = await deps.verifications.openOnDevice(device, verificationId);
    if (opened.status !== 'pending') return;
    const request = await verifySignedRequest(opened.request, {
      id: verificationId,
      jwks: (await deps.serverKeys.jwks()) as Parameters<typeof verifySignedRequest>[1]['jwks'],
      issuer,
      customerId: phone.customerId,
      now: clock(),
    });
    // The caller types the code the agent read out; the server knows it as the agent's screen does.
    const heard = (await deps.verifications.get(phone.tenantId, verificationId)).code;
    const code =
      planned.code === null || heard === null ? null : planned.code === 'wrong' ? wrongCode(heard) : heard;
    const privateKey = await importJWK(
      JSON.parse(decryptSecret(encryptionKey, row.private_jwk_sealed, keyContext(phone.deviceId))) as JWK,
      'ES256',
    );
    const signedDecision = await signDecision(
      {
        verificationId,
        decision: planned.decision,
        code,
        nonce: randomToken(18),
        iat: Math.floor(clock() / 1000),
        actionSummary: request.actionSummary ?? null,
      },
      phone.deviceId,
      privateKey as Parameters<typeof signDecision>[2],
    );
    try {
      await deps.verifications.decide(verificationId, { signedDecision });
    } catch {
      // A wrong code is refused (WRONG_CODE): the caller listens again and types the next answer.
    }
    schedule(phone, verificationId, step + 1);
  }

  function schedule(
    phone: { deviceId: string; tenantId: string; customerId: string; scenario: PracticeScenario },
    verificationId: string,
    step: number,
  ): void {
    const planned = scenarioRules[phone.scenario].answers[step];
    const entry = listening.get(phone.deviceId);
    if (!planned || !entry) return;
    const handle = timers.setTimeout(() => {
      entry.pending.delete(handle);
      answer(phone, verificationId, step).catch(() => {
        // The request expired or was cancelled meanwhile: a real phone would have nothing to answer either.
      });
    }, planned.delayMs);
    entry.pending.add(handle);
  }

  return {
    enroll,

    /** Starts answering for the phone in this process (idempotent); an unreachable one never listens. */
    async listen(tenantId: string, customerId: string): Promise<void> {
      const phones = await db
        .selectFrom('practice_devices as p')
        .innerJoin('devices as d', 'd.id', 'p.device_id')
        .select(['p.device_id', 'p.scenario'])
        .where('p.tenant_id', '=', tenantId)
        .where('p.customer_id', '=', customerId)
        .where('d.status', '=', 'active')
        .execute();
      for (const row of phones) {
        const scenario = row.scenario as PracticeScenario;
        if (scenarioRules[scenario].phone !== 'answers' || listening.has(row.device_id)) continue;
        const phone = { deviceId: row.device_id, tenantId, customerId, scenario };
        const offDevice = events.subscribe(topics.device(row.device_id), () => {});
        const offCustomer = events.subscribe(topics.customer(tenantId, customerId), (event) => {
          const data = event.data as { id?: string; status?: string };
          if (event.type === 'verification' && data.status === 'pending' && data.id)
            schedule(phone, data.id, 0);
        });
        const pending = new Set<unknown>();
        listening.set(row.device_id, {
          pending,
          stop: () => {
            offDevice();
            offCustomer();
            for (const handle of pending) timers.clearTimeout(handle);
          },
        });
      }
    },

    /** Stops answering for the customer's phones (the step is over). */
    async stop(tenantId: string, customerId: string): Promise<void> {
      const phones = await db
        .selectFrom('practice_devices')
        .select('device_id')
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .execute();
      for (const { device_id } of phones) {
        listening.get(device_id)?.stop();
        listening.delete(device_id);
      }
    },

    close(): void {
      for (const entry of listening.values()) entry.stop();
      listening.clear();
    },
  };
}

export type SimulatedPhones = ReturnType<typeof createSimulatedPhones>;
