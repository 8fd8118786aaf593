// Starting a push verification: the customer's device and limits, the code, the signed request,
// one pending request per customer, then the pushes and the expiry timer.
import {
  AppError,
  customerMessage,
  generateVerificationCode,
  newId,
  notFound,
  resolvePushSettings,
  type TenantSettings,
  validateActionSummary,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { rowCache, rowCacheNames } from '../../platform/row-cache.ts';
import { encryptSecret, keyedHash } from '../../platform/secrets.ts';
import { hitRateLimit, inTransactionRetryingUnique } from '../../storage/atomic.ts';
import type { VerificationRow } from '../../storage/schema.ts';
import { insertVerification, pendingOfCustomer, tenantForStart } from '../../storage/verification-queries.ts';
import { assertPushAllowed, policyCache } from '../policy/index.ts';
import type { createDeliver } from './deliver.ts';
import type { createExpiry } from './expire.ts';
import {
  codeContext,
  onePendingPerCustomer,
  type StartVerificationInput,
  type Verification,
} from './model.ts';
import type { FinalChange, PushRecord } from './record.ts';

export function createStart(
  record: PushRecord,
  steps: Pick<ReturnType<typeof createDeliver>, 'signRequest' | 'immediateOutcomes' | 'sendPushes'> &
    Pick<ReturnType<typeof createExpiry>, 'scheduleExpiry'>,
) {
  const {
    deps,
    db,
    clock,
    encryptionKey,
    toVerification,
    announce,
    tellDevices,
    recordEvents,
    moveToFinal,
    recordFinal,
    afterFinal,
  } = record;
  const { signRequest, immediateOutcomes, sendPushes, scheduleExpiry } = steps;
  // The tenant's name and settings, from memory when read recently; a tenant update forgets them
  // (features/tenants/tenants.ts, platform/row-cache.ts).
  const tenants = rowCache<{ name: string; settings: string }>(record.events, rowCacheNames.tenant, {
    ttlMs: record.config.rowCacheMaxAgeMs,
  });
  // The policy in force, from memory when read recently; a save forgets it.
  const policies = policyCache(record.context);

  async function defaultReason(
    tenantId: string,
    customerId: string,
    settings: TenantSettings,
    requestedBy: string | undefined,
  ) {
    const customer = await db
      .selectFrom('customers')
      .select('locale')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    return customerMessage(requestedBy === undefined ? 'pushReason' : 'signInReason', {
      locale: customer?.locale,
      templates: settings.messageTemplates,
      values: { requester: requestedBy ?? '' },
    }).slice(0, 200);
  }
  return {
    async start(tenantId: string, input: StartVerificationInput, actor: Actor): Promise<Verification> {
      const actionSummary = input.actionSummary ?? null;
      const summaryProblems = validateActionSummary(input.purpose, actionSummary);
      if (summaryProblems.length > 0) throw new AppError('VALIDATION_FAILED', summaryProblems.join(' '));
      const now = clock();
      const tenant = await tenants.get(tenantId, () => tenantForStart.first(db, { id: tenantId }));
      if (!tenant) throw notFound('Tenant');
      const settings = JSON.parse(tenant.settings) as TenantSettings;
      const pushSettings = resolvePushSettings(settings);
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
      await assertPushAllowed(db, { tenantId, customerId: input.customerId, now }, policies);
      // Against push bombing (DESIGN section 5): a cap per customer, whoever asks.
      const hit = await hitRateLimit(db, `push:${tenantId}:${input.customerId}`, {
        limit: pushSettings.pushRequestsPerWindow,
        windowMs: pushSettings.pushWindowSeconds * 1000,
        now,
      });
      if (!hit.allowed) {
        throw tooManyAttempts(
          `This customer already received ${pushSettings.pushRequestsPerWindow} push requests recently. Use another method or wait.`,
          hit,
          now,
          'PUSH_RATE_LIMITED',
        );
      }

      // No reason given: the tenant's default, in the language of the customer who reads it.
      const reason =
        input.reason || (await defaultReason(tenantId, input.customerId, settings, input.requestedBy));
      const code = generateVerificationCode(pushSettings.codeLength);
      const id = newId('verification', now);
      const base = {
        id,
        customer_id: input.customerId,
        purpose: input.purpose,
        reason,
        action_summary: actionSummary,
        agent_name: input.agentName,
        code_length: pushSettings.codeLength,
        created_at: now,
        expires_at: now + pushSettings.expirySeconds * 1000,
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
        max_attempts: pushSettings.maxCodeAttempts,
        started_by_type: actor.type,
        started_by_id: actor.id,
        request_jws: await signRequest(base, tenant.name),
        finished_at: null,
        decided_by_device_id: null,
        decision_evidence: null,
        assurance: null,
        require_user_verification: pushSettings.requireUserVerification ? 1 : 0,
        action: null,
        fallback_reason: null,
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
            reason,
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
  };
}
