// Table shapes, shared by SQLite and PostgreSQL.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table shapes, shared by SQLite and PostgreSQL. Times are milliseconds since the epoch
 * (bigint), which both databases store and compare the same way; JSON is stored as text so
 * the audit hash covers exactly the bytes stored.
 */
export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface OperatorsTable {
  id: string;
  tenant_id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
  last_sign_in_at: number | null;
  /** 1 while the operator still has a password generated for them (migration 0023). */
  password_change_required: Generated<number>;
  /** The team the operator works in, for supervisor analytics (migration 0027); null: none. */
  team: Generated<string | null>;
  /** When the operator finished or dismissed the console's first-run tour (migration 0032). */
  tour_seen_at: Generated<number | null>;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  operator_id: string;
  secret_hash: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** What the session still has to do before it may work (migration 0024); null when nothing. */
  pending_step: Generated<'second_factor' | 'second_factor_enrolment' | null>;
}

/** An operator's second factor (migration 0024). */
export interface OperatorFactorsTable {
  id: string;
  tenant_id: string;
  operator_id: string;
  kind: 'totp' | 'passkey';
  /** TOTP: the sealed seed. */
  secret_sealed: string | null;
  /** Passkey: base64url credential id, COSE public key (base64url), signature counter, a label. */
  credential_id: string | null;
  public_key: string | null;
  counter: Generated<number>;
  label: string | null;
  confirmed_at: number | null;
  last_used_step: number | null;
  created_at: number;
}

/** An outbound call notice (migration 0025, features/calls/). */
export interface CallNoticesTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  status: 'active' | 'ended' | 'expired';
  reason: string;
  team: string | null;
  from_number: string | null;
  started_by_type: string;
  started_by_id: string | null;
  /** Who is calling, as the customer sees it: the operator's display name, or the API key's agent name. */
  agent_name: string;
  mutual_code: 'none' | 'agent_reads' | 'customer_reads';
  code_sealed: string | null;
  code_hash: string | null;
  code_attempts: Generated<number>;
  code_max_attempts: number;
  confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
  viewed_at: number | null;
  confirmed_at: number | null;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

/** A call a customer reported as not the bank's (migration 0025). */
export interface CallReportsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  device_id: string | null;
  notice_id: string | null;
  number_seen: string | null;
  note: string | null;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface CustomersTable {
  id: string;
  tenant_id: string;
  external_id: string | null;
  display_name: string;
  /** Lower-cased, accent-free name for search; derived, never shown. */
  name_folded: string;
  phone: string | null;
  /** When the phone number last changed: SMS is restricted for a while after (SIM-swap risk). */
  phone_changed_at: number | null;
  email: string | null;
  locale: string | null;
  /** Set when the customer reported fraud from a device ("I am not on a call"); cleared by an admin. */
  fraud_reported_at: Generated<number | null>;
  /** When a supervisor or admin resolved the fraud report; it is open while older than the report (0021). */
  fraud_resolved_at: Generated<number | null>;
  /** When the customer asked to receive no campaign messages; null while they accept them (0026). */
  campaign_opt_out_at: Generated<number | null>;
  created_at: number;
  updated_at: number;
  /** 1 for a made-up customer of the practice space (migration 0032); never listed with real ones. */
  practice: Generated<number>;
}

export interface AuditEventsTable {
  id: string;
  tenant_id: string;
  seq: number;
  occurred_at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

/** An audit entry committed with its change and waiting for its place in the chain. */
export interface AuditPendingTable {
  id: string;
  tenant_id: string;
  occurred_at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: string;
}

export interface AuditHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
}

export interface RateLimitsTable {
  key: string;
  count: number;
  reset_at: number;
}

export interface ClaimsTable {
  key: string;
  expires_at: number;
}

export interface OneTimeTokensTable {
  id: string;
  tenant_id: string;
  purpose: string;
  secret_hash: string;
  subject_id: string | null;
  attempts: Generated<number>;
  max_attempts: number;
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  label: string;
  platform: string;
  public_jwk: string;
  key_thumbprint: string;
  push_kind: string | null;
  push_target: string | null;
  status: 'active' | 'revoked';
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
  /** WebAuthn credential for biometric approval (docs/device-protocol.md); null until registered. */
  webauthn_credential_id: string | null;
  webauthn_public_key: string | null;
  webauthn_counter: number;
  webauthn_registered_at: number | null;
}

/** The offline-code (RFC 6238) secret a device shares with the server; migration 0015. */
export interface DeviceOfflineSecretsTable {
  device_id: string;
  tenant_id: string;
  customer_id: string;
  /** The base32 seed, sealed (platform/secrets.ts) with the context `device-offline:<device id>`. */
  secret_sealed: string;
  /** The last accepted time step; a code of that step or an earlier one is a replay. */
  last_step: number | null;
  created_at: number;
}

/** A tenant's own push credentials (FCM service account, APNs key); the key material sealed. */
export interface PushCredentialsTable {
  tenant_id: string;
  kind: 'fcm' | 'apns';
  /** JSON: what names the credentials and may be shown, never key material. */
  identity: string;
  secret_sealed: string;
  created_at: number;
  updated_at: number;
}

export interface VerificationsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  method: string;
  purpose: string;
  reason: string;
  action_summary: string | null;
  call_reference: string | null;
  status: string;
  code_hash: string;
  code_sealed: string | null;
  code_length: number;
  failed_attempts: number;
  max_attempts: number;
  started_by_type: string;
  started_by_id: string | null;
  agent_name: string;
  request_jws: string;
  created_at: number;
  expires_at: number;
  finished_at: number | null;
  decided_by_device_id: string | null;
  decision_evidence: string | null;
  assurance: string | null;
  /** 1 when the policy at start required a user-verified WebAuthn approval. */
  require_user_verification: number;
  /** The policy action a fallback method's check was for (migration 0022); null for push. */
  action: string | null;
  /**
   * Why push was not used, for a fallback method's verification (features/methods/fallback-reason.ts,
   * migration 0033); null for push.
   */
  fallback_reason: Generated<string | null>;
}

export interface VerificationEventsTable {
  id: string;
  tenant_id: string;
  verification_id: string;
  type: string;
  device_id: string | null;
  channel: string | null;
  detail: string | null;
  occurred_at: number;
}

export interface ServerKeysTable {
  id: string;
  /** `signing`: ES256 request and token keys; `vapid`: push; `id-token-rsa`: RS256 ID tokens. */
  purpose: 'signing' | 'vapid' | 'id-token-rsa';
  public_key: string;
  private_sealed: string;
  created_at: number;
  retired_at: number | null;
}

/** A signed key set published by a signing-key rotation (migration 0014). */
export interface ServerKeySetsTable {
  version: number;
  signed_by: string;
  new_key_id: string;
  jws: string;
  created_at: number;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types. */
  events: string;
  status: 'enabled' | 'disabled';
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  /** The tenant's last audit sequence number already turned into deliveries for this endpoint. */
  after_seq: number;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_status_code: number | null;
  created_at: number;
  completed_at: number | null;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  tenant_id: string;
  started_at: number;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  status_code: number | null;
  error: string | null;
}

export interface OperatorSsoConfigsTable {
  tenant_id: string;
  enabled: number;
  issuer: string;
  client_id: string;
  client_secret_sealed: string;
  scopes: string;
  role_claim: string;
  role_mappings: string;
  allowed_domains: string;
  jit_enabled: number;
  default_role: string | null;
  created_at: number;
  updated_at: number;
}

export interface OperatorIdentitiesTable {
  id: string;
  tenant_id: string;
  operator_id: string;
  issuer: string;
  subject: string;
  created_at: number;
  last_sign_in_at: number;
}

export interface ScimUsersTable {
  customer_id: string;
  tenant_id: string;
  user_name: string;
  user_name_key: string;
  active: number;
  given_name: string | null;
  family_name: string | null;
  email_type: string | null;
  phone_type: string | null;
}

export interface OidcClientsTable {
  /** The client_id. */
  id: string;
  tenant_id: string;
  name: string;
  auth_method: 'client_secret_basic' | 'private_key_jwt';
  secret_hash: string | null;
  /** The client's public keys (JWKS, JSON), for private_key_jwt. */
  jwks: string | null;
  delivery_mode: 'poll' | 'ping';
  notification_endpoint: string | null;
  /** The algorithm its ID tokens are signed with (migration 0017). */
  id_token_alg: 'ES256' | 'RS256';
  /**
   * The algorithm every CIBA authentication request of the client must be signed with; null when
   * it may send them signed or plain (migration 0029).
   */
  request_signing_alg: string | null;
  status: 'active' | 'suspended' | 'revoked';
  created_at: number;
  updated_at: number;
}

export interface CibaRequestsTable {
  /** The auth_req_id. */
  id: string;
  tenant_id: string;
  client_id: string;
  customer_id: string;
  verification_id: string;
  scope: string;
  acr_values: string | null;
  delivery_mode: 'poll' | 'ping';
  notification_token_sealed: string | null;
  interval_seconds: number;
  last_polled_at: number | null;
  expires_at: number;
  redeemed_at: number | null;
  notified_at: number | null;
  created_at: number;
}

export interface KeycloakChannelsTable {
  tenant_id: string;
  base_url: string;
  realm: string;
  issuer: string;
  /** JSON array of Keycloak client ids; empty: any client of the realm. */
  allowed_clients: string;
  requester_name: string;
  created_at: number;
  updated_at: number;
}

export interface KeycloakRequestsTable {
  id: string;
  tenant_id: string;
  keycloak_id: string;
  verification_id: string;
  bearer_sealed: string;
  bearer_expires_at: number;
  callback_status: 'SUCCEED' | 'UNAUTHORIZED' | 'CANCELLED' | null;
  callback_attempts: number;
  next_attempt_at: number | null;
  callback_done_at: number | null;
  callback_outcome: 'accepted' | 'refused' | 'gave_up' | null;
  created_at: number;
}

export interface FallbackPoliciesTable {
  tenant_id: string;
  version: number;
  document: string;
  created_at: number;
  actor_type: string;
  actor_id: string | null;
}

export interface OtpChallengesTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  channel: 'sms' | 'email';
  action: string;
  delivery: string;
  status: 'pending' | 'verified' | 'failed' | 'expired' | 'cancelled';
  code_hash: string;
  link_hash: string | null;
  attempts: number;
  max_attempts: number;
  resends: number;
  max_resends: number;
  resend_cooldown_ms: number;
  ttl_ms: number;
  assurance: string;
  last_sent_at: number;
  expires_at: number;
  created_at: number;
  finished_at: number | null;
  started_by_type: string;
  started_by_id: string | null;
}

export interface MessageDeliveriesTable {
  id: string;
  tenant_id: string;
  challenge_id: string;
  channel: string;
  provider: string;
  provider_message_id: string | null;
  status: string;
  detail: string | null;
  created_at: number;
  updated_at: number;
}

export interface MessageOutboxTable {
  id: string;
  tenant_id: string;
  channel: string;
  recipient: string;
  subject: string | null;
  body: string;
  created_at: number;
}

export interface TotpEnrollmentsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  status: 'pending' | 'active';
  seed_sealed: string;
  last_step: number | null;
  created_at: number;
  activated_at: number | null;
}

export interface SecurityQuestionsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  position: number;
  question: string;
  answer_hash: string;
  created_at: number;
}

export interface CustomerMethodLocksTable {
  tenant_id: string;
  customer_id: string;
  push_cleared_at: number | null;
  questions_failures: number;
  /** Checks that reserved a try and are still being evaluated (migration 0009). */
  questions_in_flight: Generated<number>;
  questions_locked_at: number | null;
  updated_at: number;
}

export interface AttemptFailuresTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  method: string;
  occurred_at: number;
}

/** A case in the fraud queue (migration 0027): one open case per customer gathers its signals. */
export interface FraudCasesTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  /** The customer's id while the case is open, null once resolved (the one-open-case index). */
  open_customer_id: string | null;
  status: 'open' | 'resolved';
  first_kind: string;
  signal_count: number;
  opened_at: number;
  last_signal_at: number;
  assignee_id: string | null;
  assigned_at: number | null;
  resolution: string | null;
  resolved_at: number | null;
  resolved_by_type: string | null;
  resolved_by_id: string | null;
  /** What the resolution did with the push lock / the security-question lockout: cleared or kept. */
  push_lock: string | null;
  questions_lock: string | null;
  updated_at: number;
}

/** One signal a case gathered: a fraud report, a denied push, a lockout, a reported fake call. */
export interface FraudCaseSignalsTable {
  id: string;
  tenant_id: string;
  case_id: string | null;
  kind: string;
  source_id: string;
  occurred_at: number;
}

export interface FraudCaseNotesTable {
  id: string;
  tenant_id: string;
  case_id: string;
  author_type: string;
  author_id: string | null;
  body: string;
  created_at: number;
}

export interface Schema {
  fraud_cases: FraudCasesTable;
  fraud_case_signals: FraudCaseSignalsTable;
  fraud_case_notes: FraudCaseNotesTable;
  tenants: TenantsTable;
  operators: OperatorsTable;
  operator_factors: OperatorFactorsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  audit_pending: AuditPendingTable;
  rate_limits: RateLimitsTable;
  claims: ClaimsTable;
  one_time_tokens: OneTimeTokensTable;
  devices: DevicesTable;
  device_offline_secrets: DeviceOfflineSecretsTable;
  verifications: VerificationsTable;
  verification_events: VerificationEventsTable;
  server_keys: ServerKeysTable;
  server_key_sets: ServerKeySetsTable;
  operator_sso_configs: OperatorSsoConfigsTable;
  operator_identities: OperatorIdentitiesTable;
  scim_users: ScimUsersTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  oidc_clients: OidcClientsTable;
  ciba_requests: CibaRequestsTable;
  keycloak_channels: KeycloakChannelsTable;
  keycloak_requests: KeycloakRequestsTable;
  fallback_policies: FallbackPoliciesTable;
  otp_challenges: OtpChallengesTable;
  message_deliveries: MessageDeliveriesTable;
  message_outbox: MessageOutboxTable;
  totp_enrollments: TotpEnrollmentsTable;
  security_questions: SecurityQuestionsTable;
  customer_method_locks: CustomerMethodLocksTable;
  attempt_failures: AttemptFailuresTable;
  push_credentials: PushCredentialsTable;
  call_notices: CallNoticesTable;
  call_reports: CallReportsTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
  practice_sessions: PracticeSessionsTable;
  practice_devices: PracticeDevicesTable;
  practice_messages: PracticeMessagesTable;
  practice_answers: PracticeAnswersTable;
}

/** An agent's practice session: a sequence of scenarios on made-up customers (migration 0032). */
export interface PracticeSessionsTable {
  id: string;
  tenant_id: string;
  operator_id: string;
  /** The supervisor who assigned the session; null when the agent started it. */
  assigned_by: string | null;
  status: 'assigned' | 'active' | 'finished';
  /** JSON: the steps (scenario, practice customer, times, the agent's conclusion). */
  steps: string;
  /** JSON: the score, once finished. */
  score: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** A practice customer's simulated phone: its private key (sealed) and the scenario it answers by. */
export interface PracticeDevicesTable {
  device_id: string;
  tenant_id: string;
  customer_id: string;
  scenario: string;
  private_jwk_sealed: string;
  created_at: number;
}

/**
 * A simulated phone's next answer to one practice request (migration 0034): claimed by one
 * process with a conditional update when due, then moved to the next answer or deleted.
 */
export interface PracticeAnswersTable {
  verification_id: string;
  tenant_id: string;
  device_id: string;
  /** Which of the scenario's answers is next (wrong_code has two). */
  step: number;
  /** When it is due; while a process gives it, a lease ahead (another process retries after). */
  due_at: number;
  created_at: number;
}

/** A code or link for a practice customer, kept here instead of being sent (migration 0032). */
export interface PracticeMessagesTable {
  id: string;
  tenant_id: string;
  channel: string;
  recipient: string;
  body: string;
  created_at: number;
}

export type TenantRow = Selectable<TenantsTable>;
export type OperatorRow = Selectable<OperatorsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type CallNoticeRow = Selectable<CallNoticesTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type AuditPendingRow = Selectable<AuditPendingTable>;
export type OneTimeTokenRow = Selectable<OneTimeTokensTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type VerificationRow = Selectable<VerificationsTable>;
export type VerificationEventRow = Selectable<VerificationEventsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
export type OidcClientRow = Selectable<OidcClientsTable>;
export type CibaRequestRow = Selectable<CibaRequestsTable>;
export type KeycloakChannelRow = Selectable<KeycloakChannelsTable>;
export type KeycloakRequestRow = Selectable<KeycloakRequestsTable>;

export type FraudCaseRow = Selectable<FraudCasesTable>;
/** A rollout campaign (0026): who it reaches, what it sends, how fast, and where its sending stands. */
export interface CampaignsTable {
  id: string;
  tenant_id: string;
  name: string;
  /** `invitation` (an activation link) or `announcement` (text only). */
  kind: string;
  /** `sms`, `email` or `sms_else_email`. */
  channel: string;
  /** JSON: the audience's definition (features/campaigns/audience.ts). */
  audience: string;
  /** JSON: the announcement's text per language (empty for invitations, which use the tenant's templates). */
  messages: string;
  rate_per_second: number;
  link_valid_days: number;
  /** draft, running, paused, completed, cancelled. */
  status: string;
  /** The last customer id the audience was read up to; null before the first batch. */
  audience_cursor: string | null;
  /** 1 once the whole audience has been read into campaign_recipients. */
  audience_done: Generated<number>;
  /** The audience's size counted when the campaign was created (progress until it has been read). */
  audience_estimate: Generated<number>;
  created_by: string;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** One customer of one campaign: unique per (campaign, customer), so nobody gets a campaign twice. */
export interface CampaignRecipientsTable {
  campaign_id: string;
  customer_id: string;
  tenant_id: string;
  /** pending, sending, sent, skipped, failed. */
  status: string;
  /** Why a recipient was skipped or failed (OPTED_OUT, NO_ADDRESS, ...). */
  reason: string | null;
  channel: string | null;
  provider: string | null;
  provider_message_id: string | null;
  activation_id: string | null;
  link_token: string | null;
  claimed_at: number | null;
  sent_at: number | null;
  delivered_at: number | null;
  opened_at: number | null;
}
export type CampaignRow = Selectable<CampaignsTable>;
export type CampaignRecipientRow = Selectable<CampaignRecipientsTable>;
