// The shapes of webhook endpoints, deliveries and attempts, the retry schedule and the list cursor.
import { randomBytes } from 'node:crypto';
import { AppError, idPattern } from '@helpdesk-auth/core';
import type { WebhookSender } from '../../providers/webhook-sender.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../storage/schema.ts';
import type { WebhookEvent, WebhookEventType } from './webhook-events.ts';

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

export const secretContext = (id: string) => `webhook_endpoint:${id}`;
/** A URL for the audit log: without its query string, where receivers sometimes put a token. */
export const urlForAudit = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
};
/**
 * A signing secret as Standard Webhooks has it: `whsec_` and the base64 of 32 random bytes (the
 * key). Secrets issued before carry base64url after the prefix; both sign the same way.
 */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
export const deliveryIdRegex = new RegExp(idPattern('webhookDelivery'));

export function toEndpoint(row: WebhookEndpointRow, now: number): WebhookEndpoint {
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

export function toAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    outcome: row.outcome,
    statusCode: row.status_code,
    error: row.error,
  };
}

export function toDelivery(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): WebhookDelivery {
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

export function decodeDeliveryCursor(cursor: string): string {
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
