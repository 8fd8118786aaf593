// Type-only imports of the domain's shared vocabulary (the core package's entry also pulls in
// Node-only modules, so the two files are named directly).
import type { ErrorCode } from '../../../../packages/core/src/errors.ts';
import type { Permission, Role } from '../../../../packages/core/src/permissions.ts';
import type { VerificationMethod } from '../../../../packages/core/src/policy.ts';

/** The API's shapes, as docs/api.md and /openapi.json describe them. */
export type { ErrorCode, Permission, Role };

export interface Session {
  operator: Operator;
  tenant: { slug: string; name: string };
  permissions: Permission[];
  csrfToken: string;
  expiresAt: string;
  /** What the session must do before anything else: the second factor, or setting one up. */
  pendingStep: 'second_factor' | 'second_factor_enrolment' | null;
}

export interface Operator {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  status: 'active' | 'disabled';
  createdAt: string;
  lastSignInAt: string | null;
  /** The password was generated for the operator; the console asks for their own first. */
  passwordChangeRequired: boolean;
  /** The team the operator works in (supervisor analytics group agents by it). */
  team?: string | null;
}

export interface Customer {
  id: string;
  externalId: string | null;
  displayName: string;
  phone: string | null;
  phoneChangedAt: string | null;
  email: string | null;
  locale: string | null;
  fraudReportedAt: string | null;
  /** When that report was resolved; the report is open while this is null. */
  fraudResolvedAt: string | null;
  /** The customer asked to receive no campaign messages (docs/campaigns.md). */
  campaignOptOut: boolean;
  createdAt: string;
  updatedAt: string;
  /** A made-up customer of the practice space: every screen showing it says so. */
  practice: boolean;
}

/** What an operator gives for a new customer; the server normalises phone, e-mail and locale. */
export interface CustomerInput {
  displayName: string;
  externalId?: string;
  phone?: string;
  email?: string;
  locale?: string;
  campaignOptOut?: boolean;
}

/** The answer to one part of a CSV import; `line` counts from the part's header (line 1). */
export interface ImportSummary {
  total: number;
  created: number;
  updated: number;
  failed: number;
  errors: { line: number; code: string; message: string }[];
}

/** An authenticator-app set-up: the secret is shown this once. */
export interface TotpEnrollment {
  enrollmentId: string;
  secret: string;
  otpauthUri: string;
  algorithm: string;
  digits: number;
  period: number;
}

export interface Device {
  id: string;
  customerId: string;
  label: string;
  platform: string;
  status: 'active' | 'revoked';
  push: PushKind | null;
  createdAt: string;
  lastSeenAt: string;
  revokedAt: string | null;
}

/** How a device is reached while its app is closed: Web Push, FCM or APNs. */
export type PushKind = 'webpush' | 'fcm' | 'apns';

/** What identifies the tenant's push credentials; the keys themselves are never returned. */
export interface PushCredentials {
  fcm: { projectId: string; clientEmail: string; privateKeyId: string; updatedAt: string } | null;
  apns: {
    teamId: string;
    keyId: string;
    bundleId: string;
    environment: 'production' | 'sandbox';
    updatedAt: string;
  } | null;
}

export interface ApnsCredentialsInput {
  teamId: string;
  keyId: string;
  privateKey: string;
  bundleId: string;
  environment: 'production' | 'sandbox';
}

/** What a device's push service answered a test push. */
export interface TestPushResult {
  outcome: 'accepted' | 'gone' | 'failed' | 'unreachable';
  channel: PushKind | null;
  status: number | null;
  detail: string | null;
}

export interface Activation {
  code: string;
  link: string;
  qrPayload: string;
  expiresAt: string;
  /** Why it was handed out: a recent verification, an in-branch check, or an integration. */
  basis: 'verification' | 'in_branch' | 'integration';
}

/** GET /v1/customers/{id}/locks: what the policy has locked for the customer (docs/policy.md). */
export interface CustomerLocks {
  push: { locked: boolean; reason: 'PUSH_LOCKED_DENIALS' | 'PUSH_LOCKED_FRAUD' | null };
  securityQuestions: { locked: boolean; lockedAt: string | null; failures: number };
  failuresLastHour: number;
}

/** An activation link sent to the customer: where it went (masked), never the link itself. */
export interface SentActivation {
  id: string;
  channel: 'sms' | 'email';
  sentTo: string;
  expiresAt: string;
}

export type VerificationStatus =
  | 'pending'
  | 'approved'
  | 'denied'
  | 'fraud_reported'
  | 'expired'
  | 'cancelled'
  | 'failed';

export type Delivery = 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';
export type Purpose = 'authenticate' | 'confirm_action';

export interface Verification {
  id: string;
  customerId: string;
  /** Push, or the fallback method whose check this records. */
  method: VerificationMethod;
  /** The policy action a fallback method's check was for; null for push. */
  action: string | null;
  purpose: Purpose;
  reason: string;
  actionSummary: string | null;
  callReference: string | null;
  status: VerificationStatus;
  code: string | null;
  codeLength: number;
  failedAttempts: number;
  maxAttempts: number;
  startedBy: { type: string; id: string | null; name: string };
  createdAt: string;
  expiresAt: string;
  finishedAt: string | null;
  decidedByDeviceId: string | null;
  assurance: 'low' | 'moderate' | 'substantial' | 'high' | null;
  delivery: Delivery;
}

export interface TimelineEntry {
  type: string;
  deviceId: string | null;
  channel: string | null;
  detail: string | null;
  at: string;
}

export interface VerificationDetail extends Verification {
  timeline: TimelineEntry[];
}

export interface StartVerification {
  customerId: string;
  /** Left out: the tenant's default reason, in the customer's language. */
  reason?: string;
  purpose?: Purpose;
  actionSummary?: string;
}

/** One server-sent event of a verification's stream. */
export interface VerificationEvent {
  type: string;
  data: {
    verificationId: string;
    status?: VerificationStatus;
    delivery?: Delivery;
    at?: string;
    deviceId?: string;
    channel?: string;
    attemptsLeft?: number;
  };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface VerificationSettings {
  codeLength: number;
  expirySeconds: number;
  maxCodeAttempts: number;
  pushRequestsPerWindow: number;
  pushWindowSeconds: number;
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  verification: VerificationSettings;
  operatorSecondFactor: 'optional' | 'required';
  /** The tenant's own texts for customers: per language (`de`, ...) or `default`, per message. */
  messageTemplates: Record<string, Record<string, string>>;
  createdAt: string;
  updatedAt: string;
}

export interface SecondFactorStatus {
  required: boolean;
  totp: boolean;
  passkeys: number;
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scopes: Permission[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEvent {
  id: string;
  seq: number;
  occurredAt: string;
  /** `name`: the current name of who acted, looked up by the server for the page. */
  actor: { type: string; id: string | null; name?: string | null };
  action: string;
  target: { type: string; id: string; name?: string | null } | null;
  /** The customer the entry concerns, with current names; not part of the hashed entry. */
  customer?: { id: string; name: string | null; externalId: string | null } | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ChainStatus {
  ok: boolean;
  checked: number;
  headSeq: number;
  firstBroken?: { seq: number; id: string; reason: string } | null;
}

/** How a tenant's operators sign in (operator single sign-on, docs/integrations/operator-sso.md). */
export interface SignInOptions {
  password: boolean;
  sso: { startUrl: string } | null;
}

export interface ConsoleBootstrap {
  /** Set only while the demo tenant exists outside production: pre-fills the sign-in form. */
  demo: { tenant: string; email: string } | null;
}

/** An OpenID client for CIBA (docs/integrations/ciba.md). */
export interface OidcClient {
  id: string;
  name: string;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'private_key_jwt';
  jwks: { keys: Record<string, unknown>[] } | null;
  deliveryMode: 'poll' | 'ping';
  notificationEndpoint: string | null;
  status: 'active' | 'suspended' | 'revoked';
  createdAt: string;
  updatedAt: string;
}

/** The tenant's operator single sign-on (docs/integrations/operator-sso.md); never the secret. */
export interface SsoConfig {
  enabled: boolean;
  issuer: string;
  clientId: string;
  clientSecretSet: boolean;
  scopes: string[];
  roleClaim: string;
  roleMappings: { value: string; role: Role }[];
  allowedDomains: string[];
  jitProvisioning: boolean;
  defaultRole: Role | null;
  redirectUri: string;
  createdAt: string;
  updatedAt: string;
}

/** Keycloak's CIBA authentication channel (docs/integrations/keycloak.md). */
export interface KeycloakChannel {
  baseUrl: string;
  realm: string;
  issuer: string;
  allowedClients: string[];
  requesterName: string;
  channelUrl: string;
  createdAt: string;
  updatedAt: string;
}
