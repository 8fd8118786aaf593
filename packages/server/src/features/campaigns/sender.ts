// The campaign sender: a background worker that reads each running campaign's audience into
// recipient rows, claims them a few at a time and sends, throttled per campaign and per provider.
import { AppError, simSwapBlockedUntil } from '@helpdesk-auth/core';
import { type Actor, appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { MessageProvider } from '../../providers/messages/message-provider.ts';
import { ProviderError } from '../../providers/messages/message-provider.ts';
import { hitRateLimit, inTransaction } from '../../storage/atomic.ts';
import type { CampaignRecipientRow, CampaignRow, CustomerRow } from '../../storage/schema.ts';
import type { ActivationChannel, ActivationDelivery } from '../devices/index.ts';
import { loadPolicy } from '../policy/index.ts';
import { nextAudienceBatch } from './audience.ts';
import { audienceBatchSize, newLinkToken } from './campaigns.ts';
import { announcementText, type CampaignMessages } from './model.ts';

/** Recipients claimed at once: small, so a pause or a crash leaves little in flight. */
export const claimBatchSize = 10;
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
 * short statements.
 */
export function createCampaignSender(
  context: ServiceContext,
  deps: {
    activationDelivery: ActivationDelivery;
    providers: Partial<Record<'sms' | 'email', MessageProvider>>;
  },
) {
  const { db, clock, config } = context;

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

  /** Claims up to `limit` pending recipients: each moves from pending to sending for one worker only. */
  async function claim(campaignId: string, limit: number): Promise<CampaignRecipientRow[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = clock();
      const claimed = await db
        .updateTable('campaign_recipients')
        .set({ status: 'sending', claimed_at: now })
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'pending')
        .where('customer_id', 'in', (eb) =>
          eb
            .selectFrom('campaign_recipients')
            .select('customer_id')
            .where('campaign_id', '=', campaignId)
            .where('status', '=', 'pending')
            .orderBy('customer_id')
            .limit(limit),
        )
        .returningAll()
        .execute();
      if (claimed.length > 0) return claimed;
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

  /** The provider's window: campaign messages per second across every campaign and process. */
  async function providerSlot(provider: MessageProvider): Promise<number | null> {
    const now = clock();
    const hit = await hitRateLimit(db, `campaign-provider:${provider.channel}:${provider.name}`, {
      limit: config.campaignProviderRatePerSecond,
      windowMs: 1000,
      now,
    });
    return hit.allowed ? null : Math.max(1, hit.resetAt - now);
  }

  /** The channels to try for a customer, in order. */
  function channelsFor(campaign: CampaignRow, customer: CustomerRow): ActivationChannel[] {
    if (campaign.channel === 'sms') return ['sms'];
    if (campaign.channel === 'email') return ['email'];
    return customer.phone ? ['sms', 'email'] : ['email'];
  }

  async function sendAnnouncement(
    campaign: CampaignRow,
    customer: CustomerRow,
    channel: ActivationChannel,
    provider: MessageProvider,
  ): Promise<Outcome> {
    const to = channel === 'sms' ? customer.phone : customer.email;
    if (!to) return { status: 'skipped', reason: channel === 'sms' ? 'NO_PHONE_NUMBER' : 'NO_EMAIL_ADDRESS' };
    if (channel === 'sms') {
      const { policy } = await loadPolicy(db, campaign.tenant_id);
      if (simSwapBlockedUntil(customer.phone_changed_at, policy, clock()) !== null) {
        return { status: 'skipped', reason: 'SIM_SWAP_WINDOW' };
      }
    }
    const tenant = await db
      .selectFrom('tenants')
      .select('name')
      .where('id', '=', campaign.tenant_id)
      .executeTakeFirstOrThrow();
    const text = announcementText(
      JSON.parse(campaign.messages) as CampaignMessages,
      customer.locale,
      tenant.name,
    );
    const result = await provider.send({
      to,
      ...(channel === 'email' ? { subject: tenant.name } : {}),
      text,
      reference: `${campaign.id}:${customer.id}`,
      tenantId: campaign.tenant_id,
    });
    return {
      status: 'sent',
      channel,
      provider: provider.name,
      providerMessageId: result.providerMessageId ?? null,
      activationId: null,
      delivered: result.status === 'delivered',
    };
  }

  async function sendOne(campaign: CampaignRow, recipient: CampaignRecipientRow): Promise<Outcome> {
    const customer = await db
      .selectFrom('customers')
      .selectAll()
      .where('tenant_id', '=', campaign.tenant_id)
      .where('id', '=', recipient.customer_id)
      .executeTakeFirst();
    if (!customer) return { status: 'skipped', reason: 'CUSTOMER_REMOVED' };
    // Read now, not when the audience was: an opt-out during the campaign still counts.
    if (customer.campaign_opt_out_at !== null) return { status: 'skipped', reason: 'OPTED_OUT' };
    let last: Outcome = { status: 'skipped', reason: 'PROVIDER_NOT_CONFIGURED' };
    for (const channel of channelsFor(campaign, customer)) {
      const provider = deps.providers[channel];
      if (!provider) {
        last = { status: 'skipped', reason: 'PROVIDER_NOT_CONFIGURED' };
        continue;
      }
      const wait = await providerSlot(provider);
      if (wait !== null) return { status: 'throttled', waitMs: wait };
      try {
        if (campaign.kind === 'announcement') {
          last = await sendAnnouncement(campaign, customer, channel, provider);
        } else {
          const sent = await deps.activationDelivery.send(
            campaign.tenant_id,
            customer.id,
            channel,
            systemActor,
            {
              lifetimeMs: campaign.link_valid_days * 86_400_000,
              campaignId: campaign.id,
              // The tracked link records the opening and sends the browser on to the app; the
              // activation code stays in the fragment, which browsers keep across the redirect and
              // never send to a server.
              link: (activationLink) => {
                const url = new URL(activationLink);
                return `${url.origin}/v1/campaign-links/${recipient.link_token}${url.hash}`;
              },
            },
          );
          last = {
            status: 'sent',
            channel,
            provider: sent.provider,
            providerMessageId: sent.providerMessageId,
            activationId: sent.id,
            delivered: sent.delivered,
          };
        }
      } catch (error) {
        if (error instanceof AppError && error.code === 'CHANNEL_UNAVAILABLE') {
          const reason = (error.details as { reason?: string } | undefined)?.reason ?? 'CHANNEL_UNAVAILABLE';
          last = { status: 'skipped', reason };
        } else if (
          error instanceof ProviderError ||
          (error instanceof AppError && error.code === 'DELIVERY_FAILED')
        ) {
          const kind =
            error instanceof ProviderError
              ? error.kind
              : (error.details as { reason?: string } | undefined)?.reason;
          // A provider that is down or asks to slow down refused nothing: the customer is tried
          // again after a pause, not counted as failed (an invitation's unsent link just expires).
          if (kind === 'unreachable' || kind === 'rate_limited')
            return { status: 'throttled', waitMs: providerBackoffMs };
          last = { status: 'failed', reason: 'PROVIDER_REJECTED' };
        } else if (error instanceof AppError && error.code === 'NOT_FOUND') {
          last = { status: 'skipped', reason: 'CUSTOMER_REMOVED' };
        } else {
          throw error;
        }
      }
      if (last.status === 'sent' || last.status === 'failed') return last;
    }
    return last;
  }

  async function record(
    campaign: CampaignRow,
    recipient: CampaignRecipientRow,
    outcome: Outcome,
  ): Promise<void> {
    if (outcome.status === 'throttled') return;
    const now = clock();
    await db
      .updateTable('campaign_recipients')
      .set(
        outcome.status === 'sent'
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
          : { status: outcome.status, reason: outcome.reason },
      )
      .where('campaign_id', '=', campaign.id)
      .where('customer_id', '=', recipient.customer_id)
      .where('status', '=', 'sending')
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

  /** Works on one running campaign until it has nothing to send or a throttle window is full. */
  async function work(
    campaign: CampaignRow,
    budget: number,
  ): Promise<{ sent: number; finished: number; waitMs: number | null }> {
    let sent = 0;
    let finished = 0;
    // Recipients a stopped process claimed and never recorded: their send may have happened.
    await db
      .updateTable('campaign_recipients')
      .set({ status: 'failed', reason: 'INTERRUPTED' })
      .where('campaign_id', '=', campaign.id)
      .where('status', '=', 'sending')
      .where('claimed_at', '<', clock() - claimLeaseMs)
      .execute();
    while (finished < budget) {
      // A pause or cancel takes effect before the next batch.
      const status = await db
        .selectFrom('campaigns')
        .select('status')
        .where('id', '=', campaign.id)
        .executeTakeFirst();
      if (status?.status !== 'running') return { sent, finished, waitMs: null };
      const batch = await claim(campaign.id, Math.min(claimBatchSize, budget - finished));
      if (batch.length === 0) {
        const done = await db
          .selectFrom('campaigns')
          .select('audience_done')
          .where('id', '=', campaign.id)
          .executeTakeFirstOrThrow();
        if (Number(done.audience_done) === 1) {
          await finishIfDone(campaign);
          return { sent, finished, waitMs: null };
        }
        await readAudience(campaign);
        continue;
      }
      // A slot of the campaign's window for each recipient, in order; those without one go back.
      let waitMs: number | null = null;
      let allowed = 0;
      for (; allowed < batch.length; allowed++) {
        const now = clock();
        const slot = await hitRateLimit(db, `campaign:${campaign.id}`, {
          limit: campaign.rate_per_second,
          windowMs: 1000,
          now,
        });
        if (!slot.allowed) {
          waitMs = Math.max(1, slot.resetAt - now);
          break;
        }
      }
      await release(
        campaign.id,
        batch.slice(allowed).map((r) => r.customer_id),
      );
      // The batch's sends run side by side (each its own short statements, no transaction held
      // across them), so a provider's or the database's round trips overlap.
      const outcomes = await Promise.all(
        batch.slice(0, allowed).map(async (recipient) => {
          const outcome = await sendOne(campaign, recipient);
          if (outcome.status === 'throttled') {
            // Nothing is held while the provider's window is closed: the recipient goes back.
            await release(campaign.id, [recipient.customer_id]);
          } else {
            await record(campaign, recipient, outcome);
          }
          return outcome;
        }),
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'throttled') {
          waitMs = waitMs === null ? outcome.waitMs : Math.min(waitMs, outcome.waitMs);
          continue;
        }
        finished += 1;
        if (outcome.status === 'sent') sent += 1;
      }
      if (waitMs !== null) return { sent, finished, waitMs };
    }
    return { sent, finished, waitMs: 0 };
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
