/**
 * Webhook delivery that keeps up: a burst drains through as many attempts in flight as the
 * settings allow, each endpoint's deliveries go out in the order of their events, a slow endpoint
 * holds only its own share while a fast one gets everything, and two processes (on SQLite two
 * pumps on one database) deliver each delivery exactly once. Runs on SQLite and PostgreSQL. No
 * timing is asserted: the senders here answer when the test lets them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../config/config.ts';
import type { Actor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { WebhookRequest, WebhookSender, WebhookSendResult } from '../../providers/webhook-sender.ts';
import {
  createTestDatabase,
  databaseKinds,
  startTestHarness,
  type TestDatabase,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/stand-ins/webhook-receiver.ts';
import { createWebhookService, deliveryIdHeader } from './webhooks.ts';

const system: Actor = { type: 'system', id: null };
const settings: Partial<Config> = { webhookAllowLoopback: true };
const encryptionKey = Buffer.alloc(32, 9).toString('base64');

/** The context of a harness with other webhook settings (a second service on the same database). */
function withSettings(h: TestHarness, change: Partial<Config>): ServiceContext {
  const context = h.runtime.services.context;
  return { ...context, config: { ...context.config, ...change } };
}

/** A sender that records each request as it starts and answers 200 when `answer` lets it. */
function recordingSender(answer: (request: WebhookRequest) => Promise<void> = async () => {}) {
  const started: WebhookRequest[] = [];
  const sender: WebhookSender = {
    async send(request): Promise<WebhookSendResult> {
      started.push(request);
      await answer(request);
      return { outcome: 'succeeded', status: 200, durationMs: 1 };
    },
  };
  return { sender, started };
}

const deliveryIds = (requests: WebhookRequest[], url?: string) =>
  requests.filter((r) => url === undefined || r.url === url).map((r) => r.headers[deliveryIdHeader]!);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), what);
}

for (const kind of databaseKinds) {
  describe(`webhook throughput and order on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let shared: TestDatabase;
    let h: TestHarness;
    let receiver: WebhookReceiver;
    let tenantId: string;

    before(async () => {
      shared = await createTestDatabase(kind);
      h = await startTestHarness(kind, { ...settings, ...shared.config, encryptionKey });
      tenantId = (await h.createTenant('burst')).id;
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver?.close();
      await h?.close();
      await shared?.cleanup();
    });

    /** An endpoint with `count` queued test deliveries; returns its id, URL and the delivery ids in event order. */
    async function endpointWithBacklog(url: string, count: number) {
      const { endpoint, secret } = await h.runtime.services.webhooks.create(
        tenantId,
        { url, events: ['webhook.test'] },
        system,
      );
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push((await h.runtime.services.webhooks.sendTest(tenantId, endpoint.id, system)).id);
      }
      return { id: endpoint.id, url, secret, ids };
    }

    async function statuses(endpointId: string): Promise<string[]> {
      const rows = await h.runtime.database.db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('endpoint_id', '=', endpointId)
        .execute();
      return rows.map((row) => row.status);
    }

    it('a fast receiver gets a burst once each and in the order of its events (one at a time per endpoint)', async () => {
      receiver.received.length = 0;
      const endpoint = await endpointWithBacklog(receiver.url, 40);
      receiver.secrets = [endpoint.secret];
      const webhooks = createWebhookService(withSettings(h, { webhookEndpointConcurrency: 1 }));
      assert.equal(await webhooks.deliverDue(), 40);
      assert.deepEqual(
        receiver.received.map((r) => r.headers[deliveryIdHeader]),
        endpoint.ids,
        'in order, none twice, none missing',
      );
      assert.ok(receiver.received.every((r) => r.validSignatures === 1));
      assert.deepEqual(new Set(await statuses(endpoint.id)), new Set(['succeeded']));
      assert.equal(await webhooks.deliverDue(), 0, 'nothing left to send');
    });

    it('with many in flight to one endpoint, its deliveries still start in event order, up to the limit at once', async () => {
      const endpoint = await endpointWithBacklog('http://127.0.0.1:9/in-flight', 60);
      let inFlight = 0;
      let most = 0;
      const gates: Array<() => void> = [];
      const { sender, started } = recordingSender(async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight--;
      });
      const webhooks = createWebhookService(
        withSettings(h, { webhookConcurrency: 16, webhookEndpointConcurrency: 8 }),
        { sender },
      );
      const drained = webhooks.deliverDue();
      // Answer the attempts as they come, a few at a time, until all 60 have started.
      for (let i = 0; i < 4000 && started.length < 60; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        gates.splice(0, 3).forEach((open) => {
          open();
        });
      }
      while (gates.length > 0 || started.length < 60) {
        gates.splice(0).forEach((open) => {
          open();
        });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal(await drained, 60);
      assert.deepEqual(deliveryIds(started), endpoint.ids, 'started in event order, once each');
      assert.ok(most <= 8, `at most the endpoint's limit at once (saw ${most})`);
      assert.ok(most > 1, 'more than one at a time');
      assert.deepEqual(new Set(await statuses(endpoint.id)), new Set(['succeeded']));
    });

    it('a slow endpoint holds only its share of the slots; a fast one gets its whole burst meanwhile', async () => {
      const slow = await endpointWithBacklog('http://127.0.0.1:9/slow', 10);
      const fast = await endpointWithBacklog('http://127.0.0.1:9/fast', 30);
      const held: Array<() => void> = [];
      let slowWhileFastRan = 0;
      const { sender, started } = recordingSender(async (request) => {
        if (request.url !== slow.url) return;
        if (deliveryIds(started, fast.url).length < 30)
          slowWhileFastRan = Math.max(slowWhileFastRan, held.length + 1);
        await new Promise<void>((resolve) => held.push(resolve));
      });
      const webhooks = createWebhookService(
        withSettings(h, { webhookConcurrency: 4, webhookEndpointConcurrency: 4 }),
        { sender },
      );
      const drained = webhooks.deliverDue();
      await until(
        () => deliveryIds(started, fast.url).length === 30,
        'the fast endpoint got its burst while the slow one hangs',
      );
      // Two endpoints share 4 slots: the slow one had 2 attempts hanging, no more, while the fast
      // one had work (once that is done, the slow one may use every slot).
      assert.equal(slowWhileFastRan, 2);
      assert.deepEqual(deliveryIds(started, fast.url), fast.ids);
      while (deliveryIds(started, slow.url).length < 10 || held.length > 0) {
        held.splice(0).forEach((release) => {
          release();
        });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal(await drained, 40);
      assert.deepEqual(deliveryIds(started, slow.url), slow.ids);
      assert.deepEqual(new Set(await statuses(slow.id)), new Set(['succeeded']));
    });

    it('a failing endpoint is retried with backoff and does not hold up another', async () => {
      const failing = await endpointWithBacklog('http://127.0.0.1:9/failing', 5);
      const fine = await endpointWithBacklog('http://127.0.0.1:9/fine', 5);
      const started: WebhookRequest[] = [];
      const sender: WebhookSender = {
        async send(request) {
          started.push(request);
          return request.url === failing.url
            ? { outcome: 'failed', status: 503, durationMs: 1, reason: 'HTTP 503' }
            : { outcome: 'succeeded', status: 200, durationMs: 1 };
        },
      };
      const webhooks = createWebhookService(h.runtime.services.context, { sender });
      assert.equal(await webhooks.deliverDue(), 10);
      assert.deepEqual(new Set(await statuses(fine.id)), new Set(['succeeded']));
      assert.deepEqual(await statuses(failing.id), ['pending', 'pending', 'pending', 'pending', 'pending']);
      assert.equal(await webhooks.deliverDue(), 0, 'the retries are not due yet');
      h.clock.advance(30_000);
      assert.equal(await webhooks.deliverDue(), 5, 'due again after the backoff');
      assert.deepEqual(deliveryIds(started, failing.url), [...failing.ids, ...failing.ids]);
    });

    it('the background loop of a server process drains a burst by itself, and stops cleanly', async () => {
      const endpoint = await endpointWithBacklog('http://127.0.0.1:9/background', 30);
      const { sender, started } = recordingSender(() => new Promise((resolve) => setImmediate(resolve)));
      const errors: unknown[] = [];
      const webhooks = createWebhookService(withSettings(h, { webhookPollIntervalMs: 20 }), { sender });
      webhooks.start((error) => errors.push(error));
      try {
        await until(() => started.length >= 30, 'the loop sent the burst');
      } finally {
        await webhooks.stop();
      }
      assert.deepEqual(deliveryIds(started, endpoint.url), endpoint.ids);
      assert.deepEqual(new Set(await statuses(endpoint.id)), new Set(['succeeded']));
      assert.deepEqual(errors, []);
    });

    it('two processes (on SQLite: two pumps) drain a burst together: each delivery once, each endpoint in order', async () => {
      const endpoints = [];
      for (let e = 0; e < 3; e++)
        endpoints.push(await endpointWithBacklog(`http://127.0.0.1:9/pair/${e}`, 40));
      const other =
        kind === 'postgres'
          ? await startTestHarness(kind, { ...settings, ...shared.config, encryptionKey })
          : h;
      try {
        // Both record into one list, in the order the attempts started, wherever they run.
        const { sender, started } = recordingSender(() => new Promise((resolve) => setImmediate(resolve)));
        const change = { webhookEndpointConcurrency: 1 };
        const one = createWebhookService(withSettings(h, change), { sender });
        const two = createWebhookService(withSettings(other, change), { sender });
        assert.notEqual(one.workerId, two.workerId);
        const counts = await Promise.all([one.deliverDue(), two.deliverDue(), one.deliverDue()]);
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          120,
        );
        const all = deliveryIds(started);
        assert.equal(all.length, 120);
        assert.equal(new Set(all).size, 120, 'no delivery was sent twice');
        for (const endpoint of endpoints) {
          assert.deepEqual(deliveryIds(started, endpoint.url), endpoint.ids, 'each endpoint in event order');
          assert.deepEqual(new Set(await statuses(endpoint.id)), new Set(['succeeded']));
        }
        const attempts = await h.runtime.database.db
          .selectFrom('webhook_attempts')
          .select(['delivery_id'])
          .where(
            'delivery_id',
            'in',
            endpoints.flatMap((e) => e.ids),
          )
          .execute();
        assert.equal(attempts.length, 120, 'one recorded attempt each');
      } finally {
        if (other !== h) await other.close();
      }
    });
  });
}
