// What every push channel does: send, and answer accepted, gone or failed.
import type { CustomerNotificationEvent } from '@helpdesk-auth/core';

/**
 * The vocabulary every push channel shares, so the verification flow can treat Web Push and any
 * later vendor channel the same way: send, then act on one of three outcomes.
 */

/**
 * What a push carries: identifiers only. The device fetches the verification over its own
 * authenticated channel (docs/device-protocol.md, "Push"), so a push service, which can read
 * metadata and must be assumed to keep it, never learns who is being verified or why.
 */
export type PushMessage =
  | { type: 'verification'; id: string }
  /**
   * An outbound call notice (docs/call-notices.md): the device fetches and verifies the signed
   * notice by its id, so the push names neither the caller nor the reason.
   */
  | { type: 'call_notice'; id: string }
  /**
   * A customer notification (docs/fallbacks.md): which event and when, in seconds. The device
   * writes the sentence itself, in its own language, so the message names nobody.
   */
  | { type: 'notice'; event: CustomerNotificationEvent; at: number }
  /** An administrator's test of the device's push channel (when, in seconds); nothing to act on. */
  | { type: 'test'; at: number };

export interface PushOptions {
  /** How long the push service may hold the message for an offline device (RFC 8030 section 5.2). */
  ttlSeconds: number;
  /** Delivery priority, which the device weighs against battery (RFC 8030 section 5.3). */
  urgency: 'very-low' | 'low' | 'normal' | 'high';
  /** Replaces a still-undelivered message with the same topic (RFC 8030 section 5.4). */
  topic?: string;
}

/**
 * `gone`: the subscription no longer exists (404 or 410, RFC 8030 section 7.3) and the caller must
 * delete it; retrying can never succeed. `failed`: this attempt did not work (`status` is null when
 * no HTTP answer came back); `reason` is short text safe to log, never the endpoint or payload.
 */
export type PushResult =
  | { outcome: 'accepted'; status: number }
  | { outcome: 'gone'; status: number }
  | { outcome: 'failed'; status: number | null; reason: string };

export interface PushProvider<Target> {
  readonly kind: string;
  /** Resolves with the outcome for every delivery problem; rejects only for programming errors. */
  send(target: Target, message: PushMessage, options: PushOptions): Promise<PushResult>;
}
