// Where a verification's push is sent: the signed request, the known outcomes, the push messages.
import { topics } from '../../platform/live-events.ts';
import { signJwt } from '../../platform/signing/signatures.ts';
import { durable } from '../../storage/database.ts';
import type { VerificationRow } from '../../storage/schema.ts';
import type { DeliveryTarget } from '../devices/index.ts';
import { requestType, type VerificationEvent } from './model.ts';
import type { PushRecord } from './record.ts';

export function createDeliver(record: PushRecord) {
  const { deps, db, clock, events, issuer, announce, recordEvents } = record;
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
        const result = await deps.delivery.send(row.tenant_id, target.push, {
          type: 'verification',
          id: row.id,
        });
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

  return {
    signRequest,
    immediateOutcomes,
    sendPushes,
  };
}
