/**
 * Runs the copy-paste example of docs/integrations/operator-sso.md, unchanged, as a separate Node
 * process against a real server and a real OpenID Provider, then signs in the way the guide says.
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
import {
  createBrowser,
  startTestOidcProvider,
  type TestOidcProvider,
} from '../../../test-support/stand-ins/test-oidc-provider.ts';

const guide = fileURLToPath(new URL('../../../../../../docs/integrations/operator-sso.md', import.meta.url));

function example(name: string): string {
  const match = new RegExp(`\`\`\`ts file=${name}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(guide, 'utf8'));
  assert.ok(match, `${name} is missing from the guide`);
  return match[1]!;
}

describe('operator single sign-on guide example', () => {
  let h: TestHarness;
  let idp: TestOidcProvider;
  let dir: string;

  before(async () => {
    h = await startTestHarness('sqlite', {}, { listen: true, realClock: true });
    idp = await startTestOidcProvider({ redirectUris: [`${h.baseUrl}/v1/auth/oidc/acme/callback`] });
    dir = mkdtempSync(path.join(tmpdir(), 'ha-sso-guide-'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  });
  after(async () => {
    await h?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('configures the tenant with the example, after which an operator signs in through the provider', async () => {
    const tenant = await h.createTenant('acme');
    const key = await h.createApiKey(tenant, ['tenant:read', 'tenant:write']);
    const file = path.join(dir, 'configure-sso.ts');
    writeFileSync(file, example('configure-sso.ts'));
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      env: {
        ...process.env,
        HELPDESK_AUTH_URL: h.baseUrl,
        HELPDESK_AUTH_API_KEY: key,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret,
      },
    });
    assert.equal(
      stdout.trim(),
      `Single sign-on is on. Register this redirect URI at the provider: ${h.baseUrl}/v1/auth/oidc/acme/callback`,
    );

    // The console's question, then the button's navigation.
    const options = await fetch(`${h.baseUrl}/v1/auth/sign-in-options?tenant=acme`);
    const { sso } = (await options.json()) as { sso: { startUrl: string } };
    idp.accounts.set('u-1', {
      email: 'sam@acme.example',
      groups: ['helpdesk-supervisors', 'helpdesk-agents'],
    });
    const browser = createBrowser();
    const callback = await browser.signInUntil(
      sso.startUrl,
      'u-1',
      `${h.baseUrl}/v1/auth/oidc/acme/callback`,
    );
    const landed = await browser.request(callback);
    assert.equal(landed.headers.get('location'), '/console/');
    const session = await browser.request(`${h.baseUrl}/v1/auth/session`);
    const body = (await session.json()) as { operator: { email: string; role: string } };
    assert.deepEqual([body.operator.email, body.operator.role], ['sam@acme.example', 'supervisor']);
  });
});
