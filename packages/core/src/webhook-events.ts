/**
 * The webhook event types a receiver can subscribe to, shared by the server (which turns audit
 * entries into these events, features/webhooks/webhook-events.ts) and the console (which offers them).
 */
export const webhookEventTypes = [
  'verification.started',
  'verification.approved',
  'verification.denied',
  'verification.fraud_reported',
  'verification.expired',
  'verification.cancelled',
  'verification.failed',
  'device.enrolled',
  'device.revoked',
  'customer.fraud_reported',
  'customer.locked',
  'customer.unlocked',
  // Outbound call notices (docs/call-notices.md).
  'call.started',
  'call.confirmed',
  'call.mismatch',
  'call.ended',
  'call.expired',
  'call.reported',
  // The fraud queue (docs/fraud-queue.md): a case opened, another signal added to an open case,
  // assigned, a note added, resolved.
  'fraud_case.opened',
  'fraud_case.signal_added',
  'fraud_case.assigned',
  'fraud_case.noted',
  'fraud_case.resolved',
  // Sent only by `POST /v1/webhooks/{id}/test`, to that endpoint, whether it subscribes or not;
  // an endpoint may subscribe to it alone, to receive nothing but tests while it is set up.
  'webhook.test',
] as const;

export type WebhookEventType = (typeof webhookEventTypes)[number];
