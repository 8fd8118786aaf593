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
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  operator_id: string;
  secret_hash: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
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
  created_at: number;
  updated_at: number;
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
  purpose: 'signing' | 'vapid';
  public_key: string;
  private_sealed: string;
  created_at: number;
  retired_at: number | null;
}

export interface Schema {
  tenants: TenantsTable;
  operators: OperatorsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  rate_limits: RateLimitsTable;
  claims: ClaimsTable;
  one_time_tokens: OneTimeTokensTable;
  devices: DevicesTable;
  verifications: VerificationsTable;
  verification_events: VerificationEventsTable;
  server_keys: ServerKeysTable;
}

export type TenantRow = Selectable<TenantsTable>;
export type OperatorRow = Selectable<OperatorsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type OneTimeTokenRow = Selectable<OneTimeTokensTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type VerificationRow = Selectable<VerificationsTable>;
export type VerificationEventRow = Selectable<VerificationEventsTable>;
