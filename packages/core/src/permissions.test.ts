import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { permissions, permissionsForRole, roleHasPermission } from './permissions.ts';

describe('role permissions', () => {
  it('gives admins everything', () => {
    assert.deepEqual([...permissionsForRole('admin')].sort(), [...permissions].sort());
  });

  it('keeps agents to reading customers and the tenant', () => {
    assert.deepEqual([...permissionsForRole('agent')].sort(), ['customers:read', 'tenant:read']);
  });

  it('lets auditors read the audit log but change nothing', () => {
    assert.equal(roleHasPermission('auditor', 'audit:read'), true);
    assert.deepEqual(
      permissionsForRole('auditor').filter((p) => p.endsWith(':write')),
      [],
    );
  });

  it('keeps supervisors out of the audit log and API keys', () => {
    assert.equal(roleHasPermission('supervisor', 'audit:read'), false);
    assert.equal(roleHasPermission('supervisor', 'api-keys:write'), false);
  });
});
