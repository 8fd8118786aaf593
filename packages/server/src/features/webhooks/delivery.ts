// Where a webhook is signed and sent: the Standard Webhooks headers and the earlier signature
// header, the secrets that sign, one attempt under this process's lease, and the due deliveries.
import { createHmac } from 'node:crypto';
import { type ExpressionBuilder, PostgresAdapter } from 'kysely';
import { decryptSecret } from '../../platform/secrets.ts';
import { compareAndSet, inTransaction } from '../../storage/atomic.ts';
import type {
  Schema,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from '../../storage/schema.ts';
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
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
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

  async function attemptDelivery(endpoint: WebhookEndpointRow, delivery: WebhookDeliveryRow): Promise<void> {
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

  /**
   * Leases the next due deliveries of one endpoint, oldest event first, up to `count`, in one
   * transaction. The endpoint's row is locked first (PostgreSQL), so claims for one endpoint
   * never run side by side in two processes; and nothing is claimed while another process holds
   * a live lease on one of the endpoint's deliveries. So one process at a time sends to an
   * endpoint, and the order in which it sends is the order of the events.
   */
  async function claimForEndpoint(endpointId: string, count: number, now: number) {
    return inTransaction(db, async (tx) => {
      const endpoint = await tx
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', endpointId)
        .$if(postgres, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!endpoint || endpoint.status !== 'enabled') return { endpoint, rows: [] };
      const claimable = (eb: ExpressionBuilder<Schema, 'webhook_deliveries'>) =>
        eb.and([
          eb('webhook_deliveries.status', '=', 'pending'),
          eb('webhook_deliveries.next_attempt_at', '<=', now),
          eb.or([
            eb('webhook_deliveries.lease_until', 'is', null),
            eb('webhook_deliveries.lease_until', '<=', now),
          ]),
        ]);
      const next = tx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', endpointId)
        .where(claimable)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_deliveries as held')
                .select('held.id')
                .where('held.endpoint_id', '=', endpointId)
                .where('held.status', '=', 'pending')
                .where('held.lease_owner', '<>', workerId)
                .where('held.lease_until', '>', now),
            ),
          ),
        )
        .orderBy('id')
        .limit(count);
      // The conditions are repeated on the row itself: PostgreSQL checks them again on a row
      // another transaction changed meanwhile, so of two claimants only one gets it.
      const rows = await tx
        .updateTable('webhook_deliveries')
        .set({ lease_owner: workerId, lease_until: now + leaseMs })
        .where('id', 'in', next)
        .where(claimable)
        .returningAll()
        .execute();
      rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { endpoint, rows };
    });
  }

  /** Endpoints with deliveries due and not leased, at most `limit` of them. */
  async function dueEndpoints(now: number, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select('d.endpoint_id')
      .distinct()
      .where('e.status', '=', 'enabled')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]))
      .limit(limit)
      .execute();
    return rows.map((row) => row.endpoint_id);
  }

  // What this process has in flight: attempts per endpoint, and the attempts themselves.
  const inFlight = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let turn = 0;
  const onAttemptError = (error: unknown) => record.options.onError?.(error);
  let onSettled: (() => void) | undefined;

  function launch(endpoint: WebhookEndpointRow, row: WebhookDeliveryRow): void {
    inFlight.set(endpoint.id, (inFlight.get(endpoint.id) ?? 0) + 1);
    const attempt: Promise<void> = attemptDelivery(endpoint, row)
      .catch(onAttemptError)
      .finally(() => {
        const left = (inFlight.get(endpoint.id) ?? 1) - 1;
        if (left === 0) inFlight.delete(endpoint.id);
        else inFlight.set(endpoint.id, left);
        running.delete(attempt);
        onSettled?.();
      });
    running.add(attempt);
  }

  /**
   * Claims what the free slots allow and starts sending it; returns how many attempts started.
   * Slots: `WEBHOOK_CONCURRENCY` in the process, and per endpoint its fair share of them, at most
   * `WEBHOOK_ENDPOINT_CONCURRENCY`. Endpoints are served in turn, starting one further each
   * time, so a slow or failing endpoint holds its own share and no more.
   */
  async function fill(budget: number): Promise<number> {
    const concurrency = config.webhookConcurrency;
    if (running.size >= concurrency || budget <= 0) return 0;
    const now = clock();
    const due = await dueEndpoints(now, 1000);
    if (due.length === 0) return 0;
    const active = new Set([...due, ...inFlight.keys()]).size;
    const share = Math.min(config.webhookEndpointConcurrency, Math.max(1, Math.ceil(concurrency / active)));
    turn = (turn + 1) % due.length;
    let started = 0;
    for (let i = 0; i < due.length; i++) {
      const endpointId = due[(turn + i) % due.length]!;
      const free = Math.min(
        concurrency - running.size,
        share - (inFlight.get(endpointId) ?? 0),
        budget - started,
      );
      if (free <= 0) {
        if (running.size >= concurrency || started >= budget) break;
        continue;
      }
      const { endpoint, rows } = await claimForEndpoint(endpointId, free, now);
      if (!endpoint) continue;
      for (const row of rows) launch(endpoint, row);
      started += rows.length;
    }
    return started;
  }

  // The background pump: fills free slots whenever an attempt settles or the loop asks, one fill
  // at a time; a fill asked for while one runs happens right after it.
  let pumping: Promise<void> | undefined;
  let again = false;
  let pumpOn = false;
  function pump(): void {
    if (!pumpOn) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          await fill(Number.POSITIVE_INFINITY);
        } catch (error) {
          onAttemptError(error);
          // The next round of the loop tries again; retrying at once would spin on a failing database.
          again = false;
        }
      } while (again && pumpOn);
    })().finally(() => {
      pumping = undefined;
    });
  }

  return {
    /**
     * Claims due deliveries with a lease (two processes never send the same attempt) and sends
     * them, as many at a time as the slots allow, until nothing more is due or `limit` attempts
     * started. Waits for the attempts it started. Returns how many it made.
     */
    async deliverDue(limit = Number.POSITIVE_INFINITY): Promise<number> {
      let attempted = 0;
      const mine = new Set<Promise<void>>();
      while (attempted < limit) {
        const before = new Set(running);
        const started = await fill(limit - attempted);
        for (const attempt of running) if (!before.has(attempt)) mine.add(attempt);
        attempted += started;
        if (started > 0) continue;
        // Nothing claimable now: wait for one of this process's attempts to free a slot.
        const pending = [...mine].filter((attempt) => running.has(attempt));
        if (pending.length === 0) break;
        await Promise.race(pending);
      }
      await Promise.all(mine);
      return attempted;
    },

    /** Starts the background pump: free slots are filled as attempts settle. */
    startPump(): void {
      pumpOn = true;
      onSettled = pump;
    },

    /** Asks the pump to look for due deliveries now (new ones dispatched, retries come due). */
    pump,

    /** Stops the pump and waits for every attempt in flight. */
    async stopPump(): Promise<void> {
      pumpOn = false;
      onSettled = undefined;
      await pumping;
      await Promise.all(running);
    },

    /** Attempts in flight in this process (for tests and metrics). */
    inFlight: () => running.size,
  };
}
