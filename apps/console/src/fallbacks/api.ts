/**
 * The operator API for fallback methods, the verification policy and webhooks (docs/fallbacks.md,
 * docs/policy.md, docs/integrations/rest-and-webhooks.md). Errors keep the server's `details`
 * (tries left, the reason a method is unavailable), which these screens need.
 */
import {
  type UnavailableReason as ReasonCodeOfCore,
  unavailableReasons,
  type VerificationMethod,
} from '../../../../packages/core/src/policy.ts';
import type { AssuranceLevel } from '../../../../packages/core/src/verification.ts';
import { webhookEventTypes } from '../../../../packages/core/src/webhook-events.ts';
import { ApiError } from '../api/client.ts';
import type { ErrorCode } from '../api/types.ts';

// The same lists the server validates against, from core (browser-safe), never copied.
export type Assurance = AssuranceLevel;
export type MethodName = VerificationMethod;
export const reasonCodes = unavailableReasons;
export type ReasonCode = ReasonCodeOfCore;

export interface UnavailableReason {
  code: ReasonCode;
  message: string;
  until: string | null;
}

export interface MethodOption {
  method: MethodName;
  rank: number;
  assurance: Assurance;
  available: boolean;
  reasons: UnavailableReason[];
}

export interface CustomerMethods {
  action: string;
  requiredAssurance: Assurance;
  highRisk: boolean;
  recommended: MethodName | null;
  methods: MethodOption[];
}

export interface OtpChallenge {
  id: string;
  customerId: string;
  channel: 'sms' | 'email';
  method: 'sms_otp' | 'email_otp';
  action: string;
  delivery: 'read_to_agent' | 'customer_link';
  status: 'pending' | 'verified' | 'failed' | 'expired' | 'cancelled';
  destination: string;
  attemptsLeft: number;
  maxAttempts: number;
  resendsLeft: number;
  resendAvailableAt: string | null;
  assurance: Assurance;
  expiresAt: string;
  createdAt: string;
  finishedAt: string | null;
  deliveries: { id: string; provider: string; status: string; detail: string | null }[];
}

export interface FallbackResult {
  method: 'totp' | 'security_questions' | 'app_code';
  action: string;
  result: 'passed';
  assurance: Assurance;
  verifiedAt: string;
}

export interface SecurityQuestions {
  questions: { id: string; position: number; question: string }[];
  ask: number;
  required: number;
}

export interface PolicyVersion {
  version: number;
  policy: Record<string, unknown>;
  updatedAt: string | null;
  updatedBy: { type: string; id: string | null } | null;
}

export interface PolicyVersionSummary {
  version: number;
  updatedAt: string;
  updatedBy: { type: string; id: string | null };
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookAttempt {
  attempt: number;
  startedAt: string;
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
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  createdAt: string;
  completedAt: string | null;
}

export { webhookEventTypes };

/** An API error with the server's `error.details` (attemptsLeft, reason, problems, ...). */
export class DetailedApiError extends ApiError {
  readonly details: Record<string, unknown>;
  constructor(
    code: ErrorCode | 'NETWORK',
    status: number,
    message: string,
    retryAfterSeconds: number | null,
    details: Record<string, unknown>,
  ) {
    super(code, status, message, retryAfterSeconds);
    this.details = details;
  }
}

export function detailNumber(error: unknown, name: string): number | null {
  if (!(error instanceof DetailedApiError)) return null;
  const value = error.details[name];
  return typeof value === 'number' ? value : null;
}

export function detailString(error: unknown, name: string): string | null {
  if (!(error instanceof DetailedApiError)) return null;
  const value = error.details[name];
  return typeof value === 'string' ? value : null;
}

/** Requests with the session cookie and its CSRF token. */
export function createFallbackApi(csrfToken: string) {
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
      throw new DetailedApiError('NETWORK', 0, 'The server cannot be reached.', null, {});
    }
    if (!response.ok) {
      const retry = response.headers.get('retry-after');
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
      throw new DetailedApiError(code, response.status, message, retry ? Number(retry) : null, details);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  const id = encodeURIComponent;

  return {
    methods: (customerId: string, action: string) =>
      json<CustomerMethods>(
        'GET',
        `/v1/customers/${id(customerId)}/methods?action=${encodeURIComponent(action)}`,
      ),
    startOtp: (customerId: string, channel: 'sms' | 'email', action: string) =>
      json<OtpChallenge>('POST', '/v1/otp-challenges', { customerId, channel, action }),
    getOtp: (challengeId: string) => json<OtpChallenge>('GET', `/v1/otp-challenges/${id(challengeId)}`),
    verifyOtp: (challengeId: string, code: string) =>
      json<OtpChallenge>('POST', `/v1/otp-challenges/${id(challengeId)}/verify`, { code }),
    resendOtp: (challengeId: string) =>
      json<OtpChallenge>('POST', `/v1/otp-challenges/${id(challengeId)}/resend`),
    cancelOtp: (challengeId: string) =>
      json<OtpChallenge>('POST', `/v1/otp-challenges/${id(challengeId)}/cancel`),
    verifyTotp: (customerId: string, code: string, action: string) =>
      json<FallbackResult>('POST', `/v1/customers/${id(customerId)}/totp/verify`, { code, action }),
    verifyAppCode: (customerId: string, code: string, action: string) =>
      json<FallbackResult>('POST', `/v1/customers/${id(customerId)}/app-code/verify`, { code, action }),
    securityQuestions: (customerId: string) =>
      json<SecurityQuestions>('GET', `/v1/customers/${id(customerId)}/security-questions`),
    checkSecurityQuestions: (
      customerId: string,
      action: string,
      answers: { questionId: string; answer: string }[],
    ) =>
      json<FallbackResult>('POST', `/v1/customers/${id(customerId)}/security-questions/check`, {
        action,
        answers,
      }),

    policy: (version?: number) =>
      json<PolicyVersion>('GET', version === undefined ? '/v1/policy' : `/v1/policy?version=${version}`),
    policyVersions: () => json<{ versions: PolicyVersionSummary[] }>('GET', '/v1/policy/versions'),
    validatePolicy: (policy: unknown) =>
      json<{ valid: boolean; problems: string[] }>('POST', '/v1/policy/validate', { policy }),
    savePolicy: (policy: unknown, expectedVersion: number) =>
      json<PolicyVersion>('PUT', '/v1/policy', { policy, expectedVersion }),

    webhooks: () => json<{ items: WebhookEndpoint[] }>('GET', '/v1/webhooks'),
    createWebhook: (input: { url: string; events: string[]; description: string | null }) =>
      json<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/v1/webhooks', input),
    updateWebhook: (endpointId: string, patch: { events?: string[]; enabled?: boolean }) =>
      json<WebhookEndpoint>('PATCH', `/v1/webhooks/${id(endpointId)}`, patch),
    rotateWebhookSecret: (endpointId: string) =>
      json<{ endpoint: WebhookEndpoint; secret: string }>(
        'POST',
        `/v1/webhooks/${id(endpointId)}/rotate-secret`,
      ),
    testWebhook: (endpointId: string) => json<WebhookDelivery>('POST', `/v1/webhooks/${id(endpointId)}/test`),
    webhookDeliveries: (endpointId: string) =>
      json<{ items: WebhookDelivery[]; nextCursor: string | null }>(
        'GET',
        `/v1/webhooks/${id(endpointId)}/deliveries?limit=20`,
      ),
    redeliverWebhook: (endpointId: string, deliveryId: string) =>
      json<WebhookDelivery>('POST', `/v1/webhooks/${id(endpointId)}/deliveries/${id(deliveryId)}/redeliver`),
  };
}

export type FallbackApi = ReturnType<typeof createFallbackApi>;
