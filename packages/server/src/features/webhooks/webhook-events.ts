// Webhook event types, and the events an audit entry becomes.
import { createHash } from 'node:crypto';
import { crockfordBase32, type WebhookEventType, webhookEventTypes } from '@helpdesk-auth/core';
import type { AuditEventRow } from '../../storage/schema.ts';

/**
 * Webhook event types, and how an audit entry becomes the events a receiver gets. The audit log
 * is the outbox, so this mapping is the whole contract between the product's state changes and
 * its webhooks. Payloads carry identifiers, statuses and times, never codes, secrets, the
 * reason or action summary (free text that may hold personal data), names or phone numbers:
 * a receiver that needs more asks the API with the ids.
 */
export { type WebhookEventType, webhookEventTypes };

/**
 * Sent only by `POST /v1/webhooks/{id}/test`, whatever the endpoint subscribes to; it is among
 * the event types an endpoint may subscribe to (alone, for an endpoint that gets only tests).
 */
export const testEventType = 'webhook.test' satisfies WebhookEventType;

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** ISO 8601 time of the change. */
  createdAt: string;
  tenantId: string;
  data: Record<string, unknown>;
}

/**
 * Event ids come from the audit entry, so the same change has the same id at every endpoint and
 * on every attempt (receivers de-duplicate on it). An entry that yields a second event (a fraud
 * report is also news about the customer) gets a second id with the same time part.
 */
function eventId(auditId: string, type: string, primary: boolean): string {
  const body = auditId.slice(auditId.indexOf('_') + 1);
  if (primary) return `evt_${body}`;
  const digest = createHash('sha256').update(`${auditId}:${type}`).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += crockfordBase32[digest[i]! % 32];
  return `evt_${body.slice(0, 10)}${random}`;
}

const pick = (data: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => data[k] !== undefined && data[k] !== null).map((k) => [k, data[k]]));

/** The events an audit entry stands for; most entries stand for none. */
export function eventsForAuditEntry(row: AuditEventRow): WebhookEvent[] {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  // Practice (features/practice/) is audited, but nothing a receiver acts on: no events at all.
  if (data.practice === true) return [];
  const base = { createdAt: new Date(row.occurred_at).toISOString(), tenantId: row.tenant_id };
  const event = (type: WebhookEventType, payload: Record<string, unknown>, primary = true): WebhookEvent => ({
    id: eventId(row.id, type, primary),
    type,
    ...base,
    data: payload,
  });
  const [kind, what] = row.action.split('.', 2) as [string, string];
  if (kind === 'verification' && row.target_id) {
    const status = what;
    if (!(webhookEventTypes as readonly string[]).includes(row.action)) return [];
    const payload = {
      verificationId: row.target_id,
      status: status === 'started' ? 'pending' : status,
      ...pick(data, [
        'customerId',
        'method',
        // The policy action a fallback method's check was for (features/methods/outcomes.ts).
        'action',
        'purpose',
        'callReference',
        'deviceId',
        'assurance',
        'supersededBy',
      ]),
    };
    const events = [event(row.action as WebhookEventType, payload)];
    if (status === 'fraud_reported') {
      events.push(
        event(
          'customer.fraud_reported',
          { customerId: data.customerId, verificationId: row.target_id, ...pick(data, ['deviceId']) },
          false,
        ),
      );
    }
    return events;
  }
  // Outbound call notices (docs/call-notices.md): the notice's id, the customer, and how it
  // went; never the code, the reason or the numbers.
  if (kind === 'call' && row.target_id) {
    if (row.action === 'call.reported') {
      const report = { reportId: row.target_id, ...pick(data, ['customerId', 'noticeId', 'deviceId']) };
      return [
        event('call.reported', report),
        event(
          'customer.fraud_reported',
          {
            customerId: data.customerId,
            callReportId: row.target_id,
            ...pick(data, ['noticeId', 'deviceId']),
          },
          false,
        ),
      ];
    }
    if (!(webhookEventTypes as readonly string[]).includes(row.action)) return [];
    return [
      event(row.action as WebhookEventType, {
        noticeId: row.target_id,
        ...pick(data, ['customerId', 'mode', 'expiresAt', 'deviceId', 'by']),
      }),
    ];
  }
  if (row.action === 'device.enrolled' && row.target_id) {
    return [event('device.enrolled', { deviceId: row.target_id, ...pick(data, ['customerId', 'platform']) })];
  }
  // A method locked for the customer. Security questions lock after too many wrong answers; the
  // push lock follows from fraud reports and denials and is computed when a request starts, so it
  // has no entry of its own (customer.fraud_reported is the news that causes it).
  if (row.action === 'security_questions.locked' && row.target_id) {
    return [event('customer.locked', { customerId: row.target_id, method: 'security_questions' })];
  }
  const unlocked: Record<string, string> = {
    'customer.push_lock_cleared': 'push',
    'customer.security_questions_unlocked': 'security_questions',
  };
  if (unlocked[row.action] && row.target_id) {
    return [event('customer.unlocked', { customerId: row.target_id, method: unlocked[row.action] })];
  }
  // The fraud queue (features/fraud-cases): the case's id, its customer and what changed; a note's
  // text stays in the console and the audit log.
  if (
    kind === 'fraud_case' &&
    row.target_id &&
    (webhookEventTypes as readonly string[]).includes(row.action)
  ) {
    return [
      event(row.action as WebhookEventType, {
        caseId: row.target_id,
        ...pick(data, [
          'customerId',
          'signalKind',
          'sourceId',
          'assigneeId',
          'noteId',
          'resolution',
          'pushLock',
          'questionsLock',
        ]),
      }),
    ];
  }
  if (row.action === 'device.revoked' && row.target_id) {
    return [event('device.revoked', { deviceId: row.target_id, ...pick(data, ['customerId', 'bySelf']) })];
  }
  return [];
}
