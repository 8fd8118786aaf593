/**
 * Time limits on receiving a request, over real sockets to a listening server with small limits
 * (HTTP_HEADERS_TIMEOUT_MS 400 ms, HTTP_REQUEST_TIMEOUT_MS 800 ms): a request whose headers stop
 * half-way is answered 408 and disconnected, as is one whose body stops half-way, and a connection
 * that never sends a byte; 50 such connections at once are all closed and the server still
 * answers. An event stream, a long-lived response, outlives every limit. Loopback only.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

const headersTimeoutMs = 400;
const requestTimeoutMs = 800;
/** Far beyond both limits and Node's checking interval; a socket still open then was not cut. */
const patienceMs = 10_000;

interface OpenSocket {
  socket: Socket;
  received: () => string;
  /** Resolves with the milliseconds from connect to close, or undefined if still open after `withinMs`. */
  closed: (withinMs: number) => Promise<number | undefined>;
}

async function open(port: number): Promise<OpenSocket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const started = Date.now();
  let data = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  const closing = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  return {
    socket,
    received: () => data,
    closed: (withinMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), withinMs);
      });
      return Promise.race([closing, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

for (const kind of databaseKinds) {
  describe(`request time limits on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let port: number;
    const sockets: Socket[] = [];
    const track = async () => {
      const s = await open(port);
      sockets.push(s.socket);
      return s;
    };

    before(async () => {
      h = await startTestHarness(
        kind,
        { httpHeadersTimeoutMs: headersTimeoutMs, httpRequestTimeoutMs: requestTimeoutMs },
        { listen: true, realClock: true },
      );
      port = Number(new URL(h.baseUrl).port);
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await h?.close();
    });

    it('disconnects a request whose headers stop half-way, with a 408', async () => {
      const s = await track();
      s.socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const elapsed = await s.closed(patienceMs);
      assert.ok(elapsed !== undefined, 'the half-sent request was not disconnected');
      assert.ok(elapsed >= headersTimeoutMs - 50, `closed after ${elapsed} ms`);
      assert.match(s.received(), /^HTTP\/1\.1 408 /);
    });

    it('disconnects a connection that never sends a byte', async () => {
      const s = await track();
      assert.ok((await s.closed(patienceMs)) !== undefined, 'the silent connection was not disconnected');
    });

    it('disconnects a request whose body stops half-way, with a 408', async () => {
      const s = await track();
      const body = JSON.stringify({ tenant: 'acme', email: 'a@acme.example', password: 'x'.repeat(40) });
      s.socket.write(
        `POST /v1/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
      );
      s.socket.write(body.slice(0, 10));
      // Trickle a byte now and then, well within any idle limit, but never finish.
      const trickle = setInterval(() => s.socket.write(' '), 100);
      const elapsed = await s.closed(patienceMs).finally(() => clearInterval(trickle));
      assert.ok(elapsed !== undefined, 'the slow body was not cut');
      assert.ok(elapsed >= requestTimeoutMs - 50, `closed after ${elapsed} ms`);
      assert.match(s.received(), /^HTTP\/1\.1 408 /);
    });

    it('closes 50 half-sent requests and keeps answering', async () => {
      const many = await Promise.all(Array.from({ length: 50 }, () => track()));
      for (const s of many) s.socket.write('GET /readyz HTTP/1.1\r\n');
      const closed = await Promise.all(many.map((s) => s.closed(patienceMs)));
      assert.equal(closed.filter((ms) => ms === undefined).length, 0);
      const ready = await fetch(`${h.baseUrl}/readyz`);
      assert.equal(ready.status, 200);
    });

    it('keeps an event stream open well past every limit', async () => {
      const tenant = await h.createTenant(`stream-${kind}`);
      const op = await h.createOperator(tenant, 'agent');
      const agent = await h.signIn(tenant, op.email);
      const s = await track();
      s.socket.write(
        `GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\ncookie: hda_session=${agent.cookie}\r\n\r\n`,
      );
      const lifetime = 3 * requestTimeoutMs + 1_000;
      assert.equal(await s.closed(lifetime), undefined, 'the event stream was cut');
      assert.match(s.received(), /^HTTP\/1\.1 200 /);
      assert.match(s.received(), /content-type: text\/event-stream/i);
      s.socket.destroy();
    });
  });
}
