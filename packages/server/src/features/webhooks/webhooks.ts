import { createHmac, randomUUID } from 'node:crypto';
import { AppError, idPattern, newId, notFound } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { decryptSecret, encryptSecret, randomToken } from '../../platform/secrets.ts';
import {
  createHttpWebhookSender,
  type WebhookSender,
  webhookUrlProblem,
} from '../../providers/webhook-sender.ts';
import { compareAndSet, inTransaction, leaseDelivery } from '../../storage/atomic.ts';
import { changeOnce } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../storage/schema.ts';
import {
  eventsForAuditEntry,
  testEventType,
  type WebhookEvent,
  type WebhookEventType,
  webhookEventTypes,
} from './webhook-events.ts';

/**
 * Webhooks: endpoints an admin registers, and the deliveries of events to them.
 *
 * The audit log is the transactional outbox. Every state change writes its audit entry in its
 * own transaction, and a tenant's entries commit in sequence order (appending locks the tenant's
 * head row). The dispatcher reads each endpoint's entries after its cursor (`after_seq`), moves
 * the cursor with a compare-and-set and inserts the delivery rows in the same transaction, so an
 * event becomes a delivery exactly once, whichever process gets there, and none is lost across a
 * restart. Deliveries are then claimed with a compare-and-set lease, sent, and their attempt
 * recorded; failures are retried with exponential backoff and jitter.
 */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  /** Until when the secret before the last rotation is still used to sign (null: none). */
  previousSecretExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookAttempt {
  attempt: number;
  startedAt: number;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: WebhookAttempt[];
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  createdAt: number;
  completedAt: number | null;
  /** The body as sent (identifiers and statuses only). */
  payload: WebhookEvent;
}

export interface WebhookEndpointInput {
  url: string;
  events: string[];
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export const signatureHeader = 'helpdesk-auth-signature';
export const eventIdHeader = 'helpdesk-auth-event-id';
export const eventTypeHeader = 'helpdesk-auth-event-type';
export const deliveryIdHeader = 'helpdesk-auth-delivery-id';

/** HMAC-SHA256 over `${timestamp}.${body}`, hex: the `v1` value of the signature header. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

const firstRetryMs = 10_000;
const maxRetryMs = 6 * 60 * 60_000;

/**
 * Delay before the attempt after `attempt` failures: 10 s doubling to a 6-hour cap, with jitter
 * (a random point in the upper half), so receivers that come back are not hit by every sender at once.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxRetryMs, firstRetryMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const secretContext = (id: string) => `webhook_endpoint:${id}`;
/** A URL for the audit log: without its query string, where receivers sometimes put a token. */
const urlForAudit = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
};
const newSecret = () => `whsec_${randomToken(32)}`;
const deliveryIdRegex = new RegExp(idPattern('webhookDelivery'));

function toEndpoint(row: WebhookEndpointRow, now: number): WebhookEndpoint {
  const previousLive = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as WebhookEventType[],
    enabled: row.status === 'enabled',
    previousSecretExpiresAt: previousLive ? row.previous_secret_expires_at : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    outcome: row.outcome,
    statusCode: row.status_code,
    error: row.error,
  };
}

function toDelivery(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: attempts.filter((a) => a.delivery_id === row.id).map(toAttempt),
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    lastStatusCode: row.last_status_code,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    payload: JSON.parse(row.payload) as WebhookEvent,
  };
}

export function encodeDeliveryCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeDeliveryCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!deliveryIdRegex.test(id))
    throw new AppError('INVALID_CURSOR', 'The cursor is not one this API gave out.');
  return id;
}

export interface WebhookServiceOptions {
  /** Sends the HTTP requests; tests may pass one with a test clock or agent. */
  sender?: WebhookSender;
  /** Told about failures of the background loop (a database that went away). */
  onError?: (error: unknown) => void;
}

export function createWebhookService(context: ServiceContext, options: WebhookServiceOptions = {}) {
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

  /**
   * Turns one endpoint's new audit entries into deliveries. The cursor moves by compare-and-set
   * first: a second process working on the same endpoint at the same time finds the cursor moved
   * (PostgreSQL makes it wait for the first one's commit) and does nothing.
   */
  async function dispatchEndpoint(endpointId: string, fromSeq: number, batch: number): Promise<number> {
    return inTransaction(db, async (tx) => {
      const endpoint = await tx
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', endpointId)
        .executeTakeFirst();
      if (!endpoint || endpoint.after_seq !== fromSeq || endpoint.status !== 'enabled') return 0;
      const entries = await tx
        .selectFrom('audit_events')
        .selectAll()
        .where('tenant_id', '=', endpoint.tenant_id)
        .where('seq', '>', fromSeq)
        .orderBy('seq', 'asc')
        .limit(batch)
        .execute();
      if (entries.length === 0) return 0;
      const lastSeq = entries[entries.length - 1]!.seq;
      const moved = await compareAndSet(tx, 'webhook_endpoints', {
        where: { id: endpointId },
        expect: { after_seq: fromSeq },
        set: { after_seq: lastSeq },
      });
      if (!moved) return 0;
      const wanted = new Set(JSON.parse(endpoint.events) as string[]);
      const now = clock();
      const rows = entries
        .flatMap((entry) => eventsForAuditEntry(entry))
        .filter((event) => wanted.has(event.type))
        .map((event) => newDeliveryRow(endpoint, event, now));
      for (const row of rows) {
        await tx
          .insertInto('webhook_deliveries')
          .values(row)
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .execute();
      }
      return rows.length;
    });
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
    const signatures = signingSecrets(endpoint, startedAt).map(
      (secret) => `v1=${webhookSignature(secret, timestamp, delivery.payload)}`,
    );
    const result = await sender.send({
      url: endpoint.url,
      body: delivery.payload,
      headers: {
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

  const service = {
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
        const entry = await appendAudit(tx, {
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
        const entry = await appendAudit(tx, {
          tenantId,
          actor,
          action: 'webhook.updated',
          target: { type: 'webhook_endpoint', id },
          data: {
            fields: Object.keys(input).filter((k) => input[k as keyof WebhookEndpointInput] !== undefined),
          },
          now,
        });
        // A disabled endpoint gets nothing; enabled again, it starts from now, not from a backlog.
        if (input.enabled === true && row.status === 'disabled') changes.after_seq = entry.seq;
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
        await tx
          .updateTable('webhook_endpoints')
          .set(changes)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
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

    /** Turns new audit entries into deliveries for every enabled endpoint. Returns how many. */
    async dispatch(batch = 500): Promise<number> {
      const due = await db
        .selectFrom('webhook_endpoints as e')
        .innerJoin('audit_heads as h', 'h.tenant_id', 'e.tenant_id')
        .select(['e.id', 'e.after_seq'])
        .where('e.status', '=', 'enabled')
        .whereRef('h.seq', '>', 'e.after_seq')
        .execute();
      let created = 0;
      for (const endpoint of due) created += await dispatchEndpoint(endpoint.id, endpoint.after_seq, batch);
      return created;
    },

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

    /**
     * Deletes deliveries that finished (succeeded or failed) more than `retentionDays` ago, with
     * their attempts, so the table does not grow for ever. Pending ones are never touched.
     */
    async purgeFinished(retentionDays = 30): Promise<number> {
      const cutoff = clock() - retentionDays * 24 * 3600_000;
      return inTransaction(db, async (tx) => {
        const old = tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', 'in', ['succeeded', 'failed'])
          .where('completed_at', '<', cutoff);
        await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute();
        const deleted = await tx
          .deleteFrom('webhook_deliveries')
          .where('status', 'in', ['succeeded', 'failed'])
          .where('completed_at', '<', cutoff)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows);
      });
    },

    /** One round of the background loop. */
    async runOnce(): Promise<{ dispatched: number; attempted: number }> {
      const dispatched = await service.dispatch();
      const attempted = await service.deliverDue();
      return { dispatched, attempted };
    },

    /** Runs `runOnce` every `webhookPollIntervalMs` in the background (server processes only). */
    start(onError?: (error: unknown) => void): void {
      if (loop) return;
      loop = setInterval(() => {
        if (running) return;
        running = service
          .runOnce()
          .then(() => undefined)
          .catch((error: unknown) => (onError ?? options.onError)?.(error))
          .finally(() => {
            running = undefined;
          });
      }, config.webhookPollIntervalMs);
      loop.unref();
      purge = setInterval(() => {
        service.purgeFinished().catch((error: unknown) => (onError ?? options.onError)?.(error));
      }, 3600_000);
      purge.unref();
    },

    /** Stops the loop and waits for the round in progress, so the database can close under nothing. */
    async stop(): Promise<void> {
      if (loop) clearInterval(loop);
      if (purge) clearInterval(purge);
      loop = undefined;
      purge = undefined;
      await running;
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
