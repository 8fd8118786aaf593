// What the webhook steps share: the sender and its address rules, this process's lease owner,
// and reading endpoints, deliveries and attempts.
import { randomUUID } from 'node:crypto';
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import type { ServiceContext } from '../../platform/context.ts';
import { createHttpWebhookSender, webhookUrlProblem } from '../../providers/webhook-sender.ts';
import type { Db } from '../../storage/database.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../storage/schema.ts';
import type { WebhookServiceOptions } from './model.ts';
import { type WebhookEvent, type WebhookEventType, webhookEventTypes } from './webhook-events.ts';

export function createWebhookRecord(context: ServiceContext, options: WebhookServiceOptions) {
  const { db, config, clock, encryptionKey } = context;
  const rules = {
    allowLoopback: config.webhookAllowLoopback,
    allowPrivateNetworks: config.webhookAllowPrivateNetworks,
  };
  const sender =
    options.sender ?? createHttpWebhookSender({ timeoutMs: config.webhookTimeoutMs, ...rules, now: clock });
  // Identifies this process's leases; a lease lasts longer than any attempt can.
  const workerId = randomUUID();
  const leaseMs = config.webhookTimeoutMs + 60_000;

  function checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, rules);
    if (problem) throw new AppError('WEBHOOK_URL_REFUSED', problem);
  }

  function checkEvents(events: string[]): WebhookEventType[] {
    const unknown = events.filter((e) => !(webhookEventTypes as readonly string[]).includes(e));
    if (unknown.length > 0)
      throw new AppError('VALIDATION_FAILED', `Unknown event type: ${unknown.join(', ')}.`);
    if (events.length === 0) throw new AppError('VALIDATION_FAILED', 'Choose at least one event type.');
    return [...new Set(events)] as WebhookEventType[];
  }

  async function endpointRow(tx: Db, tenantId: string, id: string): Promise<WebhookEndpointRow> {
    const row = await tx
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Webhook endpoint');
    return row;
  }

  async function attemptsOf(tx: Db, deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return tx
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', 'in', deliveryIds)
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
  }

  async function deliveryRow(tx: Db, tenantId: string, endpointId: string, id: string) {
    const row = await tx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', endpointId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Webhook delivery');
    return row;
  }

  function newDeliveryRow(
    endpoint: WebhookEndpointRow,
    event: WebhookEvent,
    now: number,
  ): WebhookDeliveryRow {
    return {
      id: newId('webhookDelivery', now),
      tenant_id: endpoint.tenant_id,
      endpoint_id: endpoint.id,
      event_id: event.id,
      event_type: event.type,
      payload: JSON.stringify(event),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_owner: null,
      lease_until: null,
      last_status_code: null,
      created_at: now,
      completed_at: null,
    };
  }

  return {
    options,
    db,
    config,
    clock,
    encryptionKey,
    rules,
    sender,
    workerId,
    leaseMs,
    checkUrl,
    checkEvents,
    endpointRow,
    attemptsOf,
    deliveryRow,
    newDeliveryRow,
  };
}

export type WebhookRecord = ReturnType<typeof createWebhookRecord>;
