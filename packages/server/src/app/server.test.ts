// Tests of the real server process as `npm start` runs it: first start, health checks, shutdown.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Cleanup, startServerProcess, type TrackedProcess } from '../test-support/processes.ts';

/**
 * The real process, as `npm start` runs it: first start on an empty data folder seeds the demo
 * tenant and prints the admin password once; /healthz and /readyz answer; SIGTERM lets an
 * in-flight request finish and exits cleanly; a second start keeps the data and prints no
 * password.
 */
/** The server as `npm start` runs it; ended when the test ends, pass or fail (test-support/processes.ts). */
function startServer(t: Cleanup, dataDir: string, port: number): Promise<TrackedProcess> {
  return startServerProcess(t, {
    DATA_DIR: dataDir,
    PORT: String(port),
    HELPDESK_AUTH_MODE: 'development',
    LOG_LEVEL: 'info',
  });
}

describe('server process', () => {
  let dataDir: string;
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const base = `http://localhost:${port}`;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ha-server-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('seeds the demo tenant once, serves health checks and shuts down gracefully', async (t) => {
    const first = await startServer(t, dataDir, port);
    const password = /password: (\S+)/.exec(first.output())?.[1];
    assert.ok(password, 'the first start prints the demo admin password');
    assert.equal(first.output().match(/password: /g)?.length, 1);

    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', database: 'sqlite' });

    const signIn = await fetch(`${base}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'demo', email: 'admin@demo.example', password }),
    });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;

    const { csrfToken } = (await signIn.json()) as { csrfToken: string };

    // A request whose headers and half of whose body have arrived is in flight; SIGTERM comes
    // now, the rest of the body after it, and the request must still complete.
    const body = JSON.stringify({ displayName: 'Late Caller', externalId: 'LATE-1' });
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${base}/v1/customers`,
        {
          method: 'POST',
          headers: {
            cookie,
            'x-csrf-token': csrfToken,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        first.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 200);
      }, 200);
    });
    const response = await inFlight;
    assert.equal(response.status, 201, response.text);
    assert.equal(JSON.parse(response.text).externalId, 'LATE-1');
    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), /shut down cleanly/);
    assert.equal(first.output().includes(password), true);
    assert.equal(
      first
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(password)).length,
      0,
      'the password is printed for the person, never in a log line',
    );

    const second = await startServer(t, dataDir, port);
    assert.doesNotMatch(second.output(), /password: /, 'a restart keeps the data and prints no password');
    const again = await fetch(`${base}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'demo', email: 'admin@demo.example', password }),
    });
    const found = await fetch(`${base}/v1/customers?externalId=LATE-1`, {
      headers: { cookie: again.headers.get('set-cookie')!.split(';')[0]! },
    });
    assert.equal(
      ((await found.json()) as { items: unknown[] }).items.length,
      1,
      'the late request was committed',
    );
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
