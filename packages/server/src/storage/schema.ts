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
