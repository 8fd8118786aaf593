// The operator API for rollout campaigns (docs/campaigns.md): list, create, read with the funnel,
// start, pause, resume, cancel, and the message preview.
import { ApiError } from '../api/client.ts';
import type { ErrorCode } from '../api/types.ts';

export type CampaignKind = 'invitation' | 'announcement';
export type CampaignChannel = 'sms' | 'email' | 'sms_else_email';
export type CampaignStatus = 'draft' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface Campaign {
  id: string;
  name: string;
  kind: CampaignKind;
  channel: CampaignChannel;
  audience: {
    kind: 'all' | 'csv' | 'search';
    listed?: number;
    matched?: number;
    noDevice?: boolean;
    language?: string;
  };
  messages: Record<string, string>;
  ratePerSecond: number;
  linkValidDays: number;
  status: CampaignStatus;
  audienceComplete: boolean;
  total: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Funnel {
  audience: number;
  pending: number;
  sent: number;
  delivered: number;
  opened: number;
  enrolled: number;
  skipped: number;
  failed: number;
  reasons: Record<string, number>;
}

export interface CampaignDetail {
  campaign: Campaign;
  funnel: Funnel;
  progress: { done: number; total: number; percent: number };
  unmatched?: { count: number; first: Array<{ line: number; externalId: string }> };
}

export interface CampaignInput {
  name: string;
  kind: CampaignKind;
  channel: CampaignChannel;
  audience:
    | { kind: 'all' }
    | { kind: 'csv'; csv: string }
    | { kind: 'search'; noDevice?: boolean; language?: string };
  messages?: Record<string, string>;
  ratePerSecond?: number;
  linkValidDays?: number;
}

export type CampaignChange = 'start' | 'pause' | 'resume' | 'cancel';

/** Requests with the session cookie and its CSRF token; errors keep the server's code. */
export function createCampaignApi(csrfToken: string) {
  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError('NETWORK', 0, 'The server cannot be reached.', null);
    }
    if (!response.ok) {
      let code: ErrorCode = 'INTERNAL';
      let message = `HTTP ${response.status}`;
      let details: Record<string, unknown> = {};
      try {
        const parsed = (await response.json()) as {
          error?: { code?: ErrorCode; message?: string; details?: Record<string, unknown> };
        };
        if (parsed.error?.code) code = parsed.error.code;
        if (parsed.error?.message) message = parsed.error.message;
        if (parsed.error?.details) details = parsed.error.details;
      } catch {
        // Not our error shape: keep INTERNAL.
      }
      const retry = response.headers.get('retry-after');
      throw new ApiError(code, response.status, message, retry ? Number(retry) : null, details);
    }
    return (await response.json()) as T;
  }
  const id = encodeURIComponent;
  return {
    list: () => json<{ items: Campaign[]; nextCursor: string | null }>('GET', '/v1/campaigns?limit=100'),
    get: (campaignId: string) => json<CampaignDetail>('GET', `/v1/campaigns/${id(campaignId)}`),
    create: (input: CampaignInput) => json<CampaignDetail>('POST', '/v1/campaigns', input),
    change: (campaignId: string, change: CampaignChange) =>
      json<CampaignDetail>('POST', `/v1/campaigns/${id(campaignId)}/${change}`, {}),
    preview: (
      kind: CampaignKind,
      languages: string[],
      options: { messages?: Record<string, string>; linkValidDays?: number },
    ) =>
      json<{ previews: Array<{ language: string; subject: string | null; text: string }> }>(
        'POST',
        '/v1/campaigns/preview',
        { kind, languages, ...options },
      ),
  };
}

export type CampaignApi = ReturnType<typeof createCampaignApi>;
