// Starting an outbound call notice: the policy's say, one active notice per customer, the mutual
// code, then the devices are told (live channel and every push channel) and the expiry is set.
import {
  AppError,
  type CallMutualCode,
  callCodeLength,
  callCodeMaxAttempts,
  callNoticeLimits,
  generateVerificationCode,
  newId,
  notFound,
  type Role,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import { topics } from '../../platform/live-events.ts';
import { encryptSecret, keyedHash } from '../../platform/secrets.ts';
import { inTransaction, violatesUniqueIndex } from '../../storage/atomic.ts';
import type { CallNoticeRow } from '../../storage/schema.ts';
import { loadPolicy } from '../policy/index.ts';
import type { createExpiry } from './expire.ts';
import {
  type CallDelivery,
  type CallNotice,
  type CallRecord,
  codeContext,
  oneActivePerCustomer,
} from './model.ts';

export interface StartCallInput {
  customerId: string;
  reason: string;
  team?: string | null;
  fromNumber?: string | null;
  expectedMinutes?: number;
  mutualCode?: CallMutualCode;
}

/** Who starts the notice: the actor, the name the customer sees, and the operator's role (none for an API key). */
export interface CallStarter {
  actor: Actor;
  agentName: string;
  role: Role | null;
}

export function createStart(
  record: CallRecord,
  expiry: Pick<ReturnType<typeof createExpiry>, 'scheduleExpiry' | 'expireOne'>,
) {
  const { db, clock, encryptionKey, events, deps, toNotice, announce, tellDevices } = record;

  async function refuseIfActive(tenantId: string, customerId: string): Promise<void> {
    const active = await db
      .selectFrom('call_notices')
      .select(['id', 'expires_at'])
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!active) return;
    // An active row whose time is up still holds the index: it expires now (once, whoever else tries).
    if (Number(active.expires_at) <= clock() && (await expiry.expireOne(tenantId, active.id))) return;
    const current = await record.findRow(db, tenantId, active.id);
    if (current?.status !== 'active') return;
    throw new AppError(
      'CALL_NOTICE_ACTIVE',
      'The customer already has an active call notice; end it before starting another.',
      { details: { noticeId: active.id } },
    );
  }

  return {
    async start(
      tenantId: string,
      input: StartCallInput,
      starter: CallStarter,
    ): Promise<CallNotice & { delivery: CallDelivery[] }> {
      const { policy } = await loadPolicy(db, tenantId);
      const rules = policy.callNotices;
      // The policy names who may call: operators by role, API keys all or none. The command line
      // (the server's own operator) is not a caller the policy speaks of.
      const allowed =
        starter.actor.type === 'api_key'
          ? rules.apiKeys
          : starter.actor.type === 'operator'
            ? starter.role !== null && (rules.startRoles as string[]).includes(starter.role)
            : starter.actor.type === 'cli' || starter.actor.type === 'system';
      if (!allowed) {
        throw new AppError(
          'CALL_NOTICES_NOT_ALLOWED',
          starter.actor.type === 'api_key'
            ? 'The verification policy does not let API keys start call notices.'
            : 'The verification policy does not let your role start call notices.',
        );
      }
      const minutes =
        input.expectedMinutes ?? Math.min(callNoticeLimits.expectedMinutes.default, rules.maxMinutes);
      if (minutes > rules.maxMinutes) {
        throw new AppError(
          'VALIDATION_FAILED',
          `expectedMinutes may be at most ${rules.maxMinutes} (the verification policy's callNotices.maxMinutes).`,
        );
      }
      const customer = await db
        .selectFrom('customers')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', input.customerId)
        .executeTakeFirst();
      if (!customer) throw notFound('Customer');
      await refuseIfActive(tenantId, input.customerId);

      const now = clock();
      const id = newId('callNotice', now);
      const mode = input.mutualCode ?? rules.defaultMutualCode;
      const code = mode === 'none' ? null : generateVerificationCode(callCodeLength);
      const row: CallNoticeRow = {
        id,
        tenant_id: tenantId,
        customer_id: input.customerId,
        status: 'active',
        reason: input.reason,
        team: input.team ?? null,
        from_number: input.fromNumber ?? null,
        started_by_type: starter.actor.type,
        started_by_id: starter.actor.id,
        agent_name: starter.agentName,
        mutual_code: mode,
        code_sealed: code === null ? null : encryptSecret(encryptionKey, code, codeContext(id)),
        code_hash: code === null ? null : keyedHash(encryptionKey, code),
        code_attempts: 0,
        code_max_attempts: callCodeMaxAttempts,
        confirmation: mode === 'none' ? null : 'pending',
        viewed_at: null,
        confirmed_at: null,
        created_at: now,
        expires_at: now + minutes * 60_000,
        ended_at: null,
      };
      try {
        await inTransaction(db, async (tx) => {
          await tx.insertInto('call_notices').values(row).execute();
          await appendAudit(tx, {
            tenantId,
            actor: starter.actor,
            action: 'call.started',
            target: { type: 'call_notice', id },
            data: {
              customerId: input.customerId,
              // Never the code itself: only which way it is read (the audit refuses "code" keys).
              mode,
              team: row.team,
              fromNumber: row.from_number,
              expiresAt: new Date(row.expires_at).toISOString(),
            },
            now,
          });
        });
      } catch (error) {
        if (!violatesUniqueIndex(error, oneActivePerCustomer)) throw error;
        // Another start for this customer won the race.
        await refuseIfActive(tenantId, input.customerId);
        throw new AppError('CONFLICT', 'Another call notice was started for this customer at the same time.');
      }
      expiry.scheduleExpiry(tenantId, id, row.expires_at);

      const targets = await deps.devices.deliveryTargets(tenantId, input.customerId);
      const live = await Promise.all(targets.map((t) => events.isListening(topics.device(t.deviceId))));
      const delivery: CallDelivery[] = targets.map((target, i) =>
        live[i]
          ? { deviceId: target.deviceId, channel: 'live', result: 'delivered' }
          : target.push
            ? { deviceId: target.deviceId, channel: target.push.kind, result: 'sending' }
            : { deviceId: target.deviceId, channel: null, result: 'unreachable' },
      );
      tellDevices(row, 'call_notice');
      announce(row, 'call.started', { status: 'active' });
      // Pushes go out after the answer: the agent is dialling, and each outcome reaches the
      // agent's screen as `call.delivery` when it comes.
      void Promise.all(
        targets.map(async (target, i) => {
          if (!target.push) return;
          const result = await deps.delivery.send(tenantId, target.push, { type: 'call_notice', id });
          if (result.outcome === 'gone') await deps.devices.dropPushChannel(target.deviceId);
          announce(row, 'call.delivery', {
            deviceId: target.deviceId,
            channel: target.push.kind,
            result: result.outcome === 'accepted' ? 'sent' : live[i] ? 'delivered' : 'unreachable',
          });
        }),
      ).catch(() => {
        // A push that fails leaves the notice as it is: the customer can still ask the app.
      });
      return { ...toNotice(row, { revealCode: true }), delivery };
    },
  };
}
