// Where a webhook is signed and sent: the Standard Webhooks headers and the earlier signature
// header, the secrets that sign, one attempt under this process's lease, and the due deliveries.
import { createHmac } from 'node:crypto';
import { decryptSecret } from '../../platform/secrets.ts';
import { compareAndSet, inTransaction, leaseDelivery } from '../../storage/atomic.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../storage/schema.ts';
import { retryDelayMs, secretContext } from './model.ts';
import type { WebhookRecord } from './record.ts';

/** The earlier signature header (`t=…,v1=<hex>`), sent beside the Standard Webhooks headers for now. */
export const signatureHeader = 'helpdesk-auth-signature';
export const eventIdHeader = 'helpdesk-auth-event-id';
export const eventTypeHeader = 'helpdesk-auth-event-type';
export const deliveryIdHeader = 'helpdesk-auth-delivery-id';
/** The Standard Webhooks headers (https://www.standardwebhooks.com). */
export const standardIdHeader = 'webhook-id';
export const standardTimestampHeader = 'webhook-timestamp';
export const standardSignatureHeader = 'webhook-signature';

/**
 * The earlier form: HMAC-SHA256 over `${timestamp}.${body}`, hex, keyed with the whole secret
 * text (`whsec_…`): the `v1` value of `Helpdesk-Auth-Signature`.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * The Standard Webhooks form: HMAC-SHA256 over `${id}.${timestamp}.${body}`, base64, keyed with the
 * bytes the base64 after `whsec_` encodes; the value is `v1,<base64>`. Secrets issued before this
 * form are base64url, which Node's decoder reads too.
 */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function createDelivery(record: WebhookRecord) {
  const { db, config, clock, encryptionKey, sender, workerId, leaseMs } = record;
  /** The secrets that sign now: the current one, and the previous one during its overlap. */
  function signingSecrets(row: WebhookEndpointRow, now: number): string[] {
    const secrets = [decryptSecret(encryptionKey, row.secret_sealed, secretContext(row.id))];
    if (
      row.previous_secret_sealed &&
      row.previous_secret_expires_at !== null &&
      row.previous_secret_expires_at > now
    ) {
      secrets.push(
        decryptSecret(encryptionKey, row.previous_secret_sealed, `${secretContext(row.id)}:previous`),
      );
    }
    return secrets;
  }

  /** Records an attempt and its consequence, only while this process still holds the lease. */
  async function recordAttempt(
    delivery: WebhookDeliveryRow,
    attempt: WebhookAttemptRow,
    now: number,
  ): Promise<void> {
    const succeeded = attempt.outcome === 'succeeded';
    const exhausted = attempt.attempt >= config.webhookMaxAttempts;
    const status = succeeded ? 'succeeded' : exhausted ? 'failed' : 'pending';
    await inTransaction(db, async (tx) => {
      const settled = await compareAndSet(tx, 'webhook_deliveries', {
        where: { id: delivery.id },
        expect: { lease_owner: workerId, attempts: delivery.attempts },
        set: {
          status,
          attempts: attempt.attempt,
          last_status_code: attempt.status_code,
          next_attempt_at:
            status === 'pending' ? now + retryDelayMs(attempt.attempt) : delivery.next_attempt_at,
          completed_at: status === 'pending' ? null : now,
          lease_owner: null,
          lease_until: null,
        },
      });
      // The lease was lost (this process stalled past it and another took over): that one records.
      if (!settled) return;
      await tx.insertInto('webhook_attempts').values(attempt).execute();
    });
  }

  async function attemptDelivery(delivery: WebhookDeliveryRow): Promise<void> {
    const endpoint = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', delivery.endpoint_id)
      .executeTakeFirst();
    if (!endpoint) return;
    const startedAt = clock();
    const timestamp = Math.floor(startedAt / 1000);
    const secrets = signingSecrets(endpoint, startedAt);
    const signatures = secrets.map((secret) => `v1=${webhookSignature(secret, timestamp, delivery.payload)}`);
    // The message id is the event's: the same on every retry, so a receiver de-duplicates on it.
    const standard = secrets.map((secret) =>
      standardWebhookSignature(secret, delivery.event_id, timestamp, delivery.payload),
    );
    const result = await sender.send({
      url: endpoint.url,
      body: delivery.payload,
      headers: {
        [standardIdHeader]: delivery.event_id,
        [standardTimestampHeader]: String(timestamp),
        [standardSignatureHeader]: standard.join(' '),
        [signatureHeader]: `t=${timestamp},${signatures.join(',')}`,
        [eventIdHeader]: delivery.event_id,
        [eventTypeHeader]: delivery.event_type,
        [deliveryIdHeader]: delivery.id,
      },
    });
    await recordAttempt(
      delivery,
      {
        delivery_id: delivery.id,
        attempt: delivery.attempts + 1,
        tenant_id: delivery.tenant_id,
        started_at: startedAt,
        duration_ms: Math.max(0, Math.round(result.durationMs)),
        outcome: result.outcome,
        status_code: result.status,
        error: result.outcome === 'failed' ? result.reason.slice(0, 300) : null,
      },
      clock(),
    );
  }

  return {
    /**
     * Claims due deliveries with a lease (one compare-and-set each, so two processes never send the
     * same attempt) and sends them, a few at a time. Returns how many attempts were made.
     */
    async deliverDue(limit = 50, concurrency = 8): Promise<number> {
      const now = clock();
      const candidates = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select('d.id')
        .where('e.status', '=', 'enabled')
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]))
        .orderBy('d.next_attempt_at')
        .limit(limit)
        .execute();
      const claimed: WebhookDeliveryRow[] = [];
      for (const { id } of candidates) {
        const row = await leaseDelivery(db, { id, owner: workerId, now, leaseMs });
        if (row) claimed.push(row);
      }
      for (let i = 0; i < claimed.length; i += concurrency) {
        await Promise.all(claimed.slice(i, i + concurrency).map((row) => attemptDelivery(row)));
      }
      return claimed.length;
    },
  };
}
