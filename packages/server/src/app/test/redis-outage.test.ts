/**
 * Redis is a convenience, not a dependency of a request: the server reaches Redis through a TCP
 * relay on 127.0.0.1 that the test can hang (connections stay open, nothing passes) or cut
 * (connections reset, new ones refused). Meanwhile verifications start and devices decide
 * within a bound and without a 500, /readyz stays ready and says Redis is down, events still
 * reach this process's own listeners; and once Redis is back, /readyz says so and events travel
 * through Redis again. Runs on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { permissions } from '@helpdesk-auth/core';
import { createClient } from 'redis';
import type { LiveEvent } from '../../platform/live-events.ts';
import { topics } from '../../platform/live-events.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { redisSkip, testRedisUrl } from '../../test-support/redis.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

/** Far more than a request may wait for Redis (250 ms), far less than the 12 s it once hung. */
const boundMs = 5000;

interface Relay {
  url: string;
  /** Connections stay open but nothing passes, as with a network that drops packets. */
  hang(): void;
  /** Open connections are reset and new ones refused, as when Redis stops. */
  cut(): void;
  /** Traffic passes again (new connections; hung ones carry on). */
  restore(): void;
  close(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  let mode: 'open' | 'hung' | 'cut' = 'open';
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(Number(target.port || 6379), target.hostname, () => {
      client.pipe(upstream);
      upstream.pipe(client);
      if (mode === 'hung') {
        client.pause();
        upstream.pause();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const each = (action: (socket: Socket) => void) => {
    for (const [client, upstream] of pairs) {
      action(client);
      action(upstream);
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    hang() {
      mode = 'hung';
      // Unpiping stops the flow both ways while the sockets stay open.
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    cut() {
      mode = 'cut';
      each((socket) => socket.destroy());
    },
    restore() {
      mode = 'open';
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
    },
    async close() {
      each((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `work`, or a failure naming `what` when it takes longer than the bound. */
async function withinBound<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${boundMs} ms`)), boundMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} did not happen within 15 s`);
}

const skip = await redisSkip();

for (const kind of databaseKinds) {
  describe(`a Redis outage on ${kind}`, {
    skip: skip || (kind === 'postgres' ? await postgresSkip() : false),
  }, () => {
    let relay: Relay;
    let h: TestHarness;
    let key: string;
    let tenantId: string;
    let customerId: string;
    let device: TestDevice;
    const statuses: number[] = [];

    before(async () => {
      relay = await startRelay(new URL(testRedisUrl));
      h = await startTestHarness(kind, { redisUrl: relay.url });
      const tenant = await h.createTenant('outage');
      tenantId = tenant.id;
      key = await h.createApiKey(tenant, [...permissions]);
      const system = { type: 'system', id: null } as const;
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Ola' }, system);
      customerId = customer.id;
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
    });
    after(async () => {
      relay?.restore();
      await h?.close();
      await relay?.close();
    });

    async function readiness(): Promise<{ status: number; redis: string | undefined }> {
      const response = await h.app.inject({ method: 'GET', url: '/readyz' });
      statuses.push(response.statusCode);
      return { status: response.statusCode, redis: (response.json() as { redis?: string }).redis };
    }

    /** Starts a verification and has the device approve it, each within the bound. */
    async function startAndApprove(): Promise<string> {
      // Each start in a push-cap window of its own: the test starts more than one window allows.
      h.clock.advance(3600_000);
      const started = await withinBound(
        'starting a verification',
        h.app.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: `Bearer ${key}` },
          payload: { customerId, reason: 'Address change', callReference: 'CALL-9', agentName: 'Kim' },
        }),
      );
      statuses.push(started.statusCode);
      assert.equal(started.statusCode, 201, started.body);
      const { id, code } = started.json() as { id: string; code: string };
      const signedDecision = await device.decide(id, 'approve', { code });
      const decided = await withinBound(
        'a decision',
        h.app.inject({
          method: 'POST',
          url: `/v1/device/verifications/${id}/decision`,
          payload: { signedDecision },
        }),
      );
      statuses.push(decided.statusCode);
      assert.equal(decided.statusCode, 200, decided.body);
      const read = await h.app.inject({
        method: 'GET',
        url: `/v1/verifications/${id}`,
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal((read.json() as { status: string }).status, 'approved', 'the database has the decision');
      return id;
    }

    /** Events this process's listeners get on the customer's topic. */
    function listen(): { events: LiveEvent[]; stop: () => void } {
      const events: LiveEvent[] = [];
      const stop = h.runtime.services.context.events.subscribe(
        topics.customer(tenantId, customerId),
        (event) => events.push(event),
      );
      return { events, stop };
    }

    it('with Redis up, /readyz says so and a start works', async () => {
      await until(async () => (await readiness()).redis === 'up', 'Redis up');
      await startAndApprove();
    });

    it('with Redis hanging, starts and decisions complete, /readyz stays ready and says down', async () => {
      relay.hang();
      // Before a PING has gone unanswered, a request must not wait for Redis either.
      await startAndApprove();
      await until(async () => (await readiness()).redis === 'down', '/readyz noticing');
      assert.equal((await readiness()).status, 200, 'still ready: the service works without Redis');
      const local = listen();
      try {
        await startAndApprove();
        assert.ok(
          local.events.some((event) => event.type === 'verification'),
          "this process's own listeners still hear the start",
        );
      } finally {
        local.stop();
      }
    });

    it('with Redis gone (connections reset, none accepted), the same', async () => {
      relay.cut();
      await startAndApprove();
      const ready = await readiness();
      assert.deepEqual(ready, { status: 200, redis: 'down' });
      await startAndApprove();
    });

    it('once Redis is back, /readyz says up and events travel through Redis again', async () => {
      relay.restore();
      await until(async () => (await readiness()).redis === 'up', 'Redis back');
      // A client straight to Redis sees what the server publishes: events go through Redis.
      const watcher = createClient({ url: testRedisUrl });
      watcher.on('error', () => {});
      await watcher.connect();
      const seen: string[] = [];
      try {
        await watcher.subscribe(`helpdesk-auth:${topics.customer(tenantId, customerId)}`, (message) =>
          seen.push(message),
        );
        const local = listen();
        try {
          // The server's own subscription may still be on its way to Redis after the reconnection.
          await until(async () => {
            await startAndApprove();
            return seen.length > 0 && local.events.length > 0;
          }, 'events through Redis');
        } finally {
          local.stop();
        }
      } finally {
        await watcher.quit().catch(() => {});
      }
      assert.ok(seen.some((message) => (JSON.parse(message) as LiveEvent).type === 'verification'));
    });

    it('answered no request with a 500', () => {
      assert.ok(statuses.length > 0);
      assert.deepEqual(
        statuses.filter((status) => status >= 500),
        [],
      );
    });
  });
}
