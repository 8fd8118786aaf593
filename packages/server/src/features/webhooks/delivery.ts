// Where a webhook is signed and sent: the Standard Webhooks headers and the earlier signature
// header, the secrets that sign, one attempt under this process's lease, and the due deliveries.
import { createHmac } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import { decryptSecret } from '../../platform/secrets.ts';
import { compareAndSet, inTransaction } from '../../storage/atomic.ts';
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
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // Opened secrets by sealed form, so a busy endpoint does not open its secret for every attempt.
  const opened = new Map<string, string>();
  function open(sealed: string, context: string): string {
    const key = `${context}\n${sealed}`;
    let secret = opened.get(key);
    if (secret === undefined) {
      if (opened.size >= 1000) opened.clear();
      secret = decryptSecret(encryptionKey, sealed, context);
      opened.set(key, secret);
    }
    return secret;
  }

  /** The secrets that sign now: the current one, and the previous one during its overlap. */
  function signingSecrets(row: WebhookEndpointRow, now: number): string[] {
    const secrets = [open(row.secret_sealed, secretContext(row.id))];
    if (
      row.previous_secret_sealed &&
      row.previous_secret_expires_at !== null &&
      row.previous_secret_expires_at > now
    ) {
      secrets.push(open(row.previous_secret_sealed, `${secretContext(row.id)}:previous`));
    }
    return secrets;
  }

  interface Settlement {
    delivery: WebhookDeliveryRow;
    attempt: WebhookAttemptRow;
    now: number;
    done: () => void;
    failed: (error: unknown) => void;
  }
  const settling: Settlement[] = [];
  let flushing: Promise<void> | undefined;

  /**
   * Records attempts and their consequences, only while this process still holds each lease.
   * Attempts that settle together are recorded in one transaction (one commit, and on SQLite one
   * wait for durability, for many), and the next batch waits for that one.
   */
  function recordAttempt(
    delivery: WebhookDeliveryRow,
    attempt: WebhookAttemptRow,
    now: number,
  ): Promise<void> {
    return new Promise<void>((done, failed) => {
      settling.push({ delivery, attempt, now, done, failed });
      if (!flushing) flushing = flush();
    });
  }

  async function flush(): Promise<void> {
    // Let the attempts that settle in the same turn join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (settling.length > 0) {
      const batch = settling.splice(0, 200);
      try {
        await inTransaction(db, async (tx) => {
          // One UPDATE settles the whole batch, each row only while this process still holds its
          // lease with the attempts it read; a row whose lease was lost (this process stalled
          // past it and another took over) is left to that one, and its attempt not recorded.
          const settled = sql.join(
            batch.map(({ delivery, attempt, now }) => {
              const succeeded = attempt.outcome === 'succeeded';
              const exhausted = attempt.attempt >= config.webhookMaxAttempts;
              const status = succeeded ? 'succeeded' : exhausted ? 'failed' : 'pending';
              const nextAttemptAt =
                status === 'pending' ? now + retryDelayMs(attempt.attempt) : delivery.next_attempt_at;
              return sql`select ${delivery.id} as id, ${status} as status,
                cast(${delivery.attempts} as integer) as read_attempts,
                cast(${attempt.attempt} as integer) as attempts,
                cast(${attempt.status_code} as integer) as last_status_code,
                cast(${nextAttemptAt} as bigint) as next_attempt_at,
                cast(${status === 'pending' ? null : now} as bigint) as completed_at`;
            }),
            sql` union all `,
          );
          const result = await sql<{ id: string }>`
            update webhook_deliveries set
              status = settled.status, attempts = settled.attempts,
              last_status_code = settled.last_status_code, next_attempt_at = settled.next_attempt_at,
              completed_at = settled.completed_at, lease_owner = null, lease_until = null
            from (${settled}) as settled
            where webhook_deliveries.id = settled.id
              and webhook_deliveries.lease_owner = ${workerId}
              and webhook_deliveries.attempts = settled.read_attempts
            returning webhook_deliveries.id`.execute(tx);
          const ids = new Set(result.rows.map((row) => row.id));
          const recorded = batch.filter(({ delivery }) => ids.has(delivery.id)).map(({ attempt }) => attempt);
          if (recorded.length > 0) await tx.insertInto('webhook_attempts').values(recorded).execute();
        });
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.failed(error);
      }
    }
    flushing = undefined;
  }

  /** Sends one attempt, calls `onSent` when the receiver has answered, then records it. */
  async function attemptDelivery(
    endpoint: WebhookEndpointRow,
    delivery: WebhookDeliveryRow,
    onSent: () => void,
  ): Promise<void> {
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
    onSent();
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
   * Leases the next due deliveries of several endpoints, oldest event first, up to a count per
   * endpoint, in one transaction of two statements. The endpoints' rows are locked first
   * (PostgreSQL; one another process is claiming for is skipped), so claims for one endpoint
   * never run side by side in two processes; and nothing is claimed for an endpoint while
   * another process holds a live lease on one of its deliveries. So one process at a time sends
   * to an endpoint, and the order in which it sends is the order of the events.
   */
  async function claim(wanted: Map<string, { free: number; ahead: number }>, now: number) {
    return inTransaction(db, async (tx) => {
      const endpoints = await tx
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', 'in', [...wanted.keys()])
        .where('status', '=', 'enabled')
        .$if(postgres, (q) => q.forUpdate().skipLocked())
        .execute();
      if (endpoints.length === 0) return { endpoints, rows: [] };
      const ids = endpoints.map((e) => e.id);
      // First what the free slots take at once; then, for endpoints with more due, what waits
      // for a slot here (at most three attempts' time), with a lease that covers the wait.
      const first = await leaseNext(
        tx,
        new Map(ids.map((id) => [id, wanted.get(id)?.free ?? 0])),
        now,
        leaseMs,
      );
      const taken = new Map<string, number>();
      for (const row of first) taken.set(row.endpoint_id, (taken.get(row.endpoint_id) ?? 0) + 1);
      const more = new Map(
        ids
          .filter((id) => (taken.get(id) ?? 0) === (wanted.get(id)?.free ?? 0))
          .map((id) => [id, wanted.get(id)?.ahead ?? 0] as const)
          .filter(([, count]) => count > 0),
      );
      const second =
        more.size > 0 ? await leaseNext(tx, more, now, leaseMs + 3 * config.webhookTimeoutMs) : [];
      const rows = [...first, ...second];
      rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { endpoints, rows };
    });
  }

  /**
   * Leases per endpoint its next `count` due deliveries in event order, each an index range scan
   * that stops after them; none for an endpoint where another process holds a live lease.
   */
  async function leaseNext(
    tx: typeof db,
    counts: Map<string, number>,
    now: number,
    lease: number,
  ): Promise<WebhookDeliveryRow[]> {
    const wanted = [...counts].filter(([, count]) => count > 0);
    if (wanted.length === 0) return [];
    const next = sql.join(
      wanted.map(
        ([id, count]) => sql`select * from (
          select id from webhook_deliveries
          where endpoint_id = ${id} and status = 'pending' and next_attempt_at <= ${now}
            and (lease_until is null or lease_until <= ${now})
          order by id limit ${count}) as next_of_endpoint`,
      ),
      sql` union all `,
    );
    // The conditions are repeated on the row itself: PostgreSQL checks them again on a row
    // another transaction changed meanwhile, so of two claimants only one gets it.
    const result = await sql<WebhookDeliveryRow>`
      update webhook_deliveries set lease_owner = ${workerId}, lease_until = ${now + lease}
      where id in (${next})
        and endpoint_id not in (
          select held.endpoint_id from webhook_deliveries held
          where held.endpoint_id in (${sql.join(wanted.map(([id]) => id))}) and held.lease_until > ${now}
            and held.lease_owner <> ${workerId} and held.status = 'pending'
        )
        and status = 'pending' and next_attempt_at <= ${now}
        and (lease_until is null or lease_until <= ${now})
      returning *`.execute(tx);
    return result.rows.map((row) => ({
      ...row,
      // PostgreSQL returns bigint columns as text in raw queries.
      attempts: Number(row.attempts),
      next_attempt_at: Number(row.next_attempt_at),
      lease_until: row.lease_until === null ? null : Number(row.lease_until),
      created_at: Number(row.created_at),
      completed_at: row.completed_at === null ? null : Number(row.completed_at),
    }));
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

  // What this process holds: per endpoint the leased deliveries waiting for a slot (in event
  // order) and the attempts in flight; and every attempt until it is recorded.
  interface EndpointWork {
    endpoint: WebhookEndpointRow;
    queued: WebhookDeliveryRow[];
    inFlight: number;
    share: number;
  }
  const work = new Map<string, EndpointWork>();
  const running = new Set<Promise<void>>();
  let sending = 0;
  let turn = 0;
  let report: ((error: unknown) => void) | undefined = record.options.onError;
  const onAttemptError = (error: unknown) => report?.(error);
  let onSettled: (() => void) | undefined;

  /** Starts the endpoint's queued deliveries, in order, while it and the process have free slots. */
  function startQueued(entry: EndpointWork): void {
    while (entry.inFlight < entry.share && sending < config.webhookConcurrency && entry.queued.length > 0) {
      const row = entry.queued.shift()!;
      // A lease must outlast the attempt; one that would not is given back, not risked.
      if (clock() + config.webhookTimeoutMs + 10_000 > (row.lease_until ?? 0)) {
        const release = compareAndSet(db, 'webhook_deliveries', {
          where: { id: row.id },
          expect: { lease_owner: workerId, attempts: row.attempts },
          set: { lease_owner: null, lease_until: null },
        }).then(() => undefined, onAttemptError);
        track(release);
        continue;
      }
      entry.inFlight++;
      sending++;
      let answered = false;
      const onSent = () => {
        if (answered) return;
        answered = true;
        sent(entry);
      };
      // The slot is given back even when the attempt failed before the receiver answered.
      track(attemptDelivery(entry.endpoint, row, onSent).catch(onAttemptError).finally(onSent));
    }
    if (entry.inFlight === 0 && entry.queued.length === 0) work.delete(entry.endpoint.id);
  }

  /**
   * An attempt was answered: its slot goes to the endpoint's next delivery, or, when the process
   * is at its limit, to the endpoints waiting longest, in turn. The pump is asked for more once
   * an endpoint's queue runs below its share.
   */
  function sent(entry: EndpointWork): void {
    entry.inFlight--;
    sending--;
    startQueued(entry);
    if (sending < config.webhookConcurrency) {
      const waiting = [...work.values()].filter((other) => other.queued.length > 0);
      for (let i = 0; i < waiting.length && sending < config.webhookConcurrency; i++) {
        startQueued(waiting[(startTurn + i) % waiting.length]!);
      }
      startTurn++;
    }
    if (entry.queued.length < 2 * entry.share) onSettled?.();
  }
  let startTurn = 0;
  let known = new Set<string>();
  let discoveredAt = Number.NEGATIVE_INFINITY;

  function track(promise: Promise<void>): void {
    const tracked = promise.finally(() => running.delete(tracked));
    running.add(tracked);
  }

  /**
   * Claims what the free slots allow and starts sending it; returns how many deliveries it
   * claimed. Slots: `WEBHOOK_CONCURRENCY` in the process, and per endpoint its fair share of them,
   * at most `WEBHOOK_ENDPOINT_CONCURRENCY`. Each endpoint is claimed up to three times its share, so
   * a settled attempt is followed at once by the next without waiting for the database.
   * Endpoints are served in turn, starting one further each time, so a slow or failing endpoint
   * holds its own share and no more.
   */
  async function fill(budget: number, discover: boolean): Promise<number> {
    const concurrency = config.webhookConcurrency;
    if (budget <= 0) return 0;
    const now = clock();
    // Looking for endpoints with due deliveries reads every due delivery: it is done when asked
    // (each round of the loop) and at most every 100 ms; in between, a fill tops up the endpoints
    // this process already sends to.
    if (discover || performance.now() - discoveredAt > 100) {
      known = new Set(await dueEndpoints(now, 1000));
      discoveredAt = performance.now();
    }
    const due = [...new Set([...known, ...work.keys()])];
    if (due.length === 0) return 0;
    const active = new Set([...due, ...work.keys()]).size;
    const share = Math.min(config.webhookEndpointConcurrency, Math.max(1, Math.ceil(concurrency / active)));
    // Shares shrink as more endpoints wait: one holding more slots starts no more until it is
    // back within its share.
    for (const entry of work.values()) entry.share = share;
    turn = (turn + 1) % due.length;
    const wanted = new Map<string, { free: number; ahead: number }>();
    let claimable = budget;
    for (let i = 0; i < due.length && claimable > 0; i++) {
      const endpointId = due[(turn + i) % due.length]!;
      const held = work.get(endpointId);
      const holding = held ? held.inFlight + held.queued.length : 0;
      const count = Math.min(3 * share - holding, claimable);
      if (count <= 0) continue;
      const free = Math.min(count, Math.max(0, share - holding));
      wanted.set(endpointId, { free, ahead: count - free });
      claimable -= count;
    }
    if (wanted.size === 0) return 0;
    const { endpoints, rows } = await claim(wanted, now);
    const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    for (const row of rows) {
      const endpoint = byId.get(row.endpoint_id)!;
      const entry = work.get(endpoint.id) ?? { endpoint, queued: [], inFlight: 0, share };
      entry.endpoint = endpoint;
      entry.share = share;
      entry.queued.push(row);
      work.set(endpoint.id, entry);
    }
    for (const endpoint of endpoints) {
      const entry = work.get(endpoint.id);
      if (entry) startQueued(entry);
    }
    const claimed = rows.length;
    const served = new Set(rows.map((row) => row.endpoint_id));
    for (const endpointId of wanted.keys()) if (!served.has(endpointId)) known.delete(endpointId);
    return claimed;
  }

  // The background pump: fills free slots whenever an attempt settles or the loop asks, one fill
  // at a time; a fill asked for while one runs happens right after it.
  let pumping: Promise<void> | undefined;
  let again = false;
  let pumpOn = false;
  let discoverNext = false;
  function pump(discover = true): void {
    if (!pumpOn) return;
    if (discover) discoverNext = true;
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        const discovering = discoverNext;
        discoverNext = false;
        try {
          await fill(Number.POSITIVE_INFINITY, discovering);
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
      for (;;) {
        if (attempted < limit) {
          const claimed = await fill(limit - attempted, true);
          attempted += claimed;
          if (claimed > 0) continue;
        }
        // Nothing more to claim now: wait for what is under way, then look again.
        if (running.size === 0) break;
        await Promise.race(running);
      }
      return attempted;
    },

    /** Starts the background pump: free slots are filled as attempts settle. */
    startPump(onError?: (error: unknown) => void): void {
      if (onError) report = onError;
      pumpOn = true;
      onSettled = () => pump(false);
    },

    /** Asks the pump to look for due deliveries now (new ones dispatched, retries come due). */
    pump: () => pump(true),

    /** Stops the pump and waits for every attempt in flight. */
    async stopPump(): Promise<void> {
      pumpOn = false;
      onSettled = undefined;
      await pumping;
      await Promise.all(running);
    },

    /** Attempts in flight in this process (for tests and metrics). */
    inFlight: () => sending,
  };
}
