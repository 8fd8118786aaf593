// What a campaign is: its kinds, channels, audience, texts and statuses, checked once on the way in,
// and the view the API answers with.
import { AppError } from '@helpdesk-auth/core';
import type { CampaignRow } from '../../storage/schema.ts';

export const campaignKinds = ['invitation', 'announcement'] as const;
export type CampaignKind = (typeof campaignKinds)[number];

/** `sms_else_email`: SMS where the customer has a number SMS may go to, else e-mail. */
export const campaignChannels = ['sms', 'email', 'sms_else_email'] as const;
export type CampaignChannel = (typeof campaignChannels)[number];

export const campaignStatuses = ['draft', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/** A recipient's state: created `pending`, claimed `sending` by one worker, then one of the last three. */
export type RecipientStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed';

/**
 * Who a campaign reaches. `all`: every customer of the tenant. `csv`: the customers whose external
 * ids a file listed (resolved when the campaign is created). `search`: customers matching every
 * filter given: no active device, and a language (`de` matches `de` and `de-CH`).
 */
export type Audience =
  | { kind: 'all' }
  | { kind: 'csv'; listed: number; matched: number }
  | { kind: 'search'; noDevice?: boolean; language?: string };

/** The announcement's text per language (`en`, `de`, ...) and `default`, with `{tenant}` filled in. */
export type CampaignMessages = Record<string, string>;

export const defaultRatePerSecond = 10;
export const maxRatePerSecond = 1000;
export const defaultLinkValidDays = 14;
export const maxLinkValidDays = 30;
export const maxMessageLength = 480;

/** Checks an announcement's texts as the tenant's templates are checked: one per language, `default` required. */
export function checkMessages(kind: CampaignKind, messages: CampaignMessages | undefined): CampaignMessages {
  if (kind === 'invitation') {
    if (messages && Object.keys(messages).length > 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        "An invitation uses the tenant's activation-link templates (Settings, message templates); give no messages.",
      );
    }
    return {};
  }
  if (!messages?.default?.trim()) {
    throw new AppError('VALIDATION_FAILED', 'An announcement needs a default text (messages.default).');
  }
  const out: CampaignMessages = {};
  for (const [language, text] of Object.entries(messages)) {
    if (language !== 'default' && !/^[a-z]{2,3}$/.test(language)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `messages.${language}: name a language such as en or de, or default.`,
      );
    }
    const trimmed = text.trim();
    if (!trimmed) throw new AppError('VALIDATION_FAILED', `messages.${language} is empty.`);
    if (trimmed.length > maxMessageLength) {
      throw new AppError(
        'VALIDATION_FAILED',
        `messages.${language} is longer than ${maxMessageLength} characters.`,
      );
    }
    if (/\p{Cc}/u.test(trimmed)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `messages.${language} must not contain control characters or line breaks.`,
      );
    }
    for (const match of trimmed.matchAll(/\{([^{}]*)\}/g)) {
      if (match[1] !== 'tenant') {
        throw new AppError('VALIDATION_FAILED', `messages.${language} may use {tenant}, not {${match[1]}}.`);
      }
    }
    out[language] = trimmed;
  }
  return out;
}

/** The announcement a customer of `locale` reads: their language's text, else the default. */
export function announcementText(
  messages: CampaignMessages,
  locale: string | null,
  tenantName: string,
): string {
  const language = (locale ?? '').split('-')[0]!.toLowerCase();
  const template = messages[language] ?? messages.default ?? '';
  return template.replace(/\{tenant\}/g, () => tenantName);
}

export interface Funnel {
  /** Customers in the audience so far (all of it once `audienceComplete`). */
  audience: number;
  pending: number;
  sent: number;
  delivered: number;
  opened: number;
  enrolled: number;
  skipped: number;
  failed: number;
  /** Why recipients were skipped or failed, by reason. */
  reasons: Record<string, number>;
}

export interface Campaign {
  id: string;
  name: string;
  kind: CampaignKind;
  channel: CampaignChannel;
  audience: Audience;
  messages: CampaignMessages;
  ratePerSecond: number;
  linkValidDays: number;
  status: CampaignStatus;
  audienceComplete: boolean;
  /** The audience's size: counted at creation, exact once it has been read. */
  total: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as CampaignKind,
    channel: row.channel as CampaignChannel,
    audience: JSON.parse(row.audience) as Audience,
    messages: JSON.parse(row.messages) as CampaignMessages,
    ratePerSecond: row.rate_per_second,
    linkValidDays: row.link_valid_days,
    status: row.status as CampaignStatus,
    audienceComplete: Number(row.audience_done) === 1,
    total: Number(row.audience_estimate),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}
