// A push verification's shapes and the small rules every step shares: its events, its view,
// the decision proofs, the index that keeps one request pending.
import {
  type AssuranceLevel,
  type FinalVerificationStatus,
  jwsTypes,
  type VerificationMethod,
  type VerificationPurpose,
  type VerificationStatus,
} from '@helpdesk-auth/core';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

export const requestType = jwsTypes.request;
export const decisionType = jwsTypes.decision;

/** What happened to a verification, in order: its timeline, and the names of its live events. */
export type VerificationEventType =
  | 'started'
  | 'sent'
  | 'delivered'
  | 'unreachable'
  | 'opened'
  | 'wrong_code'
  | FinalVerificationStatus;

export interface VerificationEvent {
  type: VerificationEventType;
  deviceId: string | null;
  channel: string | null;
  detail: string | null;
  at: number;
}

/** Best news about delivery so far, for the agent: did it reach a device? */
export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';

export interface Verification {
  id: string;
  customerId: string;
  /** Push, or the fallback method whose check this records (features/methods/outcomes.ts). */
  method: VerificationMethod;
  /** The policy action a fallback method's check was for; null for push. */
  action: string | null;
  purpose: VerificationPurpose;
  reason: string;
  actionSummary: string | null;
  callReference: string | null;
  status: VerificationStatus;
  /** The code the agent reads out; only while pending. */
  code: string | null;
  codeLength: number;
  failedAttempts: number;
  maxAttempts: number;
  startedBy: { type: string; id: string | null; name: string };
  createdAt: number;
  expiresAt: number;
  finishedAt: number | null;
  decidedByDeviceId: string | null;
  assurance: AssuranceLevel | null;
  delivery: DeliveryState;
}

export interface StartVerificationInput {
  customerId: string;
  purpose: VerificationPurpose;
  /** Shown on the phone; when not given, the tenant's default in the customer's language. */
  reason?: string | null | undefined;
  /**
   * A sign-in request's requester (a CIBA client, a Keycloak realm): without a reason, the default
   * is the sign-in reason naming it, in the customer's language.
   */
  requestedBy?: string | undefined;
  actionSummary?: string | null | undefined;
  callReference?: string | null | undefined;
  /** The agent's name shown on the device: the operator's own, or what an integration gives. */
  agentName: string;
}

export interface VerificationFilter {
  customerId?: string | undefined;
  method?: VerificationMethod | undefined;
  status?: VerificationStatus | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  limit: number;
  /** Id of the last verification of the previous page (pages run newest first). */
  before?: string | undefined;
}

/** What proves a decision: the device key's signature, or a WebAuthn assertion over the same payload. */
export type DecisionProof =
  | { signedDecision: string }
  | {
      decision: { decision: string; code: string | null; nonce: string; iat: number };
      webauthn: AuthenticationResponseJSON;
    };

export const codeContext = (id: string) => `verification-code:${id}`;

export function deliveryState(events: Pick<VerificationEvent, 'type'>[]): DeliveryState {
  const types = new Set(events.map((e) => e.type));
  if (types.has('opened')) return 'opened';
  if (types.has('delivered')) return 'delivered';
  if (types.has('sent')) return 'sent';
  if (types.has('unreachable')) return 'unreachable';
  return 'pending';
}

/** The index that holds at most one pending verification per customer (migration 0010). */
export const onePendingPerCustomer = {
  index: 'verifications_pending',
  table: 'verifications',
  columns: ['tenant_id', 'customer_id'],
} as const;
