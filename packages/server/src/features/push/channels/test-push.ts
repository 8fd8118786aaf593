// "Send a test push to this device": an admin's check that a device's push channel works, audited.
import type { Actor } from '../../../platform/audit-log.ts';
import { appendAudit } from '../../../platform/audit-log.ts';
import type { ServiceContext } from '../../../platform/context.ts';
import { inTransaction } from '../../../storage/atomic.ts';
import type { DeviceService } from '../../devices/index.ts';
import type { PushDelivery } from './delivery.ts';

export interface TestPushResult {
  /** `unreachable`: the device has no push channel, so nothing was sent. */
  outcome: 'accepted' | 'gone' | 'failed' | 'unreachable';
  channel: 'webpush' | 'fcm' | 'apns' | null;
  /** The push service's HTTP status; null when none answered. */
  status: number | null;
  /** Why it did not work, in the words of the verification timeline; null when it did. */
  detail: string | null;
}

/**
 * Sends the device a test message (`{type: "test", at}`), which names nobody and asks nothing of the
 * device but to show that it arrived. A gone channel is dropped, as a verification's push does.
 */
export function createTestPush(
  { db, clock }: ServiceContext,
  deps: { devices: DeviceService; delivery: PushDelivery },
) {
  return {
    async send(tenantId: string, deviceId: string, actor: Actor): Promise<TestPushResult> {
      const target = await deps.devices.deliveryTarget(tenantId, deviceId);
      let result: TestPushResult;
      if (!target.push) {
        result = { outcome: 'unreachable', channel: null, status: null, detail: 'no push channel' };
      } else {
        const sent = await deps.delivery.send(tenantId, target.push, {
          type: 'test',
          at: Math.floor(clock() / 1000),
        });
        if (sent.outcome === 'gone') await deps.devices.dropPushChannel(deviceId);
        result = {
          outcome: sent.outcome,
          channel: target.push.kind,
          status: sent.status,
          detail:
            sent.outcome === 'accepted' ? null : sent.outcome === 'gone' ? 'subscription gone' : sent.reason,
        };
      }
      const now = clock();
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor,
          action: 'device.test_push_sent',
          target: { type: 'device', id: deviceId },
          data: { channel: result.channel, outcome: result.outcome, status: result.status },
          now,
        }),
      );
      return result;
    },
  };
}

export type TestPushService = ReturnType<typeof createTestPush>;
