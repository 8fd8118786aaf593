// Tests of roles and their permissions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { permissions, permissionsForRole, roleHasPermission } from '../permissions.ts';

describe('role permissions', () => {
  it('gives admins everything', () => {
    assert.deepEqual([...permissionsForRole('admin')].sort(), [...permissions].sort());
  });

  it('lets agents verify callers, enrol devices and announce calls, but not change customer records', () => {
    assert.deepEqual([...permissionsForRole('agent')].sort(), [
      'calls:read',
      'calls:write',
      'customers:read',
      'devices:read',
      'devices:write',
      'tenant:read',
      'verifications:read',
      'verifications:write',
    ]);
  });

  it('lets auditors read the audit log but change nothing', () => {
    assert.equal(roleHasPermission('auditor', 'audit:read'), true);
    assert.equal(roleHasPermission('auditor', 'calls:read'), true);
    assert.equal(roleHasPermission('auditor', 'calls:write'), false);
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
