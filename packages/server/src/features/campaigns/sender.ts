// The campaign sender: a background worker that reads each running campaign's audience into
// recipient rows, claims them a batch at a time and sends, throttled per campaign and per provider.
import { AppError, simSwapBlockedUntil, type VerificationPolicy } from '@helpdesk-auth/core';
import { PostgresAdapter } from 'kysely';
import { type Actor, appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { MessageProvider } from '../../providers/messages/message-provider.ts';
import { ProviderError } from '../../providers/messages/message-provider.ts';
import { inTransaction, takeRateLimitSlots } from '../../storage/atomic.ts';
import type { CampaignRecipientRow, CampaignRow, CustomerRow } from '../../storage/schema.ts';
import type { ActivationChannel, ActivationDelivery } from '../devices/index.ts';
import { loadPolicy } from '../policy/index.ts';
import { nextAudienceBatch } from './audience.ts';
import { audienceBatchSize, newLinkToken } from './campaigns.ts';
import { announcementText, type CampaignMessages } from './model.ts';

/**
 * Recipients claimed at once, at most: also no more than the campaign's rate per second (10 by
 * default), so a pause or a crash leaves no more in flight than a second's worth of sending.
 */
export const claimBatchSize = 100;
/** Batches of one campaign under way at once in one process (see `work`). */
export const maxLanes = 4;
/** How long a provider that did not answer, or asked to slow down, is left alone before the next try. */
export const providerBackoffMs = 30_000;
/** A recipient claimed longer ago than this was left by a stopped process: counted as failed, never sent again. */
export const claimLeaseMs = 2 * 60_000;

export interface TickResult {
  /** Messages handed to a provider in this round. */
  sent: number;
  /** Recipients finished in this round (sent, skipped or failed). */
  finished: number;
  /** When there is nothing to do before a throttle window opens: how long to wait. */
  waitMs: number | null;
  /** Whether any campaign is still running. */
  busy: boolean;
}

type Outcome =
  | {
      status: 'sent';
      channel: ActivationChannel;
      provider: string;
      providerMessageId: string | null;
      activationId: string | null;
      delivered: boolean;
    }
  | { status: 'skipped' | 'failed'; reason: string }
  | { status: 'throttled'; waitMs: number };

/**
 * At most once per (campaign, customer): a recipient row is created before anything is sent and
 * claimed by one conditional update of its status, so two workers (two processes) never both send
 * to it; a send whose outcome a crash left unknown is recorded as failed (`INTERRUPTED`), not
 * repeated. No transaction is held across a send: claiming, sending and recording are separate
 * short statements. Each step takes a batch at once (the claim, the rate windows' slots, the
 * customers, the activations and their audit entries, the outcomes: one statement each), so a
 * batch costs about as many round trips as one message used to, and only the providers' sends
 * (on the development outbox, one insert each) grow with it.
 */
export function createCampaignSender(
  context: ServiceContext,
  deps: {
    activationDelivery: ActivationDelivery;
    providers: Partial<Record<'sms' | 'email', MessageProvider>>;
  },
) {
  const { db, clock, config } = context;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  /** Reads the next batch of the audience into recipient rows; the cursor moves by compare-and-set. */
  async function readAudience(campaign: CampaignRow): Promise<void> {
    const current = await db
      .selectFrom('campaigns')
      .select(['audience_cursor', 'audience_done'])
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow();
    if (Number(current.audience_done) === 1) return;
    const ids = await nextAudienceBatch(
      db,
      campaign.tenant_id,
      JSON.parse(campaign.audience),
      current.audience_cursor,
      audienceBatchSize,
    );
    await inTransaction(db, async (tx) => {
      if (ids.length > 0) {
        await tx
          .insertInto('campaign_recipients')
          .values(
            ids.map((customerId) => ({
              campaign_id: campaign.id,
              customer_id: customerId,
              tenant_id: campaign.tenant_id,
              status: 'pending',
              link_token: campaign.kind === 'invitation' ? newLinkToken() : null,
            })),
          )
          .onConflict((oc) => oc.columns(['campaign_id', 'customer_id']).doNothing())
          .execute();
      }
      // Another worker that read the same batch moved the cursor first: its rows are the same
      // (the insert above did nothing for them), and this update changes nothing.
      await tx
        .updateTable('campaigns')
        .set(
          ids.length > 0
            ? {
                audience_cursor: ids.at(-1)!,
                // A short batch was the last: the total is known without another read.
                ...(ids.length < audienceBatchSize ? { audience_done: 1 } : {}),
                updated_at: clock(),
              }
            : { audience_done: 1, updated_at: clock() },
        )
        .where('id', '=', campaign.id)
        .where((eb) =>
          current.audience_cursor === null
            ? eb('audience_cursor', 'is', null)
            : eb('audience_cursor', '=', current.audience_cursor),
        )
        .execute();
    });
  }

  /**
   * Claims up to `limit` pending recipients in one statement: each moves from pending to sending
   * for one worker only. On PostgreSQL the rows another worker is claiming at the same moment are
   * skipped (`for update skip locked`), so two processes take different recipients instead of
   * waiting for each other; SQLite runs one writer at a time. Either way the update's own
   * condition (still pending) is what keeps a recipient to one worker.
   */
  async function claim(campaignId: string, limit: number): Promise<CampaignRecipientRow[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = clock();
      // The rows are picked once, in a materialised step: as a plain subquery PostgreSQL may run
      // the pick again for each row it updates, and `skip locked` would then skip the rows this
      // very statement has just claimed and pick further ones, claiming more than `limit`.
      const claimed = await db
        .with(
          (cte) => cte('picked').materialized(),
          (qb) =>
            qb
              .selectFrom('campaign_recipients')
              .select('customer_id')
              .where('campaign_id', '=', campaignId)
              .where('status', '=', 'pending')
              .orderBy('customer_id')
              .limit(limit)
              .$if(postgres, (q) => q.forUpdate().skipLocked()),
        )
        .updateTable('campaign_recipients')
        .set({ status: 'sending', claimed_at: now })
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'pending')
        .where('customer_id', 'in', (eb) => eb.selectFrom('picked').select('picked.customer_id'))
        .returningAll()
        .execute();
      if (claimed.length > 0) return claimed.sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
      // Another worker took the same rows first; try the next ones while any are left.
      const left = await db
        .selectFrom('campaign_recipients')
        .select('customer_id')
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'pending')
        .limit(1)
        .executeTakeFirst();
      if (!left) return [];
    }
    return [];
  }

  async function release(campaignId: string, customerIds: string[]): Promise<void> {
    if (customerIds.length === 0) return;
    await db
      .updateTable('campaign_recipients')
      .set({ status: 'pending', claimed_at: null })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'sending')
      .where('customer_id', 'in', customerIds)
      .execute();
  }

  /**
   * The provider's window: campaign messages per second across every campaign and process. Takes
   * up to `count` slots in one statement; returns how many it got and, when fewer, the wait.
   */
  async function providerSlots(
    provider: MessageProvider,
    count: number,
  ): Promise<{ granted: number; waitMs: number }> {
    const now = clock();
    const taken = await takeRateLimitSlots(db, `campaign-provider:${provider.channel}:${provider.name}`, {
      slots: count,
      limit: config.campaignProviderRatePerSecond,
      windowMs: 1000,
      now,
    });
    return { granted: taken.granted, waitMs: Math.max(1, taken.resetAt - now) };
  }

  /** The channels to try for a customer, in order. */
  function channelsFor(campaign: CampaignRow, customer: CustomerRow): ActivationChannel[] {
    if (campaign.channel === 'sms') return ['sms'];
    if (campaign.channel === 'email') return ['email'];
    return customer.phone ? ['sms', 'email'] : ['email'];
  }

  /**
   * The channel a customer is sent on: the first of `channelsFor` with a provider, an address and,
   * for SMS, a number not changed within the policy's SIM-swap window; else why none.
   */
  function chooseChannel(
    campaign: CampaignRow,
    customer: CustomerRow,
    policy: VerificationPolicy | undefined,
    now: number,
  ): { channel: ActivationChannel; provider: MessageProvider } | Outcome {
    let last: Outcome = { status: 'skipped', reason: 'PROVIDER_NOT_CONFIGURED' };
    for (const channel of channelsFor(campaign, customer)) {
      const provider = deps.providers[channel];
      if (!provider) {
        last = { status: 'skipped', reason: 'PROVIDER_NOT_CONFIGURED' };
        continue;
      }
      const to = channel === 'sms' ? customer.phone : customer.email;
      if (!to) {
        last = { status: 'skipped', reason: channel === 'sms' ? 'NO_PHONE_NUMBER' : 'NO_EMAIL_ADDRESS' };
        continue;
      }
      if (
        channel === 'sms' &&
        policy &&
        simSwapBlockedUntil(customer.phone_changed_at, policy, now) !== null
      ) {
        last = { status: 'skipped', reason: 'SIM_SWAP_WINDOW' };
        continue;
      }
      return { channel, provider };
    }
    return last;
  }

  /**
   * What a failed send means for the recipient: skipped (the channel was unavailable), tried again
   * later (the provider is down or asked to slow down) or failed (the provider refused it). Any
   * other error is not the recipient's: it is thrown once the batch's other outcomes are recorded.
   */
  function outcomeOf(error: unknown): Outcome | undefined {
    if (error instanceof AppError && error.code === 'CHANNEL_UNAVAILABLE') {
      const reason = (error.details as { reason?: string } | undefined)?.reason ?? 'CHANNEL_UNAVAILABLE';
      return { status: 'skipped', reason };
    }
    if (error instanceof ProviderError || (error instanceof AppError && error.code === 'DELIVERY_FAILED')) {
      const kind =
        error instanceof ProviderError
          ? error.kind
          : (error.details as { reason?: string } | undefined)?.reason;
      // A provider that is down or asks to slow down refused nothing: the customer is tried
      // again after a pause, not counted as failed (an invitation's unsent link just expires).
      if (kind === 'unreachable' || kind === 'rate_limited')
        return { status: 'throttled', waitMs: providerBackoffMs };
      return { status: 'failed', reason: 'PROVIDER_REJECTED' };
    }
    if (error instanceof AppError && error.code === 'NOT_FOUND')
      return { status: 'skipped', reason: 'CUSTOMER_REMOVED' };
    return undefined;
  }

  /**
   * Sends to a batch of claimed recipients that have their campaign slots. The customers are read
   * in one statement (now, not when the audience was: an opt-out during the campaign still
   * counts), the policy and the tenant once, the provider slots taken per provider in one
   * statement each, and the messages handed to the providers side by side. Returns each
   * recipient's outcome, and the first error that was not a recipient's own (see `outcomeOf`).
   */
  async function sendBatch(
    campaign: CampaignRow,
    recipients: CampaignRecipientRow[],
  ): Promise<{ outcomes: Map<string, Outcome>; error?: unknown }> {
    const outcomes = new Map<string, Outcome>();
    if (recipients.length === 0) return { outcomes };
    const customers = new Map(
      (
        await db
          .selectFrom('customers')
          .selectAll()
          .where('tenant_id', '=', campaign.tenant_id)
          .where(
            'id',
            'in',
            recipients.map((r) => r.customer_id),
          )
          .execute()
      ).map((c) => [c.id, c]),
    );
    const policy =
      campaign.channel === 'email' ? undefined : (await loadPolicy(db, campaign.tenant_id)).policy;
    const now = clock();
    // Who goes out on which provider, in the batch's order.
    const byProvider = new Map<
      MessageProvider,
      Array<{ recipient: CampaignRecipientRow; customer: CustomerRow; channel: ActivationChannel }>
    >();
    for (const recipient of recipients) {
      const customer = customers.get(recipient.customer_id);
      if (!customer) {
        outcomes.set(recipient.customer_id, { status: 'skipped', reason: 'CUSTOMER_REMOVED' });
        continue;
      }
      if (customer.campaign_opt_out_at !== null) {
        outcomes.set(recipient.customer_id, { status: 'skipped', reason: 'OPTED_OUT' });
        continue;
      }
      const chosen = chooseChannel(campaign, customer, policy, now);
      if ('status' in chosen) {
        outcomes.set(recipient.customer_id, chosen);
        continue;
      }
      const group = byProvider.get(chosen.provider) ?? [];
      group.push({ recipient, customer, channel: chosen.channel });
      byProvider.set(chosen.provider, group);
    }
    // A slot of the provider's window for each; those without one go back to pending.
    const sending: Array<{
      recipient: CampaignRecipientRow;
      customer: CustomerRow;
      channel: ActivationChannel;
      provider: MessageProvider;
    }> = [];
    for (const [provider, group] of byProvider) {
      const { granted, waitMs } = await providerSlots(provider, group.length);
      group.forEach((item, i) => {
        if (i < granted) sending.push({ ...item, provider });
        else outcomes.set(item.recipient.customer_id, { status: 'throttled', waitMs });
      });
    }
    if (sending.length === 0) return { outcomes };
    let unexpected: unknown;
    const settle = (customerId: string, error: unknown) => {
      const outcome = outcomeOf(error);
      if (outcome) outcomes.set(customerId, outcome);
      else unexpected ??= error;
    };
    if (campaign.kind === 'announcement') {
      const tenant = await db
        .selectFrom('tenants')
        .select('name')
        .where('id', '=', campaign.tenant_id)
        .executeTakeFirstOrThrow();
      const messages = JSON.parse(campaign.messages) as CampaignMessages;
      await Promise.all(
        sending.map(async ({ recipient, customer, channel, provider }) => {
          const to = (channel === 'sms' ? customer.phone : customer.email)!;
          try {
            const result = await provider.send({
              to,
              ...(channel === 'email' ? { subject: tenant.name } : {}),
              text: announcementText(messages, customer.locale, tenant.name),
              reference: `${campaign.id}:${customer.id}`,
              tenantId: campaign.tenant_id,
            });
            outcomes.set(recipient.customer_id, {
              status: 'sent',
              channel,
              provider: provider.name,
              providerMessageId: result.providerMessageId ?? null,
              activationId: null,
              delivered: result.status === 'delivered',
            });
          } catch (error) {
            settle(recipient.customer_id, error);
          }
        }),
      );
    } else {
      const results = await deps.activationDelivery.sendMany(
        campaign.tenant_id,
        sending.map(({ recipient, customer, channel }) => ({
          customer,
          channel,
          // The tracked link records the opening and sends the browser on to the app; the
          // activation code stays in the fragment, which browsers keep across the redirect and
          // never send to a server.
          link: (activationLink: string) => {
            const url = new URL(activationLink);
            return `${url.origin}/v1/campaign-links/${recipient.link_token}${url.hash}`;
          },
        })),
        systemActor,
        { lifetimeMs: campaign.link_valid_days * 86_400_000, campaignId: campaign.id },
      );
      results.forEach((result, i) => {
        const customerId = sending[i]!.recipient.customer_id;
        if (result.ok) {
          outcomes.set(customerId, {
            status: 'sent',
            channel: result.channel,
            provider: result.provider,
            providerMessageId: result.providerMessageId,
            activationId: result.id,
            delivered: result.delivered,
          });
        } else {
          settle(customerId, result.error);
        }
      });
    }
    return unexpected === undefined ? { outcomes } : { outcomes, error: unexpected };
  }

  /**
   * Records the batch's outcomes in one statement. Written as an upsert because that is one
   * multi-row statement on both databases; the rows exist (they were claimed), so it only ever
   * updates, and only a row still `sending`: one a sweep marked interrupted meanwhile stays so.
   */
  async function record(
    campaign: CampaignRow,
    done: Array<{ customerId: string; outcome: Exclude<Outcome, { status: 'throttled' }> }>,
  ): Promise<void> {
    if (done.length === 0) return;
    const now = clock();
    await db
      .insertInto('campaign_recipients')
      .values(
        done.map(({ customerId, outcome }) => ({
          campaign_id: campaign.id,
          customer_id: customerId,
          tenant_id: campaign.tenant_id,
          ...(outcome.status === 'sent'
            ? {
                status: 'sent',
                reason: null,
                channel: outcome.channel,
                provider: outcome.provider,
                provider_message_id: outcome.providerMessageId,
                activation_id: outcome.activationId,
                sent_at: now,
                delivered_at: outcome.delivered ? now : null,
              }
            : {
                status: outcome.status,
                reason: outcome.reason,
                channel: null,
                provider: null,
                provider_message_id: null,
                activation_id: null,
                sent_at: null,
                delivered_at: null,
              }),
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['campaign_id', 'customer_id'])
          .doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            reason: eb.ref('excluded.reason'),
            channel: eb.ref('excluded.channel'),
            provider: eb.ref('excluded.provider'),
            provider_message_id: eb.ref('excluded.provider_message_id'),
            activation_id: eb.ref('excluded.activation_id'),
            sent_at: eb.ref('excluded.sent_at'),
            delivered_at: eb.ref('excluded.delivered_at'),
          }))
          .where('campaign_recipients.status', '=', 'sending'),
      )
      .execute();
  }

  /** Marks a campaign completed once its audience is read and no recipient is left to send. */
  async function finishIfDone(campaign: CampaignRow): Promise<void> {
    const left = await db
      .selectFrom('campaign_recipients')
      .select('customer_id')
      .where('campaign_id', '=', campaign.id)
      .where('status', 'in', ['pending', 'sending'])
      .limit(1)
      .executeTakeFirst();
    if (left) return;
    const now = clock();
    await inTransaction(db, async (tx) => {
      const moved = await tx
        .updateTable('campaigns')
        .set({ status: 'completed', finished_at: now, updated_at: now })
        .where('id', '=', campaign.id)
        .where('status', '=', 'running')
        .where('audience_done', '=', 1)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return;
      const counts = await tx
        .selectFrom('campaign_recipients')
        .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
        .where('campaign_id', '=', campaign.id)
        .groupBy('status')
        .execute();
      await appendAudit(tx, {
        tenantId: campaign.tenant_id,
        actor: systemActor as Actor,
        action: 'campaign.completed',
        target: { type: 'campaign', id: campaign.id },
        data: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
        now,
      });
    });
  }

  /** Claims, sends and records one batch of up to `limit` recipients. */
  async function sendOneBatch(
    campaign: CampaignRow,
    limit: number,
  ): Promise<{ claimed: 0 } | { claimed: number; sent: number; finished: number; waitMs: number | null }> {
    const batch = await claim(campaign.id, limit);
    if (batch.length === 0) return { claimed: 0 };
    // Slots of the campaign's window for the batch, in one statement; those without one go back.
    const now = clock();
    const slots = await takeRateLimitSlots(db, `campaign:${campaign.id}`, {
      slots: batch.length,
      limit: campaign.rate_per_second,
      windowMs: 1000,
      now,
    });
    let waitMs: number | null = slots.granted < batch.length ? Math.max(1, slots.resetAt - now) : null;
    await release(
      campaign.id,
      batch.slice(slots.granted).map((r) => r.customer_id),
    );
    const { outcomes, error } = await sendBatch(campaign, batch.slice(0, slots.granted));
    const done: Array<{ customerId: string; outcome: Exclude<Outcome, { status: 'throttled' }> }> = [];
    const back: string[] = [];
    let sent = 0;
    for (const [customerId, outcome] of outcomes) {
      if (outcome.status === 'throttled') {
        // Nothing is held while the provider's window is closed: the recipient goes back.
        back.push(customerId);
        waitMs = waitMs === null ? outcome.waitMs : Math.min(waitMs, outcome.waitMs);
        continue;
      }
      done.push({ customerId, outcome });
      if (outcome.status === 'sent') sent += 1;
    }
    await record(campaign, done);
    await release(campaign.id, back);
    // A recipient whose send failed for no reason of its own stays claimed: the lease's sweep
    // records it as interrupted rather than risk sending twice.
    if (error !== undefined) throw error;
    return { claimed: batch.length, sent, finished: done.length, waitMs };
  }

  /**
   * Works on one running campaign until it has nothing to send, a throttle window is full or
   * `budget` recipients are finished. Up to `maxLanes` batches are under way at once, so one
   * batch's round trips overlap another's; each lane claims its own recipients, and the rate
   * windows are shared through the database, so the lanes keep the guarantees that two processes
   * keep. A campaign whose rate one batch covers runs in one lane.
   */
  async function work(
    campaign: CampaignRow,
    budget: number,
  ): Promise<{ sent: number; finished: number; waitMs: number | null }> {
    let sent = 0;
    let finished = 0;
    // Recipients taken by a lane and not yet finished: budget that is spoken for.
    let inFlight = 0;
    let waitMs: number | null = null;
    let idle = false;
    let failed = false;
    // Recipients a stopped process claimed and never recorded: their send may have happened.
    await db
      .updateTable('campaign_recipients')
      .set({ status: 'failed', reason: 'INTERRUPTED' })
      .where('campaign_id', '=', campaign.id)
      .where('status', '=', 'sending')
      .where('claimed_at', '<', clock() - claimLeaseMs)
      .execute();
    const batchSize = Math.min(claimBatchSize, campaign.rate_per_second);
    const lanes = Math.max(
      1,
      Math.min(maxLanes, Math.ceil(campaign.rate_per_second / batchSize), Math.ceil(budget / batchSize)),
    );
    const lane = async () => {
      while (!idle && !failed && waitMs === null && finished + inFlight < budget) {
        // A pause or cancel takes effect before the next batch.
        const status = await db
          .selectFrom('campaigns')
          .select('status')
          .where('id', '=', campaign.id)
          .executeTakeFirst();
        if (status?.status !== 'running') {
          idle = true;
          return;
        }
        const limit = Math.min(batchSize, budget - finished - inFlight);
        if (limit <= 0) return;
        inFlight += limit;
        let result: Awaited<ReturnType<typeof sendOneBatch>>;
        try {
          result = await sendOneBatch(campaign, limit);
        } catch (error) {
          failed = true;
          throw error;
        } finally {
          inFlight -= limit;
        }
        if (!('sent' in result)) {
          const done = await db
            .selectFrom('campaigns')
            .select('audience_done')
            .where('id', '=', campaign.id)
            .executeTakeFirstOrThrow();
          if (Number(done.audience_done) === 1) {
            // Another lane may still be sending its last batch; it finishes the campaign then.
            if (inFlight === 0) await finishIfDone(campaign);
            idle = true;
            return;
          }
          await readAudience(campaign);
          continue;
        }
        sent += result.sent;
        finished += result.finished;
        if (result.waitMs !== null)
          waitMs = waitMs === null ? result.waitMs : Math.min(waitMs, result.waitMs);
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
    const rejected = settled.find((r) => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    if (waitMs !== null) return { sent, finished, waitMs };
    return { sent, finished, waitMs: idle ? null : 0 };
  }

  const sender = {
    /**
     * One round over the running campaigns: each sends until its throttle window is full or it has
     * nothing left, up to `budget` recipients. Returns how long to wait before the next round.
     */
    async tick(budget = 500): Promise<TickResult> {
      const running = await db
        .selectFrom('campaigns')
        .selectAll()
        .where('status', '=', 'running')
        .orderBy('id')
        .limit(50)
        .execute();
      let sent = 0;
      let finished = 0;
      let waitMs: number | null = null;
      for (const campaign of running) {
        const result = await work(campaign, budget);
        sent += result.sent;
        finished += result.finished;
        if (result.waitMs !== null)
          waitMs = waitMs === null ? result.waitMs : Math.min(waitMs, result.waitMs);
      }
      return { sent, finished, waitMs, busy: running.length > 0 };
    },
  };
  return sender;
}

export type CampaignSender = ReturnType<typeof createCampaignSender>;

/**
 * Runs the sender in the background: rounds back to back while there is work, a wait while a
 * throttle window is full, an idle poll otherwise. `stop` waits for the round in progress.
 */
export function runCampaignSender(
  sender: CampaignSender,
  onError: (error: unknown) => void,
  idleMs = 1000,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = sender.tick().then(
        (result) => schedule(result.waitMs ?? (result.finished > 0 ? 0 : idleMs)),
        (error) => {
          onError(error);
          schedule(idleMs);
        },
      );
    }, delayMs);
    timer.unref();
  };
  schedule(idleMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
