/**
 * Runs the copy-paste example of docs/integrations/scim.md, unchanged, as a separate Node process
 * against a real server, and checks what it did to the customer records.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestHarness, type TestHarness } from '../../../test-support/harness.ts';

const guide = fileURLToPath(new URL('../../../../../../docs/integrations/scim.md', import.meta.url));

function example(name: string): string {
  const match = new RegExp(`\`\`\`ts file=${name}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(guide, 'utf8'));
  assert.ok(match, `${name} is missing from the guide`);
  return match[1]!;
}

describe('SCIM guide example', () => {
  let h: TestHarness;
  let dir: string;

  before(async () => {
    h = await startTestHarness('sqlite', {}, { listen: true });
    dir = mkdtempSync(path.join(tmpdir(), 'ha-scim-guide-'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions, changes and deactivates a customer as the guide says', async () => {
    const tenant = await h.createTenant('acme');
    const key = await h.createApiKey(tenant, ['scim']);
    const file = path.join(dir, 'scim-provision.ts');
    writeFileSync(file, example('scim-provision.ts'));
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      env: { ...process.env, HELPDESK_AUTH_URL: h.baseUrl, HELPDESK_AUTH_SCIM_KEY: key },
    });
    const lines = stdout.trim().split('\n');
    assert.equal(lines[0], 'Found 0 user(s) named grace.hopper@acme.example');
    assert.match(lines[1]!, /^Created cus_[0-9A-Z]{26}: Grace Hopper, \+41446681800$/);
    assert.deepEqual(lines.slice(2), [
      'E-mail is now grace@acme.example',
      'Active: false',
      'Inactive users: 1',
    ]);

    const id = /Created (cus_\w+)/.exec(lines[1]!)![1]!;
    const customer = await h.runtime.services.customers.get(tenant.id, id);
    assert.equal(customer.externalId, 'a7c3e1f0-2b7d-4c55-9d8e-3f1a2b4c5d6e');
    assert.equal(customer.email, 'grace@acme.example');
    assert.equal(customer.phone, '+41446681800');
    assert.equal(customer.locale, 'en-US');
  });
});
