/**
 * Webhooks: endpoints an admin registers, and the deliveries of events to them.
 *
 * The audit log is the transactional outbox. Every state change writes its audit entry in its
 * own transaction, and a tenant's entries reach audit_events in sequence order (the sealer that
 * numbers them holds the tenant's head row; platform/audit-log.ts). The dispatcher reads each endpoint's entries after its cursor (`after_seq`), moves
 * the cursor with a compare-and-set and inserts the delivery rows in the same transaction, so an
 * event becomes a delivery exactly once, whichever process gets there, and none is lost across a
 * restart. Deliveries are then claimed with a compare-and-set lease, sent, and their attempt
 * recorded; failures are retried with exponential backoff and jitter. A process keeps up to
 * `WEBHOOK_CONCURRENCY` attempts in flight, each endpoint its fair share of them (at most
 * `WEBHOOK_ENDPOINT_CONCURRENCY`), sends each endpoint's deliveries in the order of their events,
 * and refills a slot as soon as an attempt settles.
 */
import type { ServiceContext } from '../../platform/context.ts';
import { createDelivery } from './delivery.ts';
import { createDispatcher } from './dispatcher.ts';
import { createEndpoints } from './endpoints.ts';
import type { WebhookServiceOptions } from './model.ts';
import { createWebhookRecord } from './record.ts';

export {
  deliveryIdHeader,
  eventIdHeader,
  eventTypeHeader,
  signatureHeader,
  standardIdHeader,
  standardSignatureHeader,
  standardTimestampHeader,
  standardWebhookSignature,
  webhookSignature,
} from './delivery.ts';
export {
  encodeDeliveryCursor,
  retryDelayMs,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointInput,
  type WebhookServiceOptions,
} from './model.ts';

export function createWebhookService(context: ServiceContext, options: WebhookServiceOptions = {}) {
  const record = createWebhookRecord(context, options);
  const { config, workerId } = record;
  const service = {
    ...createEndpoints(record),
    ...createDispatcher(record),
    ...createDelivery(record),

    /** One round of the background loop. */
    async runOnce(): Promise<{ dispatched: number; attempted: number }> {
      const dispatched = await service.dispatch();
      const attempted = await service.deliverDue();
      return { dispatched, attempted };
    },

    /**
     * Runs in the background (server processes only): every `webhookPollIntervalMs` new audit
     * entries become deliveries and the pump looks for due ones; between rounds the pump refills
     * a slot as soon as an attempt settles, so throughput follows the receivers, not the interval.
     */
    start(onError?: (error: unknown) => void): void {
      if (loop) return;
      const report = (error: unknown) => (onError ?? options.onError)?.(error);
      service.startPump(report);
      loop = setInterval(() => {
        if (running) return;
        running = service
          .dispatch()
          .catch(report)
          .then(() => service.pump())
          .finally(() => {
            running = undefined;
          });
      }, config.webhookPollIntervalMs);
      loop.unref();
      purge = setInterval(() => {
        service.purgeFinished().catch(report);
      }, 3600_000);
      purge.unref();
    },

    /** Stops the loop and waits for the round and the attempts in progress, so the database can close under nothing. */
    async stop(): Promise<void> {
      if (loop) clearInterval(loop);
      if (purge) clearInterval(purge);
      loop = undefined;
      purge = undefined;
      await running;
      await service.stopPump();
    },

    /** For tests: the lease owner of this service (one per process). */
    workerId,
  };
  let loop: ReturnType<typeof setInterval> | undefined;
  let purge: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | undefined;
  return service;
}

export type WebhookService = ReturnType<typeof createWebhookService>;
