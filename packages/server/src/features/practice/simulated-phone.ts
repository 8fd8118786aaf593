// The practice customers' phones: real devices, enrolled with real keys, that a simulator on the
// server answers with signed decisions through the same decision path as any phone.
import { signDecision, verifySignedRequest } from '@helpdesk-auth/device-sdk';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';
import { decryptSecret, encryptSecret, randomToken } from '../../platform/secrets.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import { compareAndSet } from '../../storage/atomic.ts';
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

/** How long a process has to give an answer it claimed before another process may give it instead. */
const answerLeaseMs = 30_000;
/** How often a process's sweep looks again at which phones are on a call (every phone, every process). */
const adoptIntervalMs = 5_000;
/** An answer row still there after this long belongs to a request long over: the sweep drops it. */
const answerRowMaxAgeMs = 3_600_000;

interface Phone {
  deviceId: string;
  tenantId: string;
  customerId: string;
  scenario: PracticeScenario;
}

/**
 * Enrolls a phone for a practice customer and answers its requests by scenario. A phone is
 * "reachable" while a server process listens on its live topic, exactly as an app with an open
 * live channel is: the start is delivered live, the phone fetches and checks the signed request,
 * and posts a decision signed with its own key. An unreachable phone never listens and has no
 * push channel, so the agent sees "unreachable" as with a real phone that is switched off.
 *
 * Every process listens for the phones of every active session's current call (`sweep` adopts
 * them), so it does not matter which process enrolled a phone or started the request. Each
 * process that hears a request writes the same durable row (`practice_answers`, once per
 * request: the first insert wins) with the scenario's first answer and when it is due. The
 * answer is given by whichever process claims it first when due, with one conditional update
 * that moves the due time a lease ahead; the others find nothing to claim and stay quiet. A
 * process's own timer gives it on time; the sweep (every second) gives what no timer will, after
 * a restart or when the process that heard it stopped.
 */
export function createSimulatedPhones(context: ServiceContext, deps: SimulatedPhoneDeps) {
  const { db, clock, encryptionKey, events, timers, config } = context;
  const issuer = new URL(config.publicUrl).origin;
  /** Phones this process listens for: their unsubscribe calls, and since when (for `adopt`). */
  const listening = new Map<string, { stop: () => void; since: number }>();
  /** This process's timers for answers it will try to claim when due. */
  const pending = new Set<unknown>();
  let adoptedAt = Number.NEGATIVE_INFINITY;
  let closed = false;

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

  /**
   * One answer: open the request as the phone would, check its signature, sign and send the
   * decision. Returns false when there is nothing (more) to answer: the request is no longer pending.
   */
  async function answer(phone: Phone, verificationId: string, step: number): Promise<boolean> {
    const planned = scenarioRules[phone.scenario].answers[step];
    if (!planned) return false;
    const row = await db
      .selectFrom('practice_devices')
      .select('private_jwk_sealed')
      .where('device_id', '=', phone.deviceId)
      .executeTakeFirstOrThrow();
    const device = { id: phone.deviceId, tenantId: phone.tenantId, customerId: phone.customerId };
    const opened = await deps.verifications.openOnDevice(device, verificationId);
    if (opened.status !== 'pending') return false;
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
    return true;
  }

  /** This process tries to claim the answer when it is due (another process may be first). */
  function wake(verificationId: string, step: number, dueAt: number): void {
    if (closed) return;
    const claim = () =>
      claimAndAnswer(verificationId, step, dueAt).catch(() => {
        // Left for the sweep: the claim's lease runs out and any process gives the answer then.
      });
    if (dueAt <= clock()) {
      void claim();
      return;
    }
    const handle = timers.setTimeout(() => {
      pending.delete(handle);
      void claim();
    }, dueAt - clock());
    pending.add(handle);
  }

  /**
   * Gives the answer `step` of the request if this call claims it: one compare-and-set on the
   * row as read (the step and its due time), which moves the due time a lease ahead. Of any
   * number of processes and sweeps, one claims it; the others get false, quietly. After the
   * answer the row moves to the scenario's next answer (due after its delay) or goes.
   */
  async function claimAndAnswer(verificationId: string, step: number, dueAt: number): Promise<boolean> {
    const now = clock();
    if (dueAt > now) return false;
    const claimed = await compareAndSet(db, 'practice_answers', {
      where: { verification_id: verificationId },
      expect: { step, due_at: dueAt },
      set: { due_at: now + answerLeaseMs },
    });
    if (!claimed) return false;
    const phone = await db
      .selectFrom('practice_answers as a')
      .innerJoin('practice_devices as p', 'p.device_id', 'a.device_id')
      .select(['p.device_id', 'p.tenant_id', 'p.customer_id', 'p.scenario'])
      .where('a.verification_id', '=', verificationId)
      .executeTakeFirst();
    const scenario = phone?.scenario as PracticeScenario | undefined;
    const more =
      phone !== undefined &&
      (await answer(
        {
          deviceId: phone.device_id,
          tenantId: phone.tenant_id,
          customerId: phone.customer_id,
          scenario: scenario!,
        },
        verificationId,
        step,
      ).catch(async (error: unknown) => {
        // A request that expired or was cancelled meanwhile: a real phone would have nothing to
        // answer either. Anything else is tried again by any process once the lease runs out.
        const status = await db
          .selectFrom('verifications')
          .select('status')
          .where('id', '=', verificationId)
          .executeTakeFirst();
        if (status?.status === 'pending') throw error;
        return false;
      }));
    const next = scenario ? scenarioRules[scenario].answers[step + 1] : undefined;
    if (more && next) {
      const nextDue = clock() + next.delayMs;
      await db
        .updateTable('practice_answers')
        .set({ step: step + 1, due_at: nextDue })
        .where('verification_id', '=', verificationId)
        .where('step', '=', step)
        .execute();
      wake(verificationId, step + 1, nextDue);
    } else {
      await db.deleteFrom('practice_answers').where('verification_id', '=', verificationId).execute();
    }
    return true;
  }

  /** A request reached the phone at `now`: the durable row of its first answer (once), and a timer here. */
  async function hear(phone: Phone, verificationId: string, now: number): Promise<void> {
    const first = scenarioRules[phone.scenario].answers[0];
    if (!first) return;
    await db
      .insertInto('practice_answers')
      .values({
        verification_id: verificationId,
        tenant_id: phone.tenantId,
        device_id: phone.deviceId,
        step: 0,
        due_at: now + first.delayMs,
        created_at: now,
      })
      .onConflict((oc) => oc.column('verification_id').doNothing())
      .execute();
    const row = await db
      .selectFrom('practice_answers')
      .select(['step', 'due_at'])
      .where('verification_id', '=', verificationId)
      .executeTakeFirst();
    if (row) wake(verificationId, row.step, row.due_at);
  }

  /** Listens for the phone in this process (idempotent). */
  function listenTo(phone: Phone): void {
    if (closed || listening.has(phone.deviceId)) return;
    const offDevice = events.subscribe(topics.device(phone.deviceId), () => {});
    const offCustomer = events.subscribe(topics.customer(phone.tenantId, phone.customerId), (event) => {
      const data = event.data as { id?: string; status?: string };
      if (event.type === 'verification' && data.status === 'pending' && data.id) {
        // The scenario's delay counts from the moment the phone heard of the request.
        hear(phone, data.id, clock()).catch(() => {
          // The sweep of a process that did write the row gives the answer; with none, the
          // request stays unanswered, as with a phone that lost its connection.
        });
      }
    });
    listening.set(phone.deviceId, {
      since: clock(),
      stop: () => {
        offDevice();
        offCustomer();
      },
    });
  }

  /** The answering phones of these customers, with the scenario each answers by. */
  async function answeringPhones(customers: { tenantId: string; customerId: string }[]): Promise<Phone[]> {
    if (customers.length === 0) return [];
    const rows = await db
      .selectFrom('practice_devices as p')
      .innerJoin('devices as d', 'd.id', 'p.device_id')
      .select(['p.device_id', 'p.tenant_id', 'p.customer_id', 'p.scenario'])
      .where(
        'p.customer_id',
        'in',
        customers.map((c) => c.customerId),
      )
      .where('d.status', '=', 'active')
      .execute();
    const wanted = new Set(customers.map((c) => `${c.tenantId}:${c.customerId}`));
    return rows
      .filter((r) => wanted.has(`${r.tenant_id}:${r.customer_id}`))
      .map((r) => ({
        deviceId: r.device_id,
        tenantId: r.tenant_id,
        customerId: r.customer_id,
        scenario: r.scenario as PracticeScenario,
      }))
      .filter((p) => scenarioRules[p.scenario].phone === 'answers');
  }

  /**
   * Listens for the phones of every active session's current call, and stops listening for the
   * others (those this process listened for before it looked: a phone a request of this process
   * added meanwhile stays).
   */
  async function adopt(): Promise<void> {
    const since = clock();
    const sessions = await db
      .selectFrom('practice_sessions')
      .select(['tenant_id', 'steps'])
      .where('status', '=', 'active')
      .execute();
    const current = sessions.flatMap((s) => {
      const steps = JSON.parse(s.steps) as { customerId: string; conclusion: string | null }[];
      const step = steps.find((x) => x.conclusion === null);
      return step ? [{ tenantId: s.tenant_id, customerId: step.customerId }] : [];
    });
    const phones = await answeringPhones(current);
    const keep = new Set(phones.map((p) => p.deviceId));
    for (const [deviceId, entry] of listening) {
      if (!keep.has(deviceId) && entry.since < since) {
        entry.stop();
        listening.delete(deviceId);
      }
    }
    for (const phone of phones) listenTo(phone);
  }

  return {
    enroll,

    /** Starts answering for the customer's phone in this process (idempotent); an unreachable one never listens. */
    async listen(tenantId: string, customerId: string): Promise<void> {
      for (const phone of await answeringPhones([{ tenantId, customerId }])) listenTo(phone);
    },

    /** Stops answering for the customer's phones in this process (the step is over). */
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

    /**
     * Run every second by each server process: listens for the phones on a call (every few
     * seconds), gives every answer that is due and that no process has claimed (a timer lost to
     * a restart, a process that stopped), and drops rows of requests long over. Returns how many
     * answers this call gave.
     */
    async sweep(): Promise<number> {
      const now = clock();
      if (now - adoptedAt >= adoptIntervalMs) {
        adoptedAt = now;
        await adopt();
        await db
          .deleteFrom('practice_answers')
          .where('created_at', '<', now - answerRowMaxAgeMs)
          .execute();
      }
      const due = await db
        .selectFrom('practice_answers')
        .select(['verification_id', 'step', 'due_at'])
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .limit(100)
        .execute();
      let given = 0;
      for (const row of due) {
        if (await claimAndAnswer(row.verification_id, row.step, row.due_at).catch(() => false)) given++;
      }
      return given;
    },

    /** This process stops listening and answering; the rows stay for the other processes' sweeps. */
    close(): void {
      closed = true;
      for (const entry of listening.values()) entry.stop();
      listening.clear();
      for (const handle of pending) timers.clearTimeout(handle);
      pending.clear();
    },
  };
}

export type SimulatedPhones = ReturnType<typeof createSimulatedPhones>;
