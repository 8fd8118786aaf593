/**
 * The container image's contents, without a container engine: runs scripts/image/build.ts (what
 * the Dockerfile's build stage runs) into a scratch folder and checks the result: only the
 * server's production dependencies, no tests or test support, the web builds inside; then runs
 * the server from that folder the way the image does (production mode, SQLite in a data folder,
 * metrics on a loopback port), checks its health routes, and stops it with SIGTERM while an
 * event stream is open. Also checks that the Dockerfile runs this script and that compose.yaml
 * describes the trial setup it documents.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { spawnTracked } from '../../packages/server/src/test-support/processes.ts';
import { buildImageFolder, repoRoot } from './build.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every file below `folder`, relative to it (node_modules left out unless asked). */
function walk(folder: string, into: string[] = [], prefix = '', withModules = false): string[] {
  for (const entry of readdirSync(path.join(folder, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' && !withModules) continue;
      walk(folder, into, relative, withModules);
    } else into.push(relative);
  }
  return into;
}

describe('container image contents (scripts/image/build.ts)', () => {
  let out: string;
  let scratch: string;

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'ha-image-'));
    out = path.join(scratch, 'app');
    buildImageFolder(out);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds the server, its production dependencies and the web builds, and nothing for tests', () => {
    const files = walk(out);
    assert.ok(files.includes('packages/server/src/cli/main.ts'));
    assert.ok(files.includes('packages/server/bin/helpdesk-auth.js'));
    assert.ok(files.includes('packages/core/src/index.ts'));
    assert.ok(files.includes('apps/console/dist/index.html'), 'the console is built in');
    assert.ok(files.includes('apps/authenticator/dist/index.html'), 'the authenticator is built in');
    assert.ok(files.includes('packages/widget/browser/helpdesk-verify.js'));
    const testOnly = files.filter(
      (f) =>
        /\.test\.ts$/.test(f) ||
        /(^|\/)(test-support|test|e2e|bench)\//.test(f) ||
        f.startsWith('apps/console/src/') ||
        f.startsWith('apps/authenticator/src/'),
    );
    assert.deepEqual(testOnly, [], 'no tests, test support, benchmarks or app sources');

    // Every installed package is one the lockfile marks as a production dependency.
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
    };
    const installed: string[] = [];
    const modules = path.join(out, 'node_modules');
    for (const name of readdirSync(modules)) {
      if (name.startsWith('.')) continue;
      if (name.startsWith('@'))
        for (const inner of readdirSync(path.join(modules, name))) installed.push(`${name}/${inner}`);
      else installed.push(name);
    }
    assert.ok(installed.includes('fastify') && installed.includes('prom-client') && installed.includes('pg'));
    const devOnly = installed.filter((name) => {
      const entry = lock.packages[`node_modules/${name}`];
      return entry?.dev === true || entry?.devOptional === true;
    });
    assert.deepEqual(devOnly, [], 'no development-only package is installed');
    for (const name of [
      'typescript',
      'vite',
      '@biomejs/biome',
      'playwright-core',
      'oidc-provider',
      'smtp-server',
      'node',
    ]) {
      assert.equal(existsSync(path.join(modules, name)), false, `${name} is not in the image`);
    }
    // Node keeps the cache per user id: the image's build runs as the user its server runs as.
    const [cacheFolder, ...others] = readdirSync(path.join(out, '.node-compile-cache'));
    assert.equal(others.length, 0);
    assert.match(cacheFolder!, new RegExp(`^v${process.versions.node}-.*-${process.getuid!()}$`));
    const cache = walk(path.join(out, '.node-compile-cache'));
    assert.ok(cache.length > 100, 'the compile cache is warmed');
    for (const file of cache) {
      const mode = statSync(path.join(out, '.node-compile-cache', file)).mode;
      assert.equal(mode & 0o004, 0o004, `${file} is readable by the server's user`);
    }
  });

  it('runs as the image runs it: health, readiness, the console, metrics on loopback, a graceful stop', async (t) => {
    const dataDir = path.join(scratch, 'data');
    const port = await freePort();
    const metricsPort = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HELPDESK_AUTH_MODE: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: 'https://helpdesk-auth.example',
      DATA_DIR: dataDir,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      METRICS_PORT: String(metricsPort),
      NODE_COMPILE_CACHE: path.join(out, '.node-compile-cache'),
    };
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, ['packages/server/bin/helpdesk-auth.js', ...args], {
        cwd: out,
        env,
        encoding: 'utf8',
      });
    // The command line works from the image too: a tenant and an API key for the event stream.
    cli('tenant', 'create', 'acme', '--name', 'Acme Bank');
    const key = /Key \(shown only now\): (\S+)/.exec(
      cli('api-key', 'create', '--tenant', 'acme', '--name', 'stream', '--scopes', 'verifications:read'),
    )?.[1];
    assert.ok(key);

    const server = spawnTracked(process.execPath, ['packages/server/bin/helpdesk-auth.js', 'serve'], {
      t,
      cwd: out,
      env,
    });
    await server.waitFor(/is running at/);
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', database: 'sqlite' });
    assert.equal((await fetch(`${base}/console/`)).status, 200);
    assert.equal((await fetch(`${base}/app/`)).status, 200);
    assert.equal((await fetch(`${base}/metrics`)).status, 404, 'no metrics on the main port without a token');

    // An event stream is open when SIGTERM comes: the server ends it and exits cleanly.
    const stream = await new Promise<{ status: number; ended: Promise<void> }>((resolve, reject) => {
      const req = request(`${base}/v1/events`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, ended: new Promise((done) => res.once('close', () => done())) });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(stream.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^helpdesk_auth_event_streams_open 1$/m);
    assert.match(metrics, /^helpdesk_auth_db_connections\{database="sqlite",state="total"\} 1$/m);

    server.child.kill('SIGTERM');
    await stream.ended;
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /shut down cleanly/);
  });
});

describe('Dockerfile and compose.yaml', () => {
  it('the Dockerfile builds with the script, runs Node 24 as a non-root user with a health check', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
    assert.equal(stages.length, 2, 'a build stage and a runtime stage');
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-/m);
    assert.match(dockerfile, /^RUN node scripts\/image\/build\.ts \/app$/m);
    const build = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
    assert.match(build, /^USER node$/m, 'the build warms the compile cache as the user the server runs as');
    assert.match(dockerfile, /^COPY --from=build \/app \/app$/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/healthz/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.doesNotMatch(runtime, /npm (ci|install)/, 'the runtime stage installs nothing');
  });

  it('compose.yaml runs two servers on PostgreSQL with Redis, each waiting for healthy services', () => {
    const compose = parseYaml(readFileSync(path.join(repoRoot, 'compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<
        string,
        {
          image?: string;
          build?: string;
          environment?: Record<string, string>;
          depends_on?: Record<string, { condition: string }>;
          healthcheck?: { test: string[] };
          ports?: string[];
        }
      >;
    };
    const { services } = compose;
    assert.deepEqual(Object.keys(services).sort(), ['postgres', 'redis', 'server-a', 'server-b']);
    assert.match(services.postgres!.image!, /^postgres:\d+/);
    assert.match(services.redis!.image!, /^redis:\d+/);
    assert.ok(services.postgres!.healthcheck && services.redis!.healthcheck);
    for (const name of ['server-a', 'server-b']) {
      const server = services[name]!;
      assert.equal(server.build, '.');
      assert.match(server.environment!.DATABASE_URL!, /^postgres:\/\/[^@]+@postgres:5432\//);
      assert.equal(server.environment!.REDIS_URL, 'redis://redis:6379');
      assert.equal(server.environment!.HELPDESK_AUTH_MODE, 'production');
      assert.deepEqual(server.depends_on, {
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      for (const port of server.ports ?? [])
        assert.match(port, /^127\.0\.0\.1:/, 'published on loopback only');
    }
  });
});
