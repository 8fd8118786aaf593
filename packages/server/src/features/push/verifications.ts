import {
  AppError,
  type AssuranceLevel,
  applyDecision,
  assuranceForPush,
  canCancel,
  decisionSigningPayload,
  defaultVerificationPolicy,
  expireIfDue,
  type FinalVerificationStatus,
  generateVerificationCode,
  isVerificationDecision,
  newId,
  notFound,
  type VerificationDecision,
  type VerificationPolicy,
  type VerificationPurpose,
  type VerificationStatus,
  validateActionSummary,
  validateVerificationPolicy,
} from '@helpdesk-auth/core';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { decodeProtectedHeader } from 'jose';
import { type Actor, appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { constantTimeEqual, decryptSecret, encryptSecret, keyedHash } from '../../platform/secrets.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import { refuseIfRejected, signJwt, verifyCompact } from '../../platform/signing/signatures.ts';
import { hitRateLimit, inTransaction, inTransactionRetryingUnique } from '../../storage/atomic.ts';
import { type Db, durable } from '../../storage/database.ts';
import type { DeviceRow, VerificationEventRow, VerificationRow } from '../../storage/schema.ts';
import { statusLiteral } from '../../storage/status-literals.ts';
import {
  countWrongCodeIfUnchanged,
  finaliseIfUnchanged,
  insertOpenedOnce,
  insertVerification,
  insertVerificationEvent,
  pendingOfCustomer,
  requestForDevice,
  tenantForStart,
  timelineRows,
  verificationById,
  verificationOfTenant,
} from '../../storage/verification-queries.ts';
import type { DeliveryTarget, DeviceAuth, DeviceService, WebAuthnService } from '../devices/index.ts';
import { assertPushAllowed, recordFailedAttempt } from '../policy/index.ts';
import type { PushDelivery } from './delivery.ts';

export const requestType = 'hda-request+jwt';
export const decisionType = 'hda-decision+jwt';

/** What happened to a verification, in order: its timeline, and the names of its live events. */
export type VerificationEventType =
  | 'started'
  | 'sent'
  | 'delivered'
  | 'unreachable'
  | 'opened'
  | 'wrong_code'
  | FinalVerificationStatus;

export interface VerificationEvent {
  type: VerificationEventType;
  deviceId: string | null;
  channel: string | null;
  detail: string | null;
  at: number;
}

/** Best news about delivery so far, for the agent: did it reach a device? */
export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';

export interface Verification {
  id: string;
  customerId: string;
  method: 'push';
  purpose: VerificationPurpose;
  reason: string;
  actionSummary: string | null;
  callReference: string | null;
  status: VerificationStatus;
  /** The code the agent reads out; only while pending. */
  code: string | null;
  codeLength: number;
  failedAttempts: number;
  maxAttempts: number;
  startedBy: { type: string; id: string | null; name: string };
  createdAt: number;
  expiresAt: number;
  finishedAt: number | null;
  decidedByDeviceId: string | null;
  assurance: AssuranceLevel | null;
  delivery: DeliveryState;
}

export interface StartVerificationInput {
  customerId: string;
  purpose: VerificationPurpose;
  reason: string;
  actionSummary?: string | null | undefined;
  callReference?: string | null | undefined;
  /** The agent's name shown on the device: the operator's own, or what an integration gives. */
  agentName: string;
}

export interface VerificationFilter {
  customerId?: string | undefined;
  status?: VerificationStatus | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  limit: number;
  /** Id of the last verification of the previous page (pages run newest first). */
  before?: string | undefined;
}

/** What proves a decision: the device key's signature, or a WebAuthn assertion over the same payload. */
export type DecisionProof =
  | { signedDecision: string }
  | {
      decision: { decision: string; code: string | null; nonce: string; iat: number };
      webauthn: AuthenticationResponseJSON;
    };

const codeContext = (id: string) => `verification-code:${id}`;

function deliveryState(events: Pick<VerificationEvent, 'type'>[]): DeliveryState {
  const types = new Set(events.map((e) => e.type));
  if (types.has('opened')) return 'opened';
  if (types.has('delivered')) return 'delivered';
  if (types.has('sent')) return 'sent';
  if (types.has('unreachable')) return 'unreachable';
  return 'pending';
}

export function policyOf(settings: string): VerificationPolicy {
  const parsed = JSON.parse(settings) as { verification?: Partial<VerificationPolicy> };
  const policy = { ...defaultVerificationPolicy, ...parsed.verification };
  // Stored policies were validated on the way in; a broken one must not silently weaken a check.
  const problems = validateVerificationPolicy(policy);
  if (problems.length > 0) throw new Error(`Stored verification policy is invalid: ${problems.join(' ')}`);
  return policy;
}

/** The index that holds at most one pending verification per customer (migration 0010). */
const onePendingPerCustomer = {
  index: 'verifications_pending',
  table: 'verifications',
  columns: ['tenant_id', 'customer_id'],
} as const;

export function createVerificationService(
  context: ServiceContext,
  deps: {
    devices: DeviceService;
    deviceAuth: DeviceAuth;
    serverKeys: ServerKeyService;
    delivery: PushDelivery;
    webauthn: WebAuthnService;
    /**
     * Tells the customer about a helpdesk verification or their fraud report, as the tenant's
     * policy asks (features/policy/notifications.ts). Never throws into the decision.
     */
    notify?: (
      tenantId: string,
      customerId: string,
      event: 'verified' | 'fraud_reported',
      at: number,
    ) => Promise<unknown>;
  },
) {
  const { db, config, clock, encryptionKey, events, timers } = context;
  const issuer = new URL(config.publicUrl).origin;
  const expiryTimers = new Map<string, unknown>();

  function toVerification(row: VerificationRow, timeline: Pick<VerificationEvent, 'type'>[]): Verification {
    // Shown as expired from its expiry instant on, even in the moment before the timer stores it.
    const status = expireIfDue(row.status as VerificationStatus, row.expires_at, clock());
    const pending = status === 'pending';
    return {
      id: row.id,
      customerId: row.customer_id,
      method: 'push',
      purpose: row.purpose as VerificationPurpose,
      reason: row.reason,
      actionSummary: row.action_summary,
      callReference: row.call_reference,
      status,
      code:
        pending && row.code_sealed
          ? decryptSecret(encryptionKey, row.code_sealed, codeContext(row.id))
          : null,
      codeLength: row.code_length,
      failedAttempts: row.failed_attempts,
      maxAttempts: row.max_attempts,
      startedBy: { type: row.started_by_type, id: row.started_by_id, name: row.agent_name },
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      finishedAt: row.finished_at,
      decidedByDeviceId: row.decided_by_device_id,
      assurance: row.assurance as AssuranceLevel | null,
      delivery: deliveryState(timeline),
    };
  }

  async function getRow(tx: Db, tenantId: string, id: string): Promise<VerificationRow> {
    const row = await verificationOfTenant.first(tx, { tenantId, id });
    if (!row) throw notFound('Verification');
    return row;
  }

  /** The timeline: the start (from the row itself), then every stored event in order. */
  async function timelineOf(tx: Db, row: VerificationRow): Promise<VerificationEvent[]> {
    const id = row.id;
    const rows = await timelineRows.all(tx, { verificationId: id });
    const started: VerificationEvent = {
      type: 'started',
      deviceId: null,
      channel: null,
      detail: null,
      at: row.created_at,
    };
    return [
      started,
      ...rows.map((event: VerificationEventRow) => ({
        type: event.type as VerificationEventType,
        deviceId: event.device_id,
        channel: event.channel,
        detail: event.detail,
        at: event.occurred_at,
      })),
    ];
  }

  /** Tells everyone watching: the verification's own stream, and its starter's. */
  function announce(
    row: Pick<VerificationRow, 'id' | 'tenant_id' | 'started_by_id' | 'status'>,
    event: {
      type: VerificationEventType;
      at: number;
      deviceId?: string | null;
      channel?: string | null;
      attemptsLeft?: number;
    },
  ): void {
    const live = {
      type: event.type,
      data: {
        verificationId: row.id,
        status: row.status,
        at: new Date(event.at).toISOString(),
        ...(event.deviceId ? { deviceId: event.deviceId } : {}),
        ...(event.channel ? { channel: event.channel } : {}),
        ...(event.attemptsLeft !== undefined ? { attemptsLeft: event.attemptsLeft } : {}),
      },
    };
    events.publish(topics.verification(row.id), live);
    if (row.started_by_id) events.publish(topics.starter(row.tenant_id, row.started_by_id), live);
  }

  /** Devices learn that a request started or ended; they fetch the rest themselves. */
  function tellDevices(row: Pick<VerificationRow, 'id' | 'tenant_id' | 'customer_id' | 'status'>): void {
    events.publish(topics.customer(row.tenant_id, row.customer_id), {
      type: 'verification',
      data: { id: row.id, status: row.status },
    });
  }

  /** Adds timeline entries, in the caller's transaction when there is one. */
  async function recordEvents(
    executor: Db,
    row: Pick<VerificationRow, 'id' | 'tenant_id'>,
    entries: Omit<VerificationEvent, 'at'>[],
    now: number,
  ): Promise<void> {
    for (const event of entries) {
      await insertVerificationEvent.changes(executor, {
        id: newId('verificationEvent', now),
        tenant_id: row.tenant_id,
        verification_id: row.id,
        type: event.type,
        device_id: event.deviceId,
        channel: event.channel,
        detail: event.detail,
        occurred_at: now,
      });
    }
  }

  /** Counts a wrong code; false when someone else changed the verification first. */
  async function countWrongCode(
    tx: Db,
    row: Pick<VerificationRow, 'id' | 'tenant_id' | 'failed_attempts'>,
    failedAttempts: number,
  ): Promise<boolean> {
    const changed = await countWrongCodeIfUnchanged.changes(tx, {
      id: row.id,
      tenantId: row.tenant_id,
      readAttempts: row.failed_attempts,
      failedAttempts,
    });
    return changed === 1;
  }

  interface FinalChange {
    status: FinalVerificationStatus;
    failedAttempts?: number;
    deviceId?: string | null;
    evidence?: string | null;
    assurance?: AssuranceLevel | null;
    actor: Actor;
    data?: Record<string, unknown>;
  }

  /**
   * The compare-and-set half of `finalise`: moves the verification to its final status only if
   * it is still pending with the attempts it was read with. Returns false when someone else
   * moved it first.
   */
  async function moveToFinal(
    tx: Db,
    row: VerificationRow,
    change: FinalChange,
    now: number,
  ): Promise<boolean> {
    const changed = await finaliseIfUnchanged.changes(tx, {
      id: row.id,
      tenantId: row.tenant_id,
      readAttempts: row.failed_attempts,
      status: change.status,
      failedAttempts: change.failedAttempts ?? row.failed_attempts,
      finishedAt: now,
      deviceId: change.deviceId ?? null,
      evidence: change.evidence ?? null,
      assurance: change.assurance ?? null,
    });
    return changed === 1;
  }

  /** The evidence half of `finalise`: the timeline row and the audit entry of a moved row. */
  async function recordFinal(tx: Db, row: VerificationRow, change: FinalChange, now: number): Promise<void> {
    await recordEvents(
      tx,
      row,
      [{ type: change.status, deviceId: change.deviceId ?? null, channel: null, detail: null }],
      now,
    );
    await appendAudit(tx, {
      tenantId: row.tenant_id,
      actor: change.actor,
      action: `verification.${change.status}`,
      target: { type: 'verification', id: row.id },
      data: { customerId: row.customer_id, ...change.data },
      now,
    });
  }

  /**
   * Moves a pending verification to a final status with one compare-and-set on the status and
   * the attempts it was read with, writing the audit entry and the timeline in the same
   * transaction. Returns false when someone else moved it first.
   */
  async function finalise(tx: Db, row: VerificationRow, change: FinalChange, now: number): Promise<boolean> {
    if (!(await moveToFinal(tx, row, change, now))) return false;
    await recordFinal(tx, row, change, now);
    return true;
  }

  function afterFinal(row: VerificationRow, status: FinalVerificationStatus, now: number, deviceId?: string) {
    const handle = expiryTimers.get(row.id);
    if (handle !== undefined) {
      timers.clearTimeout(handle);
      expiryTimers.delete(row.id);
    }
    const final = { ...row, status };
    announce(final, { type: status, at: now, deviceId: deviceId ?? null });
    tellDevices(final);
  }

  /** Expires one verification if it is still pending and due. */
  async function expireOne(tenantId: string, id: string): Promise<boolean> {
    const now = clock();
    const row = await verificationOfTenant.first(db, { tenantId, id });
    if (row?.status !== 'pending' || row.expires_at > now) return false;
    const moved = await inTransaction(db, (tx) =>
      finalise(tx, row, { status: 'expired', actor: systemActor }, now),
    );
    if (moved) afterFinal(row, 'expired', now);
    return moved;
  }

  function scheduleExpiry(tenantId: string, id: string, expiresAt: number): void {
    const handle = timers.setTimeout(
      () => {
        expiryTimers.delete(id);
        // A timer may fire a millisecond or two before the wall clock reaches the expiry (Node's
        // timers run on the event loop's cached time); expiring then would be refused as not yet
        // due, and the request would wait for the periodic sweep. Wait out the rest instead.
        if (clock() < expiresAt) {
          scheduleExpiry(tenantId, id, expiresAt);
          return;
        }
        expireOne(tenantId, id).catch(() => {
          // The periodic sweep retries whatever a timer could not expire.
        });
      },
      Math.max(0, expiresAt - clock()),
    );
    expiryTimers.set(id, handle);
  }

  /** Records the first time each device opens a request; later fetches add nothing. */
  async function markOpened(
    row: Pick<VerificationRow, 'id' | 'tenant_id' | 'started_by_id' | 'status'>,
    deviceId: string,
    now: number,
  ): Promise<void> {
    // One statement: insert unless this device already opened it.
    const inserted = await insertOpenedOnce.changes(db, {
      id: newId('verificationEvent', now),
      tenantId: row.tenant_id,
      verificationId: row.id,
      deviceId,
      at: now,
    });
    if (inserted === 0) return;
    await durable(db);
    announce(row, { type: 'opened', at: now, deviceId });
  }

  async function signRequest(
    row: Pick<
      VerificationRow,
      'id' | 'customer_id' | 'purpose' | 'reason' | 'action_summary' | 'agent_name'
    > & {
      code_length: number;
      created_at: number;
      expires_at: number;
    },
    tenantName: string,
  ): Promise<string> {
    const key = await deps.serverKeys.signingKey();
    return signJwt({
      header: { alg: 'ES256', typ: requestType, kid: key.kid },
      claims: {
        purpose: row.purpose,
        reason: row.reason,
        actionSummary: row.action_summary,
        tenantName,
        agentName: row.agent_name,
        codeLength: row.code_length,
        iss: issuer,
        sub: row.customer_id,
        jti: row.id,
        iat: Math.floor(row.created_at / 1000),
        exp: Math.ceil(row.expires_at / 1000),
      },
      key: { kid: key.kid, privateKey: key.privateKeyObject },
    });
  }

  /**
   * What is known about delivery the moment a request starts: an open live channel receives
   * the start event (tellDevices), which is delivery; a device with neither a live channel nor a
   * push channel cannot be reached. Stored with the start, in the same transaction.
   */
  async function immediateOutcomes(targets: DeliveryTarget[]): Promise<Omit<VerificationEvent, 'at'>[]> {
    const live = await Promise.all(
      targets.map((target) => events.isListening(topics.device(target.deviceId))),
    );
    return targets.flatMap((target, i): Omit<VerificationEvent, 'at'>[] => {
      if (live[i]) return [{ type: 'delivered', deviceId: target.deviceId, channel: 'live', detail: null }];
      if (!target.push) {
        return [{ type: 'unreachable', deviceId: target.deviceId, channel: null, detail: 'no open channel' }];
      }
      return [];
    });
  }

  /** Push messages go out after the answer; each outcome is stored and announced as it comes. */
  async function sendPushes(
    row: VerificationRow,
    targets: DeliveryTarget[],
    live: Set<string>,
  ): Promise<void> {
    await Promise.all(
      targets.map(async (target) => {
        if (!target.push) return;
        const result = await deps.delivery.send(target.push, { type: 'verification', id: row.id });
        let outcome: Omit<VerificationEvent, 'at'> | undefined;
        if (result.outcome === 'accepted') {
          outcome = { type: 'sent', deviceId: target.deviceId, channel: target.push.kind, detail: null };
        } else {
          if (result.outcome === 'gone') await deps.devices.dropPushChannel(target.deviceId);
          // A device that got the request live is not unreachable because its push failed.
          if (!live.has(target.deviceId)) {
            outcome = {
              type: 'unreachable',
              deviceId: target.deviceId,
              channel: target.push.kind,
              detail: result.outcome === 'gone' ? 'subscription gone' : result.reason,
            };
          }
        }
        if (!outcome) return;
        const now = clock();
        await recordEvents(db, row, [outcome], now);
        await durable(db);
        announce(row, { type: outcome.type, at: now, deviceId: outcome.deviceId, channel: outcome.channel });
      }),
    );
  }

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
    async start(tenantId: string, input: StartVerificationInput, actor: Actor): Promise<Verification> {
      const actionSummary = input.actionSummary ?? null;
      const summaryProblems = validateActionSummary(input.purpose, actionSummary);
      if (summaryProblems.length > 0) throw new AppError('VALIDATION_FAILED', summaryProblems.join(' '));
      const now = clock();
      const tenant = await tenantForStart.first(db, { id: tenantId });
      if (!tenant) throw notFound('Tenant');
      const policy = policyOf(tenant.settings);
      // One read gives both the check (an active device exists) and the delivery targets.
      const targets = await deps.devices.deliveryTargets(tenantId, input.customerId);
      if (targets.length === 0) {
        const customer = await db
          .selectFrom('customers')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', input.customerId)
          .executeTakeFirst();
        if (!customer) throw notFound('Customer');
        throw new AppError(
          'CUSTOMER_HAS_NO_DEVICE',
          'The customer has no enrolled device; use another method.',
        );
      }
      // The tenant's risk rules (docs/policy.md): push locked after a fraud report or repeated
      // denials, and the hourly failure limit across methods. Checked before the push cap, so a
      // refused start does not use up one of the customer's push requests.
      await assertPushAllowed(db, { tenantId, customerId: input.customerId, now });
      // Against push bombing (DESIGN section 5): a cap per customer, whoever asks.
      const hit = await hitRateLimit(db, `push:${tenantId}:${input.customerId}`, {
        limit: policy.pushRequestsPerWindow,
        windowMs: policy.pushWindowSeconds * 1000,
        now,
      });
      if (!hit.allowed) {
        throw tooManyAttempts(
          `This customer already received ${policy.pushRequestsPerWindow} push requests recently. Use another method or wait.`,
          hit,
          now,
          'PUSH_RATE_LIMITED',
        );
      }

      const code = generateVerificationCode(policy.codeLength);
      const id = newId('verification', now);
      const base = {
        id,
        customer_id: input.customerId,
        purpose: input.purpose,
        reason: input.reason,
        action_summary: actionSummary,
        agent_name: input.agentName,
        code_length: policy.codeLength,
        created_at: now,
        expires_at: now + policy.expirySeconds * 1000,
      };
      const row: VerificationRow = {
        ...base,
        tenant_id: tenantId,
        method: 'push',
        call_reference: input.callReference ?? null,
        status: 'pending',
        code_hash: keyedHash(encryptionKey, code),
        code_sealed: encryptSecret(encryptionKey, code, codeContext(id)),
        failed_attempts: 0,
        max_attempts: policy.maxCodeAttempts,
        started_by_type: actor.type,
        started_by_id: actor.id,
        request_jws: await signRequest(base, tenant.name),
        finished_at: null,
        decided_by_device_id: null,
        decision_evidence: null,
        assurance: null,
        require_user_verification: policy.requireUserVerification ? 1 : 0,
      };

      const immediate = await immediateOutcomes(targets);
      // A new push request replaces the pending one: the customer should see one request only.
      // The unique index verifications_pending (migration 0010) holds at most one pending row
      // per customer; a start that loses the race to another runs again and supersedes it, so
      // every start answers and the last one stays pending. The audit entries, which lock the
      // tenant's audit head until commit, come after the insert: a transaction waiting on the
      // other's pending row then never holds the lock that one needs (no deadlock).
      const superseded = await inTransactionRetryingUnique(db, onePendingPerCustomer, async (tx) => {
        const pending = await pendingOfCustomer.all(tx, { tenantId, customerId: input.customerId });
        const cancel: FinalChange = { status: 'cancelled', actor, data: { supersededBy: id } };
        const cancelled: VerificationRow[] = [];
        for (const old of pending) {
          if (await moveToFinal(tx, old, cancel, now)) cancelled.push(old);
        }
        await insertVerification.changes(tx, row);
        for (const old of cancelled) await recordFinal(tx, old, cancel, now);
        await recordEvents(tx, { id, tenant_id: tenantId }, immediate, now);
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'verification.started',
          target: { type: 'verification', id },
          data: {
            customerId: input.customerId,
            method: 'push',
            purpose: input.purpose,
            reason: input.reason,
            actionSummary,
            callReference: row.call_reference,
          },
          now,
        });
        return cancelled;
      });
      for (const old of superseded) afterFinal(old, 'cancelled', now);

      scheduleExpiry(tenantId, id, row.expires_at);
      announce(row, { type: 'started', at: now });
      tellDevices(row);
      for (const outcome of immediate) {
        announce(row, { type: outcome.type, at: now, deviceId: outcome.deviceId, channel: outcome.channel });
      }
      const live = new Set(immediate.filter((o) => o.type === 'delivered').map((o) => o.deviceId!));
      void sendPushes(row, targets, live).catch(() => {
        // Each device's outcome is recorded as it happens; a failure here leaves the request
        // pending, and the agent sees no delivery and can choose another method.
      });
      return { ...toVerification({ ...row, code_sealed: null }, immediate), code };
    },

    async get(tenantId: string, id: string): Promise<Verification & { timeline: VerificationEvent[] }> {
      const row = await getRow(db, tenantId, id);
      const timeline = await timelineOf(db, row);
      return { ...toVerification(row, timeline), timeline };
    },

    /**
     * Long-poll: answers as soon as the verification is final, or after `waitSeconds` with its
     * current state. Subscribes before reading, so a change between the two is not missed.
     */
    async waitFor(
      tenantId: string,
      id: string,
      waitSeconds: number,
      signal?: AbortSignal,
    ): Promise<Verification & { timeline: VerificationEvent[] }> {
      let wake: () => void = () => {};
      const changed = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const unsubscribe = events.subscribe(topics.verification(id), (event) => {
        if (event.data.status !== 'pending') wake();
      });
      const handle = setTimeout(wake, waitSeconds * 1000);
      signal?.addEventListener('abort', wake, { once: true });
      try {
        const first = await this.get(tenantId, id);
        if (first.status !== 'pending' || waitSeconds === 0) return first;
        await changed;
        return await this.get(tenantId, id);
      } finally {
        clearTimeout(handle);
        unsubscribe();
      }
    },

    async list(
      tenantId: string,
      filter: VerificationFilter,
    ): Promise<{ items: Verification[]; nextBefore: string | null }> {
      let query = db.selectFrom('verifications').selectAll().where('tenant_id', '=', tenantId);
      if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.createdAfter !== undefined) query = query.where('created_at', '>=', filter.createdAfter);
      if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
      if (filter.before) query = query.where('id', '<', filter.before);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(filter.limit + 1)
        .execute();
      const page = rows.slice(0, filter.limit);
      const ids = page.map((r) => r.id);
      const eventRows =
        ids.length === 0
          ? []
          : await db
              .selectFrom('verification_events')
              .select(['verification_id', 'type'])
              .where('verification_id', 'in', ids)
              .execute();
      return {
        items: page.map((row) =>
          toVerification(
            row,
            eventRows
              .filter((e) => e.verification_id === row.id)
              .map((e) => ({ type: e.type as VerificationEventType })),
          ),
        ),
        nextBefore: rows.length > filter.limit ? page[page.length - 1]!.id : null,
      };
    },

    async cancel(tenantId: string, id: string, actor: Actor): Promise<Verification> {
      const now = clock();
      const row = await getRow(db, tenantId, id);
      if (row.status === 'pending' && row.expires_at <= now) {
        await expireOne(tenantId, id);
        throw new AppError('VERIFICATION_EXPIRED', 'The request has already expired.');
      }
      if (!canCancel(row.status as VerificationStatus)) {
        throw new AppError(
          'VERIFICATION_NOT_PENDING',
          `The request is already ${row.status.replace('_', ' ')}.`,
        );
      }
      const moved = await inTransaction(db, (tx) => finalise(tx, row, { status: 'cancelled', actor }, now));
      if (!moved) {
        const current = await getRow(db, tenantId, id);
        throw new AppError(
          'VERIFICATION_NOT_PENDING',
          `The request is already ${current.status.replace('_', ' ')}.`,
        );
      }
      afterFinal(row, 'cancelled', now);
      return (await this.get(tenantId, id)) as Verification;
    },

    /** Expires every pending verification whose time is up; the safety net behind the timers. */
    async expireDue(): Promise<number> {
      const now = clock();
      const due = await db
        .selectFrom('verifications')
        .select(['id', 'tenant_id'])
        .where('status', '=', statusLiteral.pending)
        .where('expires_at', '<=', now)
        .limit(500)
        .execute();
      let expired = 0;
      for (const row of due) if (await expireOne(row.tenant_id, row.id)) expired++;
      return expired;
    },

    // ------------------------------------------------------------------------------------------
    // The device's side
    // ------------------------------------------------------------------------------------------

    /** Pending requests for the device's customer, newest first. */
    async pendingForDevice(device: { id: string; tenantId: string; customerId: string }) {
      const now = clock();
      const rows = await db
        .selectFrom('verifications')
        .select(['id', 'status', 'request_jws', 'expires_at', 'started_by_id'])
        .where('tenant_id', '=', device.tenantId)
        .where('customer_id', '=', device.customerId)
        .where('status', '=', statusLiteral.pending)
        .orderBy('id', 'desc')
        .execute();
      const live = rows.filter((row) => row.expires_at > now);
      // Listing hands the device the whole signed request, so it counts as opened too.
      for (const row of live) await markOpened({ ...row, tenant_id: device.tenantId }, device.id, now);
      return live.map((row) => ({
        id: row.id,
        status: row.status as VerificationStatus,
        request: row.request_jws,
      }));
    },

    /** The signed request, for the device of its customer only; records that it was opened. */
    async openOnDevice(device: { id: string; tenantId: string; customerId: string }, id: string) {
      const row = await requestForDevice.first(db, {
        tenantId: device.tenantId,
        customerId: device.customerId,
        id,
      });
      if (!row) throw notFound('Verification');
      const now = clock();
      const status = row.status === 'pending' && row.expires_at <= now ? 'expired' : row.status;
      if (status === 'pending') await markOpened(row, device.id, now);
      return { id: row.id, status: status as VerificationStatus, request: row.request_jws };
    },

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

    /** Stops expiry timers (server shutdown); the sweep of the next start takes over. */
    stop(): void {
      for (const handle of expiryTimers.values()) timers.clearTimeout(handle);
      expiryTimers.clear();
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
