// Campaigns: creating one (its audience counted, or a CSV's external ids resolved), starting,
// pausing, resuming and cancelling it, its progress and funnel, and the tracked link's opening.
import { randomBytes } from 'node:crypto';
import {
  AppError,
  activationMessage,
  newId,
  notFound,
  type TenantSettings,
  tenantMessage,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { MessageProvider } from '../../providers/messages/message-provider.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import type { CampaignRow } from '../../storage/schema.ts';
import { countAudience, parseExternalIdCsv } from './audience.ts';
import {
  type Audience,
  announcementText,
  type Campaign,
  type CampaignChannel,
  type CampaignKind,
  type CampaignMessages,
  type CampaignStatus,
  checkMessages,
  defaultLinkValidDays,
  defaultRatePerSecond,
  type Funnel,
  toCampaign,
} from './model.ts';

export interface CampaignInput {
  name: string;
  kind: CampaignKind;
  channel: CampaignChannel;
  audience:
    | { kind: 'all' }
    | { kind: 'csv'; csv: string }
    | { kind: 'search'; noDevice?: boolean | undefined; language?: string | undefined };
  messages?: CampaignMessages | undefined;
  ratePerSecond?: number | undefined;
  linkValidDays?: number | undefined;
}

/** External ids of a CSV that matched no customer, the first few with their lines. */
export interface Unmatched {
  count: number;
  first: Array<{ line: number; externalId: string }>;
}

/** Rows written per statement and per transaction when an audience is read or a CSV resolved. */
export const audienceBatchSize = 500;

/** The tracked link's token: 128 random bits, naming one recipient row and nothing else. */
export function newLinkToken(): string {
  return randomBytes(16).toString('base64url');
}

export const actorKey = (actor: Actor): string => (actor.id ? `${actor.type}:${actor.id}` : actor.type);

/** Which statuses a change may start from, and where it leads. */
const transitions: Record<
  'start' | 'pause' | 'resume' | 'cancel',
  { from: CampaignStatus[]; to: CampaignStatus }
> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['draft', 'running', 'paused'], to: 'cancelled' },
};

export async function campaignRow(db: Db, tenantId: string, id: string): Promise<CampaignRow> {
  const row = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Campaign');
  return row;
}

/** The funnel, counted from the recipient rows (and the devices enrolled since each invitation). */
export async function campaignFunnel(db: Db, tenantId: string, campaignId: string): Promise<Funnel> {
  const byStatus = await db
    .selectFrom('campaign_recipients')
    .select((eb) => [
      'status',
      'reason',
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.count<number | string>('delivered_at').as('delivered'),
      eb.fn.count<number | string>('opened_at').as('opened'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('tenant_id', '=', tenantId)
    .groupBy(['status', 'reason'])
    .execute();
  const funnel: Funnel = {
    audience: 0,
    pending: 0,
    sent: 0,
    delivered: 0,
    opened: 0,
    enrolled: 0,
    skipped: 0,
    failed: 0,
    reasons: {},
  };
  for (const row of byStatus) {
    const n = Number(row.n);
    funnel.audience += n;
    if (row.status === 'pending' || row.status === 'sending') funnel.pending += n;
    else if (row.status === 'sent') {
      funnel.sent += n;
      funnel.delivered += Number(row.delivered);
      funnel.opened += Number(row.opened);
    } else if (row.status === 'skipped') funnel.skipped += n;
    else if (row.status === 'failed') funnel.failed += n;
    if (row.reason) funnel.reasons[row.reason] = (funnel.reasons[row.reason] ?? 0) + n;
  }
  if (funnel.sent > 0) {
    const enrolled = await db
      .selectFrom('campaign_recipients as r')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('r.campaign_id', '=', campaignId)
      .where('r.tenant_id', '=', tenantId)
      .where('r.status', '=', 'sent')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('devices as d')
            .select('d.id')
            .whereRef('d.customer_id', '=', 'r.customer_id')
            .whereRef('d.tenant_id', '=', 'r.tenant_id')
            .whereRef('d.created_at', '>=', 'r.sent_at'),
        ),
      )
      .executeTakeFirstOrThrow();
    funnel.enrolled = Number(enrolled.n);
  }
  return funnel;
}

export function createCampaignService(
  context: ServiceContext,
  deps: { providers: Partial<Record<'sms' | 'email', MessageProvider>> },
) {
  const { db, clock } = context;

  function checkChannel(channel: CampaignChannel) {
    const usable =
      channel === 'sms_else_email' ? deps.providers.sms || deps.providers.email : deps.providers[channel];
    if (!usable) {
      throw new AppError(
        'CHANNEL_UNAVAILABLE',
        `This server has no ${channel === 'email' ? 'e-mail' : 'SMS'} provider configured.`,
        { details: { reason: 'PROVIDER_NOT_CONFIGURED' } },
      );
    }
  }

  /** Resolves a CSV's external ids to the tenant's customers and writes them as recipients, a batch per transaction. */
  async function writeCsvAudience(
    tenantId: string,
    campaignId: string,
    kind: CampaignKind,
    csv: string,
  ): Promise<{ listed: number; matched: number; unmatched: Unmatched }> {
    const listed = parseExternalIdCsv(csv);
    const unmatched: Unmatched = { count: 0, first: [] };
    for (let start = 0; start < listed.length; start += audienceBatchSize) {
      const chunk = listed.slice(start, start + audienceBatchSize);
      const rows = await db
        .selectFrom('customers')
        .select(['id', 'external_id'])
        .where('tenant_id', '=', tenantId)
        .where(
          'external_id',
          'in',
          chunk.map((c) => c.externalId),
        )
        .execute();
      const byExternalId = new Map(rows.map((r) => [r.external_id, r.id]));
      for (const entry of chunk) {
        if (!byExternalId.has(entry.externalId)) {
          unmatched.count += 1;
          if (unmatched.first.length < 20) unmatched.first.push(entry);
        }
      }
      if (rows.length > 0) {
        await db
          .insertInto('campaign_recipients')
          .values(
            rows.map((r) => ({
              campaign_id: campaignId,
              customer_id: r.id,
              tenant_id: tenantId,
              status: 'pending',
              link_token: kind === 'invitation' ? newLinkToken() : null,
            })),
          )
          .onConflict((oc) => oc.columns(['campaign_id', 'customer_id']).doNothing())
          .execute();
      }
    }
    const matched = await db
      .selectFrom('campaign_recipients')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    return { listed: listed.length, matched: Number(matched.n), unmatched };
  }

  const service = {
    async create(
      tenantId: string,
      input: CampaignInput,
      actor: Actor,
    ): Promise<{ campaign: Campaign; unmatched?: Unmatched }> {
      const name = input.name.trim().replace(/\s+/g, ' ');
      if (!name) throw new AppError('VALIDATION_FAILED', 'A campaign needs a name.');
      const messages = checkMessages(input.kind, input.messages);
      checkChannel(input.channel);
      const now = clock();
      const id = newId('campaign', now);
      let audience: Audience =
        input.audience.kind === 'search'
          ? {
              kind: 'search',
              ...(input.audience.noDevice ? { noDevice: true } : {}),
              ...(input.audience.language ? { language: input.audience.language.toLowerCase() } : {}),
            }
          : input.audience.kind === 'all'
            ? { kind: 'all' }
            : { kind: 'csv', listed: 0, matched: 0 };
      const estimate = audience.kind === 'csv' ? 0 : await countAudience(db, tenantId, audience);
      const row: CampaignRow = {
        id,
        tenant_id: tenantId,
        name,
        kind: input.kind,
        channel: input.channel,
        audience: JSON.stringify(audience),
        messages: JSON.stringify(messages),
        rate_per_second: input.ratePerSecond ?? defaultRatePerSecond,
        link_valid_days: input.linkValidDays ?? defaultLinkValidDays,
        status: 'draft',
        audience_cursor: null,
        audience_done: audience.kind === 'csv' ? 1 : 0,
        audience_estimate: estimate,
        created_by: actorKey(actor),
        created_at: now,
        updated_at: now,
        started_at: null,
        finished_at: null,
      };
      // A CSV is parsed before anything is written: a file that is not CSV leaves no campaign.
      if (input.audience.kind === 'csv') parseExternalIdCsv(input.audience.csv);
      await db.insertInto('campaigns').values(row).execute();
      let unmatched: Unmatched | undefined;
      if (input.audience.kind === 'csv') {
        const resolved = await writeCsvAudience(tenantId, id, input.kind, input.audience.csv);
        unmatched = resolved.unmatched;
        audience = { kind: 'csv', listed: resolved.listed, matched: resolved.matched };
        row.audience = JSON.stringify(audience);
        row.audience_estimate = resolved.matched;
        await db
          .updateTable('campaigns')
          .set({ audience: row.audience, audience_estimate: resolved.matched })
          .where('id', '=', id)
          .execute();
      }
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor,
          action: 'campaign.created',
          target: { type: 'campaign', id },
          data: {
            name,
            kind: input.kind,
            channel: input.channel,
            audience,
            total: row.audience_estimate,
            ratePerSecond: row.rate_per_second,
          },
          now,
        }),
      );
      return { campaign: toCampaign(row), ...(unmatched ? { unmatched } : {}) };
    },

    async list(tenantId: string, options: { limit: number; after?: string | undefined }) {
      let query = db.selectFrom('campaigns').selectAll().where('tenant_id', '=', tenantId);
      if (options.after) query = query.where('id', '<', options.after);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(options.limit + 1)
        .execute();
      const page = rows.slice(0, options.limit).map(toCampaign);
      return { campaigns: page, nextCursor: rows.length > options.limit ? page.at(-1)!.id : null };
    },

    async get(tenantId: string, id: string): Promise<{ campaign: Campaign; funnel: Funnel }> {
      const campaign = toCampaign(await campaignRow(db, tenantId, id));
      const funnel = await campaignFunnel(db, tenantId, id);
      // Until the audience has been read, its size is the count taken at creation (the audience may
      // have grown or shrunk since); once read, it is the recipients written.
      if (campaign.audienceComplete) campaign.total = funnel.audience;
      else campaign.total = Math.max(campaign.total, funnel.audience);
      return { campaign, funnel };
    },

    /** start, pause, resume or cancel: a compare-and-set of the status, so two admins cannot both move it. */
    async change(
      tenantId: string,
      id: string,
      change: keyof typeof transitions,
      actor: Actor,
    ): Promise<{ campaign: Campaign; funnel: Funnel }> {
      const { from, to } = transitions[change];
      const now = clock();
      const moved = await inTransaction(db, async (tx) => {
        const current = await campaignRow(tx, tenantId, id);
        const result = await tx
          .updateTable('campaigns')
          .set({
            status: to,
            updated_at: now,
            ...(change === 'start' ? { started_at: now } : {}),
            ...(change === 'cancel' ? { finished_at: now } : {}),
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .where('status', 'in', from)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return current.status;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: `campaign.${change === 'start' ? 'started' : change === 'pause' ? 'paused' : change === 'resume' ? 'resumed' : 'cancelled'}`,
          target: { type: 'campaign', id },
          data: { from: current.status, to },
          now,
        });
        return null;
      });
      if (moved !== null) {
        throw new AppError('CONFLICT', `A campaign that is ${moved} cannot be ${pastTense[change]}.`, {
          details: { reason: `CAMPAIGN_${moved.toUpperCase()}` },
        });
      }
      return service.get(tenantId, id);
    },

    /** The message a customer of each language would get, with a sample link in place of a real one. */
    async preview(
      tenantId: string,
      input: {
        kind: CampaignKind;
        messages?: CampaignMessages | undefined;
        languages: string[];
        linkValidDays?: number | undefined;
      },
    ): Promise<Array<{ language: string; subject: string | null; text: string }>> {
      const messages = checkMessages(input.kind, input.messages);
      const tenant = await db
        .selectFrom('tenants')
        .select(['name', 'settings'])
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const templates = (JSON.parse(tenant.settings) as TenantSettings).messageTemplates;
      const link = `${new URL(context.config.publicUrl).origin}/v1/campaign-links/…`;
      return input.languages.map((language) => {
        if (input.kind === 'announcement') {
          return { language, subject: tenant.name, text: announcementText(messages, language, tenant.name) };
        }
        const builtIn = activationMessage({
          tenantName: tenant.name,
          link,
          locale: language,
          validDays: input.linkValidDays ?? defaultLinkValidDays,
        });
        const own = tenantMessage('activationLink', {
          locale: language,
          templates,
          values: { tenant: tenant.name, link },
        });
        return { language, subject: builtIn.subject, text: own ?? builtIn.text };
      });
    },

    /**
     * The customer opened the tracked link of an invitation: the first opening is recorded. Unknown
     * tokens are answered the same way, so the link reveals nothing about other recipients.
     */
    async recordOpen(token: string): Promise<void> {
      await db
        .updateTable('campaign_recipients')
        .set({ opened_at: clock() })
        .where('link_token', '=', token)
        .where('opened_at', 'is', null)
        .execute();
    },

    /** A provider's delivery report for a campaign message (Twilio status callback, Vonage receipt). */
    async recordDeliveryStatus(
      provider: string,
      providerMessageId: string,
      status: string,
    ): Promise<boolean> {
      if (status !== 'delivered') return false;
      const result = await db
        .updateTable('campaign_recipients')
        .set({ delivered_at: clock() })
        .where('provider', '=', provider)
        .where('provider_message_id', '=', providerMessageId)
        .where('delivered_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
  return service;
}

const pastTense = { start: 'started', pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;

export type CampaignService = ReturnType<typeof createCampaignService>;
