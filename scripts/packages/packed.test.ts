/**
 * The packages as integrators get them: builds and packs core, the device SDK, the client SDK and
 * the widget with npm, installs the tarballs offline into a scratch project, and uses them there
 * against a real server: plain Node 24 and Node 20 (enrolment, approval, and a webhook receiver's
 * signature check of a real delivery), TypeScript with moduleResolution NodeNext, and a page
 * bundled by Vite running in Chromium.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { type Logger, build as viteBuild } from 'vite';
import { startTestHarness, type TestHarness } from '../../packages/server/src/test-support/harness.ts';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../packages/server/src/test-support/stand-ins/webhook-receiver.ts';
import { buildPackage, publishedPackages, repoRoot } from './build.ts';

const run = promisify(execFile);

/**
 * npm as an integrator runs it: without the npm_* variables that `npm test` hands its scripts
 * (npm_config_local_prefix among them, which would make npm work on this repository).
 */
function npm(args: string[], options: { cwd?: string } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return run('npm', args, { ...options, env });
}
const fixtures = path.join(repoRoot, 'scripts/packages/scratch');
const node24 = process.execPath;
/** The machine's own Node, which the READMEs' "Node.js 20 or newer" has to cover. */
const node20 = '/usr/bin/node';
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const chromiumPath = '/usr/bin/chromium';

/** Skips the browser part loudly where Chromium is missing, and fails under CI=true. */
function chromiumSkip(): string | false {
  if (existsSync(chromiumPath)) return false;
  const why = `Chromium is not installed at ${chromiumPath}`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires the browser tests to run.`);
  process.stderr.write(
    `\n*** SKIPPING the packed packages' browser test: ${why} (apt-get install chromium) ***\n\n`,
  );
  return why;
}
const browserSkip = chromiumSkip();

/** The system Node 20 is part of what this test proves; only a machine without it skips, never CI. */
function nodeSkip(node: string): string | false {
  if (existsSync(node)) return false;
  if (process.env.CI === 'true') throw new Error(`${node} is missing; CI runs the packages on Node 20.`);
  return `${node} is missing`;
}

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** Every path a published manifest's exports name, for each condition. */
function exportTargets(manifest: { exports: Record<string, Record<string, string>> }): string[] {
  return Object.values(manifest.exports).flatMap((conditions) => Object.values(conditions));
}

describe('published packages, installed from their tarballs', () => {
  let scratch: string;
  const packs = new Map<string, PackResult>();
  let h: TestHarness;
  let proxy: Server | undefined;
  let proxyOrigin: string;
  let apiKey: string;
  let browser: Browser | undefined;
  let receiver: WebhookReceiver | undefined;
  /** A webhook delivery the server really sent: its raw body, headers and the endpoint's secret. */
  let deliveryFile: string;

  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'hda-packed-'));
    for (const name of publishedPackages) {
      const dist = buildPackage(name);
      const { stdout } = await npm([
        'pack',
        dist,
        '--pack-destination',
        scratch,
        '--json',
        '--ignore-scripts',
      ]);
      const [result] = JSON.parse(stdout) as PackResult[];
      assert.ok(result);
      packs.set(name, result);
    }
    // The third-party dependencies (jose for the device SDK, canonicalize for core) come from the
    // repository's own install, packed the same way, so installing needs no registry.
    const dependencies: Record<string, string> = {};
    for (const name of ['jose', 'canonicalize']) {
      const packed = JSON.parse(
        (
          await npm([
            'pack',
            path.join(repoRoot, 'node_modules', name),
            '--pack-destination',
            scratch,
            '--json',
            '--ignore-scripts',
          ])
        ).stdout,
      ) as PackResult[];
      dependencies[name] = `file:./${packed[0]?.filename}`;
    }
    for (const result of packs.values()) dependencies[result.name] = `file:./${result.filename}`;
    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies }, null, 2),
    );
    await npm(['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts'], {
      cwd: scratch,
    });
    cpSync(fixtures, scratch, { recursive: true });

    // The server, behind a small front server that also serves the Vite bundle, so the page, the
    // device SDK's requests and the widget's panel share one origin (the server's PUBLIC_URL).
    proxy = createServer();
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    proxyOrigin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // The widget's panel is the console's page, so the console must be built.
    await run(process.execPath, [path.join(repoRoot, 'apps/console/scripts/ensure-built.ts')]);
    h = await startTestHarness(
      'sqlite',
      { publicUrl: proxyOrigin, webhookAllowLoopback: true },
      { listen: true, realClock: true },
    );
    const tenant = await h.createTenant('packed');
    const upstream = new URL(h.baseUrl);
    proxy.on('request', (req, res) => {
      const bundle = path.join(scratch, 'web/dist');
      const pathname = new URL(req.url ?? '/', proxyOrigin).pathname;
      const page = path.join(bundle, pathname === '/' ? 'index.html' : pathname);
      if (page.startsWith(`${bundle}/`) && statSync(page, { throwIfNoEntry: false })?.isFile()) {
        const type = page.endsWith('.js') ? 'text/javascript' : 'text/html';
        res.writeHead(200, { 'content-type': type }).end(readFileSync(page));
        return;
      }
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => res.writeHead(502).end());
      req.pipe(forwarded);
    });
    apiKey = await h.createApiKey(tenant, [
      'customers:read',
      'customers:write',
      'devices:read',
      'devices:write',
      'verifications:read',
      'verifications:write',
    ]);

    // One real delivery for the receivers' check below, captured as the receiver got it.
    receiver = await startWebhookReceiver();
    const webhookKey = await h.createApiKey(tenant, ['webhooks:read', 'webhooks:write']);
    const registered = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { authorization: `Bearer ${webhookKey}` },
      payload: { url: receiver.url, events: ['webhook.test'] },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const { endpoint, secret } = registered.json() as { endpoint: { id: string }; secret: string };
    const sent = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${endpoint.id}/test`,
      headers: { authorization: `Bearer ${webhookKey}` },
    });
    assert.equal(sent.statusCode, 202, sent.body);
    await h.runtime.services.webhooks.runOnce();
    const delivery = receiver.received.at(-1);
    assert.ok(delivery, 'the test event was delivered');
    deliveryFile = path.join(scratch, 'delivery.json');
    writeFileSync(deliveryFile, JSON.stringify({ body: delivery.body, headers: delivery.headers, secret }));
  });

  after(async () => {
    await browser?.close();
    await receiver?.close();
    if (proxy) {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy?.close(resolve));
    }
    await h?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('packs only the built JavaScript, declarations, README, changelog and licence', () => {
    for (const [name, result] of packs) {
      const files = result.files.map((file) => file.path).sort();
      assert.equal(
        result.version,
        JSON.parse(readFileSync(path.join(repoRoot, 'packages', name, 'package.json'), 'utf8')).version,
      );
      for (const file of files) {
        assert.match(
          file,
          /^(lib\/[\w/-]+\.(js|d\.ts)|README\.md|CHANGELOG\.md|LICENSE|package\.json)$/,
          `${name}: ${file}`,
        );
        assert.doesNotMatch(file, /\.test\.|\/generate\/|\.browser\./, `${name}: ${file}`);
      }
      const installed = JSON.parse(
        readFileSync(path.join(scratch, 'node_modules', result.name, 'package.json'), 'utf8'),
      );
      assert.equal(installed.private, undefined, `${name} is publishable`);
      assert.ok(
        installed.repository?.url && installed.license === 'Apache-2.0',
        `${name}: repository, license`,
      );
      // Installed from the tarball: a folder of its own in the scratch project, not a link to the workspace.
      assert.equal(lstatSync(path.join(scratch, 'node_modules', result.name)).isSymbolicLink(), false);
      for (const target of exportTargets(installed)) {
        assert.ok(files.includes(target.replace(/^\.\//, '')), `${name}: export ${target} is in the tarball`);
      }
    }
    // The device SDK depends on the published core of the same version, nothing from the workspace.
    const sdk = JSON.parse(
      readFileSync(path.join(scratch, 'node_modules/@helpdesk-auth/device-sdk/package.json'), 'utf8'),
    );
    assert.deepEqual(Object.keys(sdk.dependencies).sort(), ['@helpdesk-auth/core', 'jose']);
    assert.equal(sdk.dependencies['@helpdesk-auth/core'], packs.get('core')?.version);
  });

  it('publishes cleanly: npm publish --dry-run warns about nothing but the missing login', async () => {
    await Promise.all(
      publishedPackages.map(async (name) => {
        const { stdout, stderr } = await npm(['publish', '--dry-run', '--offline', '--ignore-scripts'], {
          cwd: path.join(repoRoot, 'packages', name, 'dist'),
        });
        const version = packs.get(name)?.version;
        assert.match(stdout, new RegExp(`^\\+ @helpdesk-auth/${name}@${version}$`, 'm'));
        assert.match(stderr, /with tag latest and public access/);
        const warnings = stderr.split('\n').filter((line) => /^npm (warn|error)/i.test(line));
        assert.deepEqual(
          warnings.filter((line) => !/requires you to be logged in/.test(line)),
          [],
          `${name}: ${stderr}`,
        );
      }),
    );
  });

  for (const [label, node] of [
    ['Node 24', node24],
    ['Node 20', node20],
  ] as const) {
    it(`enrolls, approves and waits for the result from plain ${label}`, {
      skip: nodeSkip(node),
    }, async () => {
      const { stdout: version } = await run(node, ['--version']);
      assert.match(version, label === 'Node 20' ? /^v20\./ : /^v24\./);
      const externalId = `PACKED-${label.replace(' ', '')}`;
      const { stdout } = await run(
        node,
        ['use-packages.mjs', proxyOrigin, path.join(scratch, `keys-${externalId}/device.json`), externalId],
        {
          cwd: scratch,
          env: { ...process.env, HELPDESK_AUTH_API_KEY: apiKey, NODE_OPTIONS: '' },
          timeout: 60_000,
        },
      );
      const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      assert.deepEqual(outcome, {
        node: version.trim(),
        enrolledCustomer: true,
        agentName: 'Sam',
        wrongCode: 'WRONG_CODE',
        decided: 'approved',
        result: 'approved',
        missing: '404 NOT_FOUND',
        core: { decisionTyp: 'hda-decision+jwt', wrongCodeStatus: 422, known: true },
        auditChain: true,
      });
      // The file key store wrote the key with mode 0600.
      const { stdout: mode } = await run('stat', [
        '-c',
        '%a',
        path.join(scratch, `keys-${externalId}/device.json`),
      ]);
      assert.equal(mode.trim(), '600');
    });

    it(`verifies a real webhook delivery with the installed client SDK on plain ${label}`, {
      skip: nodeSkip(node),
    }, async () => {
      const { stdout } = await run(node, ['verify-webhook.mjs', deliveryFile], {
        cwd: scratch,
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 60_000,
      });
      const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      assert.match(outcome.node, label === 'Node 20' ? /^v20\./ : /^v24\./);
      assert.deepEqual(
        { standard: outcome.standard, earlier: outcome.earlier, altered: outcome.altered },
        {
          standard: ['webhook.test', true],
          earlier: 'webhook.test',
          altered: 'WEBHOOK_SIGNATURE_INVALID',
        },
      );
    });
  }

  it('compiles a TypeScript file against the declarations with moduleResolution NodeNext', async () => {
    writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'dom'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['consumer.mts'],
      }),
    );
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch }).catch((error) => {
      assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
    });
    // And it does check: a wrong call against the same declarations fails.
    writeFileSync(
      path.join(scratch, 'wrong.mts'),
      "import { createHelpdeskAuthClient } from '@helpdesk-auth/client';\ncreateHelpdeskAuthClient({ baseUrl: 1 });\n",
    );
    const config = JSON.parse(readFileSync(path.join(scratch, 'tsconfig.json'), 'utf8'));
    writeFileSync(
      path.join(scratch, 'tsconfig.wrong.json'),
      JSON.stringify({ ...config, files: ['wrong.mts'] }),
    );
    await assert.rejects(
      run(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], { cwd: scratch }),
      (error: { stdout: string }) => /wrong\.mts\(2,\d+\): error TS2/.test(error.stdout),
    );
  });

  it('bundles the device SDK and the widget with Vite; the page enrolls, approves and shows the panel in Chromium', {
    skip: browserSkip,
  }, async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      info: () => {},
      warn: (message) => void warnings.push(message),
      warnOnce: (message) => void warnings.push(message),
      error: (message) => void warnings.push(message),
      clearScreen: () => {},
      hasErrorLogged: () => false,
      hasWarned: false,
    };
    await viteBuild({
      root: path.join(scratch, 'web'),
      configFile: false,
      customLogger: logger,
      logLevel: 'warn',
      build: { outDir: 'dist', emptyOutDir: true },
    });
    // Nothing of Node (node:fs, node:crypto) was pulled into the browser bundle.
    assert.deepEqual(warnings, []);

    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const post = async <T>(url: string, body: unknown): Promise<T> => {
      const answer = await fetch(`${proxyOrigin}${url}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(answer.ok, true, `${url}: ${answer.status}`);
      return (await answer.json()) as T;
    };
    const customer = await post<{ id: string }>('/v1/customers', {
      displayName: 'Bundle Bea',
      externalId: 'PACKED-WEB',
    });
    const activation = await post<{ link: string }>(`/v1/customers/${customer.id}/activations`, {});

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${proxyOrigin}/`);
    await page.waitForFunction(() => 'packed' in globalThis);
    assert.equal(
      await page.evaluate(
        () => (globalThis as unknown as { packed: { widgetDefined: boolean } }).packed.widgetDefined,
      ),
      true,
    );

    type Packed = {
      enroll(link: string): Promise<string>;
      approve(id: string, code: string): Promise<{ status: string; agentName: string }>;
      showWidget(token: string): void;
    };
    const deviceId = await page.evaluate(
      (link) => (globalThis as unknown as { packed: Packed }).packed.enroll(link),
      activation.link,
    );
    assert.match(deviceId, /^dev_/);

    const started = await post<{ id: string; code: string }>('/v1/verifications', {
      customerId: customer.id,
      reason: 'Bundle',
      agentName: 'Sam',
    });
    const approved = await page.evaluate(
      ([id, code]) => (globalThis as unknown as { packed: Packed }).packed.approve(id, code),
      [started.id, started.code] as const,
    );
    assert.deepEqual(approved, { status: 'approved', agentName: 'Sam' });

    const widget = await post<{ token: string }>('/v1/widget-tokens', {
      externalId: 'PACKED-WEB',
      agentName: 'Sam Support',
      ttlSeconds: 300,
    });
    await page.evaluate(
      (token) => (globalThis as unknown as { packed: Packed }).packed.showWidget(token),
      widget.token,
    );
    const panel = page.frameLocator('helpdesk-verify iframe');
    await panel.getByText('Bundle Bea').waitFor({ timeout: 15_000 });
    assert.deepEqual(errors, []);
  });
});
