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
] as const;

export type Permission = (typeof permissions)[number];

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
  ],
};

export function permissionsForRole(role: Role): readonly Permission[] {
  return rolePermissions[role];
}

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

export function isPermission(value: string): value is Permission {
  return (permissions as readonly string[]).includes(value);
}
