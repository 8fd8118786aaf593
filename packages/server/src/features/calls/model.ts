// What the call-notice steps share: the notice as the API shows it, the row's reads, live events
// and the compare-and-set that ends a notice with its audit entry.
import {
  type CallConfirmation,
  type CallMutualCode,
  type CallNoticeStatus,
  notFound,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';
import { decryptSecret } from '../../platform/secrets.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import type { CallNoticeRow } from '../../storage/schema.ts';
import type { DeviceService } from '../devices/index.ts';
import type { PushDelivery } from '../push/index.ts';

export interface CallNotice {
  id: string;
  customerId: string;
  status: CallNoticeStatus;
  reason: string;
  team: string | null;
  fromNumber: string | null;
  agent: { type: string; id: string | null; displayName: string };
  mutualCode: CallMutualCode;
  /** agent_reads only, to callers with calls:write, while active: the code the agent reads out. */
  code: string | null;
  confirmation: CallConfirmation | null;
  codeAttemptsLeft: number | null;
  viewedAt: number | null;
  confirmedAt: number | null;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
}

export interface CallDelivery {
  deviceId: string;
  channel: 'live' | 'webpush' | 'fcm' | 'apns' | null;
  /** `delivered`: on the open live channel; `sending`: handed to the push channel; `unreachable`: neither. */
  result: 'delivered' | 'sending' | 'unreachable';
}

export interface CallDependencies {
  devices: DeviceService;
  serverKeys: ServerKeyService;
  delivery: PushDelivery;
  /** Tells the customer after their fraud report, as the policy asks (features/policy/notifications.ts). */
  notify?: (tenantId: string, customerId: string, event: 'fraud_reported', at: number) => Promise<unknown>;
}

/** The partial unique index of migration 0025: one active notice per customer. */
export const oneActivePerCustomer = {
  index: 'call_notices_one_active',
  table: 'call_notices',
  columns: ['tenant_id', 'customer_id'],
} as const;

export const codeContext = (id: string) => `call-notice-code:${id}`;

export function createCallRecord(context: ServiceContext, deps: CallDependencies) {
  const { db, clock, encryptionKey, events, config } = context;
  const issuer = new URL(config.publicUrl).origin;
  const expiryTimers = new Map<string, unknown>();

  /** Shown as expired from its expiry instant on, even in the moment before the timer stores it. */
  function statusOf(row: CallNoticeRow): CallNoticeStatus {
    return row.status === 'active' && row.expires_at <= clock() ? 'expired' : row.status;
  }

  /** The code in the clear, for the device's signed notice and (agent_reads) the calling agent. */
  function codeOf(row: CallNoticeRow): string | null {
    return row.code_sealed ? decryptSecret(encryptionKey, row.code_sealed, codeContext(row.id)) : null;
  }

  /**
   * The notice as operators and API keys see it. The code only with `revealCode` (the caller may
   * write call notices), only in agent_reads mode and only while active: a customer_reads code is
   * the customer's to read out, and showing it to any operator would let the agent skip hearing it.
   */
  function toNotice(row: CallNoticeRow, options: { revealCode: boolean }): CallNotice {
    const status = statusOf(row);
    return {
      id: row.id,
      customerId: row.customer_id,
      status,
      reason: row.reason,
      team: row.team,
      fromNumber: row.from_number,
      agent: { type: row.started_by_type, id: row.started_by_id, displayName: row.agent_name },
      mutualCode: row.mutual_code,
      code:
        options.revealCode && row.mutual_code === 'agent_reads' && status === 'active' ? codeOf(row) : null,
      confirmation: row.confirmation,
      codeAttemptsLeft:
        row.mutual_code === 'customer_reads'
          ? Math.max(0, row.code_max_attempts - Number(row.code_attempts))
          : null,
      viewedAt: row.viewed_at === null ? null : Number(row.viewed_at),
      confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      endedAt: row.ended_at === null ? null : Number(row.ended_at),
    };
  }

  async function findRow(executor: Db, tenantId: string, id: string): Promise<CallNoticeRow | undefined> {
    return executor
      .selectFrom('call_notices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async function getRow(executor: Db, tenantId: string, id: string): Promise<CallNoticeRow> {
    const row = await findRow(executor, tenantId, id);
    if (!row) throw notFound('Call notice');
    return row;
  }

  /** Tells the agent's screen (`call:<id>`) what happened; never blocks the change. */
  function announce(row: Pick<CallNoticeRow, 'id'>, type: string, data: Record<string, unknown> = {}): void {
    events.publish(topics.call(row.id), { type, data: { noticeId: row.id, ...data } });
  }

  /** Tells the customer's devices on their live channel (`call_notice`, `call_notice_ended`). */
  function tellDevices(row: Pick<CallNoticeRow, 'id' | 'tenant_id' | 'customer_id'>, type: string): void {
    events.publish(topics.customer(row.tenant_id, row.customer_id), { type, data: { id: row.id } });
  }

  /**
   * Ends an active notice (the agent's end, or its expiry), once: the conditional UPDATE moves
   * only an active row, so of an end and an expiry racing across processes exactly one wins and
   * writes its audit entry (call.ended or call.expired) in the same transaction.
   */
  async function finish(
    row: CallNoticeRow,
    status: 'ended' | 'expired',
    actor: Actor,
    now: number,
  ): Promise<boolean> {
    const moved = await inTransaction(db, async (tx) => {
      let update = tx
        .updateTable('call_notices')
        .set({ status, ended_at: now })
        .where('tenant_id', '=', row.tenant_id)
        .where('id', '=', row.id)
        .where('status', '=', 'active');
      // An expiry only of a notice whose time is up; an agent's end at any time.
      if (status === 'expired') update = update.where('expires_at', '<=', now);
      const result = await update.executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await appendAudit(tx, {
        tenantId: row.tenant_id,
        actor,
        action: `call.${status}`,
        target: { type: 'call_notice', id: row.id },
        data: { customerId: row.customer_id },
        now,
      });
      return true;
    });
    if (moved) {
      const timer = expiryTimers.get(row.id);
      if (timer !== undefined) {
        context.timers.clearTimeout(timer);
        expiryTimers.delete(row.id);
      }
      announce(row, `call.${status}`, { status, at: new Date(now).toISOString() });
      tellDevices(row, 'call_notice_ended');
    }
    return moved;
  }

  return {
    context,
    deps,
    db,
    clock,
    encryptionKey,
    events,
    issuer,
    expiryTimers,
    statusOf,
    codeOf,
    toNotice,
    findRow,
    getRow,
    announce,
    tellDevices,
    finish,
  };
}

export type CallRecord = ReturnType<typeof createCallRecord>;
