// The admin's side of webhooks: endpoints, their secrets, test events, deliveries and redelivery.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import { type Actor, appendAudit, appendAuditSealed } from '../../platform/audit-log.ts';
import { decryptSecret, encryptSecret } from '../../platform/secrets.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { changeOnce, rowsChanged } from '../../storage/constraint-violations.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../storage/schema.ts';
import {
  decodeDeliveryCursor,
  encodeDeliveryCursor,
  newSecret,
  secretContext,
  toDelivery,
  toEndpoint,
  urlForAudit,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointInput,
} from './model.ts';
import type { WebhookRecord } from './record.ts';
import { testEventType, type WebhookEvent } from './webhook-events.ts';

export function createEndpoints(record: WebhookRecord) {
  const {
    db,
    clock,
    encryptionKey,
    checkUrl,
    checkEvents,
    endpointRow,
    attemptsOf,
    deliveryRow,
    newDeliveryRow,
  } = record;
  return {
    async create(
      tenantId: string,
      input: WebhookEndpointInput,
      actor: Actor,
    ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      checkUrl(input.url);
      const events = checkEvents(input.events);
      const now = clock();
      const id = newId('webhookEndpoint', now);
      const secret = newSecret();
      const row = await inTransaction(db, async (tx) => {
        // Sealed here: the endpoint's cursor starts right after its own entry's sequence number.
        const entry = await appendAuditSealed(tx, {
          tenantId,
          actor,
          action: 'webhook.created',
          target: { type: 'webhook_endpoint', id },
          data: { url: urlForAudit(input.url), events, enabled: input.enabled ?? true },
          now,
        });
        const row: WebhookEndpointRow = {
          id,
          tenant_id: tenantId,
          url: input.url,
          description: input.description ?? null,
          events: JSON.stringify(events),
          status: input.enabled === false ? 'disabled' : 'enabled',
          secret_sealed: encryptSecret(encryptionKey, secret, secretContext(id)),
          previous_secret_sealed: null,
          previous_secret_expires_at: null,
          // Events from now on: those after the entry that records the creation.
          after_seq: entry.seq,
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('webhook_endpoints').values(row).execute();
        return row;
      });
      return { endpoint: toEndpoint(row, now), secret };
    },

    async list(tenantId: string): Promise<WebhookEndpoint[]> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute();
      const now = clock();
      return rows.map((r) => toEndpoint(r, now));
    },

    async get(tenantId: string, id: string): Promise<WebhookEndpoint> {
      return toEndpoint(await endpointRow(db, tenantId, id), clock());
    },

    async update(
      tenantId: string,
      id: string,
      input: Partial<WebhookEndpointInput>,
      actor: Actor,
    ): Promise<WebhookEndpoint> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        // Found first: another tenant's id is "not found", whatever the body says.
        const row = await endpointRow(tx, tenantId, id);
        if (input.url !== undefined) checkUrl(input.url);
        const events = input.events !== undefined ? checkEvents(input.events) : undefined;
        const changes: Partial<WebhookEndpointRow> = { updated_at: now };
        if (input.url !== undefined) changes.url = input.url;
        if (input.description !== undefined) changes.description = input.description;
        if (events) changes.events = JSON.stringify(events);
        if (input.enabled !== undefined) changes.status = input.enabled ? 'enabled' : 'disabled';
        const record = {
          tenantId,
          actor,
          action: 'webhook.updated',
          target: { type: 'webhook_endpoint', id },
          data: {
            fields: Object.keys(input).filter((k) => input[k as keyof WebhookEndpointInput] !== undefined),
          },
          now,
        };
        // A disabled endpoint gets nothing; enabled again, it starts from now, not from a backlog:
        // right after its own entry, which is therefore sealed here.
        if (input.enabled === true && row.status === 'disabled')
          changes.after_seq = (await appendAuditSealed(tx, record)).seq;
        else await appendAudit(tx, record);
        await tx
          .updateTable('webhook_endpoints')
          .set(changes)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
        return toEndpoint({ ...row, ...changes }, now);
      });
    },

    /** Deletes an endpoint with its deliveries and their attempts. */
    async remove(tenantId: string, id: string, actor: Actor): Promise<void> {
      const now = clock();
      await inTransaction(db, async (tx) => {
        const row = await endpointRow(tx, tenantId, id);
        const deliveries = tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('endpoint_id', '=', id);
        await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
        await tx
          .deleteFrom('webhook_deliveries')
          .where('tenant_id', '=', tenantId)
          .where('endpoint_id', '=', id)
          .execute();
        // Only the delete that removed the row audits it; a concurrent one finds it gone.
        await changeOnce(
          tx.deleteFrom('webhook_endpoints').where('tenant_id', '=', tenantId).where('id', '=', id),
          () => notFound('Webhook endpoint'),
        );
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'webhook.deleted',
          target: { type: 'webhook_endpoint', id },
          data: { url: urlForAudit(row.url) },
          now,
        });
      });
    },

    /**
     * A new signing secret, shown once. During `overlapSeconds` both secrets sign each delivery
     * (two `v1` values), so the receiver can switch without dropping events; 0 ends the old one now.
     */
    async rotateSecret(
      tenantId: string,
      id: string,
      overlapSeconds: number,
      actor: Actor,
    ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      const now = clock();
      const secret = newSecret();
      return inTransaction(db, async (tx) => {
        const row = await endpointRow(tx, tenantId, id);
        const current = decryptSecret(encryptionKey, row.secret_sealed, secretContext(id));
        const changes = {
          secret_sealed: encryptSecret(encryptionKey, secret, secretContext(id)),
          previous_secret_sealed:
            overlapSeconds > 0
              ? encryptSecret(encryptionKey, current, `${secretContext(id)}:previous`)
              : null,
          previous_secret_expires_at: overlapSeconds > 0 ? now + overlapSeconds * 1000 : null,
          updated_at: now,
        };
        // Only over the secret that was read: a rotation that committed meanwhile would otherwise
        // be overwritten with a "previous" secret it never had, and a deleted endpoint would be
        // audited as rotated after its deletion.
        const result = await tx
          .updateTable('webhook_endpoints')
          .set(changes)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .where('secret_sealed', '=', row.secret_sealed)
          .executeTakeFirst();
        if (rowsChanged(result) === 0) {
          await endpointRow(tx, tenantId, id);
          throw new AppError(
            'CONFLICT',
            'Another rotation of this secret finished first; its answer holds the secret in force.',
          );
        }
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'webhook.secret_rotated',
          target: { type: 'webhook_endpoint', id },
          data: { overlapSeconds },
          now,
        });
        return { endpoint: toEndpoint({ ...row, ...changes }, now), secret };
      });
    },

    /** Queues a `webhook.test` event for the endpoint, delivered like any other. */
    async sendTest(tenantId: string, id: string, actor: Actor): Promise<WebhookDelivery> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        const endpoint = await endpointRow(tx, tenantId, id);
        const event: WebhookEvent = {
          id: newId('webhookEvent', now),
          type: testEventType,
          createdAt: new Date(now).toISOString(),
          tenantId,
          data: { endpointId: id },
        };
        const row = newDeliveryRow(endpoint, event, now);
        await tx.insertInto('webhook_deliveries').values(row).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'webhook.test_sent',
          target: { type: 'webhook_endpoint', id },
          data: { deliveryId: row.id },
          now,
        });
        return toDelivery(row, []);
      });
    },

    async listDeliveries(
      tenantId: string,
      endpointId: string,
      filter: {
        status?: WebhookDeliveryRow['status'] | undefined;
        limit: number;
        cursor?: string | undefined;
      },
    ): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
      const before = filter.cursor ? decodeDeliveryCursor(filter.cursor) : undefined;
      await endpointRow(db, tenantId, endpointId);
      let query = db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('endpoint_id', '=', endpointId);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (before) query = query.where('id', '<', before);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(filter.limit + 1)
        .execute();
      const page = rows.slice(0, filter.limit);
      const attempts = await attemptsOf(
        db,
        page.map((r) => r.id),
      );
      return {
        items: page.map((r) => toDelivery(r, attempts)),
        nextCursor: rows.length > filter.limit ? encodeDeliveryCursor(page[page.length - 1]!.id) : null,
      };
    },

    async getDelivery(tenantId: string, endpointId: string, id: string): Promise<WebhookDelivery> {
      const row = await deliveryRow(db, tenantId, endpointId, id);
      return toDelivery(row, await attemptsOf(db, [row.id]));
    },

    /**
     * Sends a delivery again now. A pending one is brought forward and keeps its retries; a
     * finished one gets one more attempt (attempt numbers continue, past the automatic cap).
     */
    async redeliver(
      tenantId: string,
      endpointId: string,
      id: string,
      actor: Actor,
    ): Promise<WebhookDelivery> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        const row = await deliveryRow(tx, tenantId, endpointId, id);
        // Attempt numbers continue; the cap counts from here.
        const changes = {
          status: 'pending' as const,
          next_attempt_at: now,
          completed_at: null,
          attempts: row.attempts,
        };
        await tx
          .updateTable('webhook_deliveries')
          .set(changes)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'webhook.redelivered',
          target: { type: 'webhook_endpoint', id: endpointId },
          data: { deliveryId: id, eventId: row.event_id },
          now,
        });
        return toDelivery({ ...row, ...changes }, await attemptsOf(tx, [id]));
      });
    },
  };
}
