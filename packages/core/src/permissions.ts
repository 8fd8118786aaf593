/**
 * One vocabulary for what a caller may do. Operator roles map to a fixed set of permissions;
 * API keys carry an explicit subset of the same permissions as scopes.
 */
export const permissions = [
  'customers:read',
  'customers:write',
  'devices:read',
  'devices:write',
  'verifications:read',
  'verifications:write',
  'operators:read',
  'operators:write',
  'api-keys:read',
  'api-keys:write',
  'audit:read',
  'tenant:read',
  'tenant:write',
  // Webhook endpoints and their deliveries (admins; auditors may read).
  'webhooks:read',
  'webhooks:write',
  // OpenID Connect CIBA clients and the Keycloak authentication channel (admins; auditors may read).
  'oidc-clients:read',
  'oidc-clients:write',
  // The verification policy (methods, assurance, limits): supervisors and auditors read it, admins
  // change it. Agents see what it means for a caller through the customer's methods endpoint.
  'policy:read',
  'policy:write',
  // Clearing a customer's push lock or security-question lockout, and resolving a fraud report
  // (supervisors and admins; agents on a call are who a fraudster works on).
  'locks:write',
  // The server's request-signing keys, shared by every tenant: listing them, and rotating them
  // (admins only; a rotation keeps every enrolled device working, docs/device-protocol.md).
  'server-keys:read',
  'server-keys:write',
  // Outbound call notices ("is this really my bank calling?", docs/call-notices.md): reading them
  // (history, the IVR's or website's check) and starting, ending and checking them (agents).
  'calls:read',
  'calls:write',
  // The fraud queue: reading cases and their live alerts, and assigning, noting and resolving them
  // (supervisors and admins).
  'fraud-cases:read',
  'fraud-cases:write',
  // Supervisor analytics: the dashboard's figures and their CSV export (supervisors, admins and
  // auditors; aggregates only, no customer data).
  'analytics:read',
  // Customer rollout campaigns: invitations to enrol and announcements sent to many customers
  // (admins create and run them; supervisors follow their progress).
  'campaigns:read',
  'campaigns:write',
] as const;

/**
 * Scopes that only API keys carry, never a role. `scim`: SCIM provisioning (/scim/v2). A key with
 * it may hold no other scope, and no other key may provision, so an identity provider gets exactly
 * the provisioning endpoints and nothing more.
 */
export const apiKeyOnlyScopes = ['scim'] as const;

/** Every scope an API key can carry. */
export const apiKeyScopes = [...permissions, ...apiKeyOnlyScopes] as const;

export type Permission = (typeof permissions)[number] | (typeof apiKeyOnlyScopes)[number];

export const roles = ['agent', 'supervisor', 'admin', 'auditor'] as const;

export type Role = (typeof roles)[number];

const rolePermissions: Record<Role, readonly Permission[]> = {
  // Agents find and verify callers and enrol a caller's device; they do not change records.
  agent: [
    'customers:read',
    'devices:read',
    'devices:write',
    'verifications:read',
    'verifications:write',
    'tenant:read',
    'calls:read',
    'calls:write',
  ],
  // Supervisors also maintain customer records and see who is on the team.
  supervisor: [
    'customers:read',
    'customers:write',
    'devices:read',
    'devices:write',
    'verifications:read',
    'verifications:write',
    'operators:read',
    'tenant:read',
    'policy:read',
    'locks:write',
    'calls:read',
    'calls:write',
    'fraud-cases:read',
    'fraud-cases:write',
    'analytics:read',
    'campaigns:read',
  ],
  admin: permissions,
  // Auditors read the evidence and nothing else that could change it.
  auditor: [
    'audit:read',
    'customers:read',
    'devices:read',
    'verifications:read',
    'operators:read',
    'api-keys:read',
    'tenant:read',
    'webhooks:read',
    'oidc-clients:read',
    'policy:read',
    'calls:read',
    'analytics:read',
  ],
};

export function permissionsForRole(role: Role): readonly Permission[] {
  return rolePermissions[role];
}

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

export function isPermission(value: string): value is Permission {
  return (apiKeyScopes as readonly string[]).includes(value);
}
