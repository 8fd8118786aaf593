// How a verification is read, recorded and announced: its row and timeline, live events, the
// compare-and-set to a final status with its audit entry. Every step builds on these.
import {
  type AssuranceLevel,
  expireIfDue,
  type FinalVerificationStatus,
  newId,
  notFound,
  type VerificationMethod,
  type VerificationPurpose,
  type VerificationStatus,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';
import { recordVerification } from '../../platform/metrics.ts';
import { decryptSecret } from '../../platform/secrets.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import type { Db } from '../../storage/database.ts';
import type { VerificationRow } from '../../storage/schema.ts';
import {
  countWrongCodeIfUnchanged,
  finaliseIfUnchanged,
  insertVerificationEvent,
  verificationOfTenant,
  verificationWithTimeline,
} from '../../storage/verification-queries.ts';
import type { DeviceAuth, DeviceService, WebAuthnService } from '../devices/index.ts';
import type { PushDelivery } from './channels/delivery.ts';
import {
  codeContext,
  deliveryState,
  type Verification,
  type VerificationEvent,
  type VerificationEventType,
} from './model.ts';

/** What the verification service is given by the composition (app/services.ts). */
export interface VerificationDependencies {
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
}

export interface FinalChange {
  status: FinalVerificationStatus;
  failedAttempts?: number;
  deviceId?: string | null;
  evidence?: string | null;
  assurance?: AssuranceLevel | null;
  actor: Actor;
  data?: Record<string, unknown>;
}

/**
 * The rows whose final outcome was audited as practice, for `afterFinal` to leave out of the
 * metrics: a row goes from `recordFinal` to `afterFinal` as the same object, and leaves this set
 * when it is collected, so nothing here grows or outlives the request it belongs to.
 */
const practiceRows = new WeakSet<VerificationRow>();

export function createRecord(context: ServiceContext, deps: VerificationDependencies) {
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
      method: row.method as VerificationMethod,
      action: row.action,
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

  /** The verification and its timeline (the start, from the row itself, then every stored event in order), in one round trip. */
  async function getWithTimeline(
    tx: Db,
    tenantId: string,
    id: string,
  ): Promise<{ row: VerificationRow; timeline: VerificationEvent[] }> {
    const rows = await verificationWithTimeline.all(tx, { tenantId, id });
    const first = rows[0];
    if (!first) throw notFound('Verification');
    const {
      event_id: _id,
      event_type: _type,
      event_device_id: _device,
      event_channel: _channel,
      event_detail: _detail,
      event_at: _at,
      ...row
    } = first;
    const timeline: VerificationEvent[] = [
      { type: 'started', deviceId: null, channel: null, detail: null, at: row.created_at },
    ];
    for (const event of rows) {
      if (event.event_id === null) continue;
      timeline.push({
        type: event.event_type as VerificationEventType,
        deviceId: event.event_device_id,
        channel: event.event_channel,
        detail: event.event_detail,
        at: event.event_at as number,
      });
    }
    return { row, timeline };
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
    const { practice } = await appendAudit(tx, {
      tenantId: row.tenant_id,
      actor: change.actor,
      action: `verification.${change.status}`,
      target: { type: 'verification', id: row.id },
      // The method on every outcome, push's as a fallback method's (webhooks carry it).
      data: { customerId: row.customer_id, method: row.method, ...change.data },
      now,
    });
    if (practice) practiceRows.add(row);
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
    recordVerification('push', status, { practice: practiceRows.has(row) });
    announce(final, { type: status, at: now, deviceId: deviceId ?? null });
    tellDevices(final);
  }

  return {
    context,
    deps,
    db,
    config,
    clock,
    encryptionKey,
    events,
    timers,
    issuer,
    expiryTimers,
    toVerification,
    getRow,
    getWithTimeline,
    announce,
    tellDevices,
    recordEvents,
    countWrongCode,
    moveToFinal,
    recordFinal,
    finalise,
    afterFinal,
  };
}

export type PushRecord = ReturnType<typeof createRecord>;
