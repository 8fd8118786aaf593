/**
 * Runs the copy-paste token endpoint of docs/integrations/widget.md, unchanged, as a separate
 * Node process against a real server, and checks that the token it hands out opens the panel for
 * that customer only, and that the endpoint refuses what the guide says it refuses.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliActor } from '../../platform/audit-log.ts';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';

const guide = fileURLToPath(new URL('../../../../../docs/integrations/widget.md', import.meta.url));

function example(name: string): string {
  const match = new RegExp(`\`\`\`ts file=${name}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(guide, 'utf8'));
  assert.ok(match, `${name} is missing from the guide`);
  return match[1]!;
}

describe('widget integration guide example', () => {
  let h: TestHarness;
  let dir: string;
  let child: ChildProcess | undefined;
  let endpoint: string;

  before(async () => {
    h = await startTestHarness('sqlite', {}, { listen: true, realClock: true });
    const tenant = await h.createTenant('desk');
    const key = await h.createApiKey(tenant, [
      'customers:read',
      'devices:read',
      'verifications:read',
      'verifications:write',
    ]);
    await h.runtime.services.customers.create(
      tenant.id,
      { displayName: 'Alice Martin', externalId: 'CUST-1001' },
      cliActor,
    );
    await h.runtime.services.customers.create(
      tenant.id,
      { displayName: 'Bob Stone', externalId: 'CUST-2002' },
      cliActor,
    );
    dir = mkdtempSync(path.join(tmpdir(), 'ha-widget-guide-'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    const file = path.join(dir, 'widget-token-endpoint.ts');
    writeFileSync(file, example('widget-token-endpoint.ts'));
    const started = spawn(process.execPath, [file], {
      env: { ...process.env, HELPDESK_AUTH_URL: h.baseUrl, HELPDESK_AUTH_API_KEY: key, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = started;
    let printed = '';
    started.stdout!.setEncoding('utf8');
    while (!/\n/.test(printed)) {
      const [chunk] = (await Promise.race([
        once(started.stdout!, 'data'),
        once(started, 'exit').then(() => {
          throw new Error(`the example exited: ${printed}`);
        }),
      ])) as [string];
      printed += chunk;
    }
    const match = /on (http:\/\/127\.0\.0\.1:\d+\/helpdesk-auth\/widget-token)/.exec(printed);
    assert.ok(match, printed);
    endpoint = match[1]!;
  });
  after(async () => {
    child?.kill();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("hands out a token that opens the panel for that customer, and nobody else's", async () => {
    const response = await fetch(`${endpoint}?customer=CUST-1001`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const { token } = (await response.json()) as { token: string };

    const session = await fetch(`${h.baseUrl}/v1/widget/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(session.status, 200);
    const body = (await session.json()) as { customer: { displayName: string; externalId: string } };
    assert.equal(body.customer.externalId, 'CUST-1001');
    assert.equal(body.customer.displayName, 'Alice Martin');
    // The token is not an API key.
    const asKey = await fetch(`${h.baseUrl}/v1/customers`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asKey.status, 401);
  });

  it('refuses a customer the agent may not work on, and answers 404 for an unknown one', async () => {
    assert.equal((await fetch(`${endpoint}?customer=VIP-1`)).status, 403);
    const unknown = await fetch(`${endpoint}?customer=CUST-9999`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'NOT_FOUND' });
  });
});
