/**
 * Rollout campaigns on SQLite and PostgreSQL, through the development outbox: invitations reach
 * each customer once with a working link, opt-outs are honoured, the funnel moves when a customer
 * opens the link and enrolls, the sender keeps to its rates (counted per window of the test
 * clock), two workers racing never send one campaign to a customer twice, a restart carries on
 * without repeating or losing anyone, and bad input is refused with typed 4xx answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import { openRuntime, type Runtime } from '../../app/runtime.ts';
import { cliActor, verifyTenantAuditChain } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice } from '../../test-support/test-device.ts';

interface Detail {
  campaign: { id: string; status: string; total: number; audienceComplete: boolean; audience: unknown };
  funnel: {
    audience: number;
    pending: number;
    sent: number;
    delivered: number;
    opened: number;
    enrolled: number;
    skipped: number;
    failed: number;
    reasons: Record<string, number>;
  };
  progress: { done: number; total: number; percent: number };
}

for (const kind of databaseKinds) {
  describe(`rollout campaigns on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantCounter = 0;

    before(async () => {
      h = await startTestHarness(kind, { campaignProviderRatePerSecond: 100_000 });
    });
    after(async () => h?.close());

    const api = (client: OperatorClient, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
      h.app.inject({ method, url, ...client.auth(), ...(payload ? { payload } : {}) });

    /** A tenant of its own with `count` customers (numbered, with phone, e-mail and language). */
    async function tenantWith(count: number, extra: (i: number) => object = () => ({})) {
      const tenant = await h.tenantWithOperators(`camp-${++tenantCounter}`);
      const customers: string[] = [];
      for (let i = 0; i < count; i++) {
        const customer = await h.runtime.services.customers.create(
          tenant.id,
          {
            displayName: `Customer ${i}`,
            externalId: `ext-${i}`,
            phone: `+4915123${String(100000 + i)}`,
            email: `c${i}@example.com`,
            locale: i % 2 === 0 ? 'de-DE' : 'en',
            ...extra(i),
          },
          cliActor,
        );
        customers.push(customer.id);
      }
      return { tenant, admin: tenant.clients.admin, customers };
    }

    /**
     * A tenant of its own with `count` customers written in one statement (enough of them for
     * the sender to work in full batches and several lanes), numbered as `tenantWith` numbers them.
     */
    async function tenantWithMany(count: number) {
      const tenant = await h.tenantWithOperators(`camp-${++tenantCounter}`);
      const now = h.clock.now();
      const rows = Array.from({ length: count }, (_, i) => ({
        id: newId('customer', now),
        tenant_id: tenant.id,
        external_id: `ext-${i}`,
        display_name: `Customer ${i}`,
        name_folded: `customer ${i}`,
        phone: `+4915123${String(100000 + i)}`,
        phone_changed_at: null,
        email: `c${i}@example.com`,
        locale: 'en',
        created_at: now,
        updated_at: now,
      }));
      await h.runtime.database.db.insertInto('customers').values(rows).execute();
      return { tenant, admin: tenant.clients.admin, customers: rows.map((r) => r.id) };
    }

    async function create(
      client: OperatorClient,
      body: object,
    ): Promise<Detail & { unmatched?: { count: number } }> {
      const response = await api(client, 'POST', '/v1/campaigns', body);
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }

    async function detail(client: OperatorClient, id: string): Promise<Detail> {
      const response = await api(client, 'GET', `/v1/campaigns/${id}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    }

    async function start(client: OperatorClient, id: string) {
      const response = await api(client, 'POST', `/v1/campaigns/${id}/start`);
      assert.equal(response.statusCode, 200, response.body);
    }

    /** Runs the sender until no campaign is running, moving the clock past each throttle window. */
    async function drain(runtime: Runtime = h.runtime) {
      for (let round = 0; round < 500; round++) {
        const result = await runtime.services.campaignSender.tick();
        if (!result.busy) return;
        if (result.waitMs !== null) h.clock.advance(result.waitMs);
      }
      throw new Error('the campaign never finished');
    }

    async function outbox(forTenant: string) {
      return h.runtime.database.db
        .selectFrom('message_outbox')
        .select(['recipient', 'body', 'channel', 'created_at'])
        .where('tenant_id', '=', forTenant)
        .orderBy('id')
        .execute();
    }

    it('invites every customer once in their language; opted-out and unreachable ones are skipped', async () => {
      const { tenant, admin, customers } = await tenantWith(6, (i) =>
        i === 5 ? { phone: null } : i === 4 ? { email: null } : {},
      );
      // Customer 3 opts out through the API; customer 5 has no phone and gets e-mail.
      const optOut = await api(admin, 'PATCH', `/v1/customers/${customers[3]}`, { campaignOptOut: true });
      assert.equal(optOut.statusCode, 200, optOut.body);
      assert.equal((optOut.json() as { campaignOptOut: boolean }).campaignOptOut, true);

      const created = await create(admin, {
        name: 'Rollout',
        kind: 'invitation',
        channel: 'sms_else_email',
        audience: { kind: 'all' },
      });
      assert.equal(created.campaign.status, 'draft');
      assert.equal(created.campaign.total, 6);
      await start(admin, created.campaign.id);
      await drain();

      const messages = await outbox(tenant.id);
      assert.equal(messages.length, 5, 'five invitations, the opted-out customer none');
      assert.equal(new Set(messages.map((m) => m.recipient)).size, 5, 'nobody twice');
      assert.ok(!messages.some((m) => m.recipient.includes('100003') || m.recipient === 'c3@example.com'));
      const byEmail = messages.find((m) => m.recipient === 'c5@example.com');
      assert.ok(byEmail, 'the customer without a phone got an e-mail');
      const german = messages.find((m) => m.recipient === '+4915123100000');
      assert.match(german!.body, /Richten Sie dieses Telefon ein/);
      assert.match(german!.body, /innerhalb von 14 Tagen/, "the link lasts the campaign's days, and says so");
      assert.match(german!.body, /\/v1\/campaign-links\/[A-Za-z0-9_-]{22}#code=/);

      const after = await detail(admin, created.campaign.id);
      assert.equal(after.campaign.status, 'completed');
      assert.deepEqual(
        [
          after.funnel.sent,
          after.funnel.delivered,
          after.funnel.skipped,
          after.funnel.failed,
          after.funnel.pending,
        ],
        [5, 5, 1, 0, 0],
      );
      assert.deepEqual(after.funnel.reasons, { OPTED_OUT: 1 });
      assert.deepEqual(after.progress, { done: 6, total: 6, percent: 100 });

      // The audit log names the campaign's life and each link sent for it.
      const actions = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('tenant_id', '=', tenant.id)
        .where('action', 'like', 'campaign.%')
        .execute();
      assert.deepEqual(actions.map((a) => a.action).sort(), [
        'campaign.completed',
        'campaign.created',
        'campaign.started',
      ]);
    });

    it('the funnel moves when a customer opens the link and enrolls a device', async () => {
      const { tenant, admin } = await tenantWith(3);
      const created = await create(admin, {
        name: 'Funnel',
        kind: 'invitation',
        channel: 'sms',
        audience: { kind: 'all' },
      });
      await start(admin, created.campaign.id);
      await drain();
      const [message] = await outbox(tenant.id);
      const [, token, code] = /\/v1\/campaign-links\/([A-Za-z0-9_-]{22})#code=([0-9A-Z-]+)/.exec(
        message!.body,
      )!;

      const opened = await h.app.inject({ method: 'GET', url: `/v1/campaign-links/${token}` });
      assert.equal(opened.statusCode, 303);
      assert.equal(
        opened.headers.location,
        '/app/activate',
        'the code stays in the fragment the browser keeps',
      );
      // A second opening counts once; an unknown token is answered the same way.
      await h.app.inject({ method: 'GET', url: `/v1/campaign-links/${token}` });
      const unknown = await h.app.inject({ method: 'GET', url: '/v1/campaign-links/AAAAAAAAAAAAAAAAAAAAAA' });
      assert.equal(unknown.statusCode, 303);
      let funnel = (await detail(admin, created.campaign.id)).funnel;
      assert.deepEqual([funnel.sent, funnel.opened, funnel.enrolled], [3, 1, 0]);

      // The link still works hours later (a campaign's link lives days, not an agent's 10 minutes).
      h.clock.advance(6 * 3600_000);
      await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: code!,
        now: h.clock.now,
      });
      funnel = (await h.runtime.services.campaigns.get(tenant.id, created.campaign.id)).funnel;
      assert.deepEqual([funnel.sent, funnel.opened, funnel.enrolled], [3, 1, 1]);
    });

    it('keeps to the campaign rate and the provider rate in every one-second window', async () => {
      const { tenant, admin } = await tenantWith(12);
      const created = await create(admin, {
        name: 'Slow',
        kind: 'announcement',
        channel: 'sms',
        audience: { kind: 'all' },
        messages: { default: '{tenant}: from next month we verify callers in our app.' },
        ratePerSecond: 3,
      });
      await start(admin, created.campaign.id);
      const started = h.clock.now();
      await drain();
      const messages = await outbox(tenant.id);
      assert.equal(messages.length, 12);
      const perWindow = new Map<number, number>();
      for (const m of messages) {
        const window = Math.floor((Number(m.created_at) - started) / 1000);
        perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
      }
      assert.ok(
        [...perWindow.values()].every((n) => n <= 3),
        JSON.stringify([...perWindow]),
      );
      assert.ok(perWindow.size >= 4, 'twelve messages at three a second take at least four windows');
      assert.match(messages[0]!.body, /^Tenant camp-\d+: from next month/);
    });

    it('the provider rate holds over two campaigns together', async () => {
      const limited = await startTestHarness(kind, { campaignProviderRatePerSecond: 4 });
      try {
        const tenant = await limited.tenantWithOperators('provider-rate');
        for (let i = 0; i < 10; i++) {
          await limited.runtime.services.customers.create(
            tenant.id,
            { displayName: `P ${i}`, phone: `+4915123${200000 + i}` },
            cliActor,
          );
        }
        const make = async (name: string) => {
          const { campaign } = await limited.runtime.services.campaigns.create(
            tenant.id,
            {
              name,
              kind: 'announcement',
              channel: 'sms',
              audience: { kind: 'all' },
              messages: { default: name },
              ratePerSecond: 100,
            },
            cliActor,
          );
          await limited.runtime.services.campaigns.change(tenant.id, campaign.id, 'start', cliActor);
        };
        await make('First');
        await make('Second');
        const startedAt = limited.clock.now();
        for (let round = 0; round < 200; round++) {
          const result = await limited.runtime.services.campaignSender.tick();
          if (!result.busy) break;
          if (result.waitMs !== null) limited.clock.advance(result.waitMs);
        }
        const sent = await limited.runtime.database.db
          .selectFrom('message_outbox')
          .select('created_at')
          .where('tenant_id', '=', tenant.id)
          .execute();
        assert.equal(sent.length, 20);
        const perWindow = new Map<number, number>();
        for (const m of sent) {
          const window = Math.floor((Number(m.created_at) - startedAt) / 1000);
          perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
        }
        assert.ok(
          [...perWindow.values()].every((n) => n <= 4),
          JSON.stringify([...perWindow]),
        );
      } finally {
        await limited.close();
      }
    });

    /**
     * Starts an invitation campaign to every customer of the tenant and runs it to its end with
     * two workers in each of two processes, then checks that each of the `count` customers got
     * one message and one activation. PostgreSQL: a second runtime with its own pool, as a second
     * server process would be. SQLite runs one writer per file, and a second connection in this
     * process would wait on the first synchronously, so there the workers race within one
     * runtime, interleaving at every await.
     */
    async function raceToTheEnd(
      world: { tenant: { id: string }; admin: Awaited<ReturnType<typeof tenantWith>>['admin'] },
      count: number,
      name: string,
      tick: (runtime: Runtime) => Promise<{ busy: boolean; waitMs: number | null }>,
    ) {
      const { tenant, admin } = world;
      const created = await create(admin, {
        name,
        kind: 'invitation',
        channel: 'sms',
        audience: { kind: 'all' },
        ratePerSecond: 1000,
      });
      await start(admin, created.campaign.id);
      const second =
        kind === 'postgres'
          ? await openRuntime(h.config, { warn: () => {}, clock: h.clock.now, timers: h.clock })
          : h.runtime;
      try {
        const worker = async (runtime: Runtime) => {
          for (let round = 0; round < 200; round++) {
            const result = await tick(runtime);
            if (!result.busy) return;
            if (result.waitMs !== null) h.clock.advance(result.waitMs);
          }
        };
        await Promise.all([worker(h.runtime), worker(second), worker(h.runtime), worker(second)]);
      } finally {
        if (second !== h.runtime) await second.close();
      }
      const messages = await outbox(tenant.id);
      assert.equal(messages.length, count, 'everyone once');
      assert.equal(new Set(messages.map((m) => m.recipient)).size, count, 'nobody twice');
      const activations = await h.runtime.database.db
        .selectFrom('one_time_tokens')
        .select('subject_id')
        .where('tenant_id', '=', tenant.id)
        .execute();
      assert.equal(activations.length, count, 'one activation per customer');
      const final = await detail(admin, created.campaign.id);
      assert.deepEqual(
        [final.campaign.status, final.funnel.sent, final.funnel.audience],
        ['completed', count, count],
      );
    }

    it('two workers racing (two connections, as two processes) never invite a customer twice', async () => {
      await raceToTheEnd(await tenantWith(40), 40, 'Race', (runtime) =>
        runtime.services.campaignSender.tick(7),
      );
    });

    it('sends in full batches and lanes: every window keeps the rate, older links are revoked, each step audited once per customer', async () => {
      const { tenant, admin, customers } = await tenantWithMany(260);
      const db = h.runtime.database.db;
      // Customer 7's number changed today: the SMS link must not go there, e-mail it is.
      await db
        .updateTable('customers')
        .set({ phone_changed_at: h.clock.now() })
        .where('id', '=', customers[7]!)
        .execute();
      // Customer 8 was sent a link earlier: the invitation's link replaces it.
      const earlier = await h.runtime.services.devices.createActivation(tenant.id, customers[8]!, cliActor);
      const created = await create(admin, {
        name: 'Large',
        kind: 'invitation',
        channel: 'sms_else_email',
        audience: { kind: 'all' },
        // Above one batch (100), so two lanes send side by side and share the window.
        ratePerSecond: 120,
      });
      await start(admin, created.campaign.id);
      const started = h.clock.now();
      await drain();
      const messages = await outbox(tenant.id);
      assert.equal(messages.length, 260);
      assert.equal(new Set(messages.map((m) => m.recipient)).size, 260, 'nobody twice');
      assert.ok(messages.some((m) => m.recipient === 'c7@example.com'));
      assert.ok(!messages.some((m) => m.recipient === '+4915123100007'));
      const perWindow = new Map<number, number>();
      for (const m of messages) {
        const window = Math.floor((Number(m.created_at) - started) / 1000);
        perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
      }
      assert.ok(
        [...perWindow.values()].every((n) => n <= 120),
        JSON.stringify([...perWindow]),
      );
      assert.equal(perWindow.size, 3, '260 at 120 a second fill two windows and part of a third');

      const stale = await db
        .selectFrom('one_time_tokens')
        .select(['attempts', 'max_attempts'])
        .where('id', '=', earlier.id)
        .executeTakeFirstOrThrow();
      assert.equal(stale.attempts, stale.max_attempts, 'the earlier link no longer works');
      const entries = await db
        .selectFrom('audit_events')
        .select(['action', 'target_id', 'data'])
        .where('tenant_id', '=', tenant.id)
        .where('action', 'in', [
          'device.activation_created',
          'device.activation_sent',
          'device.activations_revoked',
        ])
        .execute();
      const count = (action: string) => entries.filter((e) => e.action === action).length;
      assert.equal(count('device.activation_created'), 261, "the campaign's 260 and the earlier one");
      assert.equal(count('device.activation_sent'), 260);
      assert.ok(
        entries
          .filter((e) => e.action === 'device.activation_sent')
          .every((e) => JSON.parse(e.data).campaignId === created.campaign.id),
      );
      const revoked = entries.filter((e) => e.action === 'device.activations_revoked');
      assert.deepEqual(
        revoked.map((e) => [e.target_id, JSON.parse(e.data).activationIds]),
        [[customers[8], [earlier.id]]],
      );
      assert.equal((await verifyTenantAuditChain(db, tenant.id)).ok, true);
      const final = await detail(admin, created.campaign.id);
      assert.deepEqual([final.campaign.status, final.funnel.sent], ['completed', 260]);
    });

    it('two processes with several lanes each never invite a customer twice', async () => {
      await raceToTheEnd(await tenantWithMany(250), 250, 'Race in lanes', (runtime) =>
        runtime.services.campaignSender.tick(),
      );
    });

    it('carries on after a restart mid-campaign: nobody repeated, nobody lost; an interrupted send is not repeated', async () => {
      const { tenant, admin, customers } = await tenantWith(25);
      const created = await create(admin, {
        name: 'Restart',
        kind: 'announcement',
        channel: 'email',
        audience: { kind: 'all' },
        messages: { default: 'Hello from {tenant}' },
        ratePerSecond: 1000,
      });
      await start(admin, created.campaign.id);
      const first = await openRuntime(h.config, { warn: () => {}, clock: h.clock.now, timers: h.clock });
      await first.services.campaignSender.tick(9);
      // The process stops: one recipient was claimed and its send never recorded.
      const claimed = await first.database.db
        .updateTable('campaign_recipients')
        .set({ status: 'sending', claimed_at: h.clock.now() })
        .where('campaign_id', '=', created.campaign.id)
        .where('status', '=', 'pending')
        .where('customer_id', '=', customers[20]!)
        .executeTakeFirst();
      assert.equal(Number(claimed.numUpdatedRows), 1);
      await first.close();
      assert.equal((await outbox(tenant.id)).length, 9);

      // Another process takes over once the claim's lease has run out.
      h.clock.advance(3 * 60_000);
      await drain();
      const messages = await outbox(tenant.id);
      assert.equal(messages.length, 24, 'everyone but the interrupted one, once');
      assert.equal(new Set(messages.map((m) => m.recipient)).size, 24);
      assert.ok(!messages.some((m) => m.recipient === 'c20@example.com'));
      const final = await detail(admin, created.campaign.id);
      assert.deepEqual(
        [final.funnel.sent, final.funnel.failed, final.funnel.reasons.INTERRUPTED],
        [24, 1, 1],
      );
    });

    it('pause stops sending, resume carries on, cancel ends it; a wrong move is 409', async () => {
      const { tenant, admin } = await tenantWith(10);
      const created = await create(admin, {
        name: 'Pause',
        kind: 'announcement',
        channel: 'sms',
        audience: { kind: 'all' },
        messages: { default: 'x' },
        ratePerSecond: 1000,
      });
      const id = created.campaign.id;
      const early = await api(admin, 'POST', `/v1/campaigns/${id}/pause`);
      assert.equal(early.statusCode, 409, early.body);
      assert.equal((early.json() as { error: { code: string } }).error.code, 'CONFLICT');
      await start(admin, id);
      await h.runtime.services.campaignSender.tick(4);
      assert.equal((await api(admin, 'POST', `/v1/campaigns/${id}/pause`)).statusCode, 200);
      await h.runtime.services.campaignSender.tick();
      assert.equal((await outbox(tenant.id)).length, 4, 'nothing sent while paused');
      assert.equal((await api(admin, 'POST', `/v1/campaigns/${id}/resume`)).statusCode, 200);
      await h.runtime.services.campaignSender.tick(3);
      assert.equal((await api(admin, 'POST', `/v1/campaigns/${id}/cancel`)).statusCode, 200);
      await drain();
      assert.equal((await outbox(tenant.id)).length, 7);
      const final = await detail(admin, id);
      assert.deepEqual([final.campaign.status, final.funnel.sent, final.funnel.pending], ['cancelled', 7, 3]);
      assert.equal((await api(admin, 'POST', `/v1/campaigns/${id}/resume`)).statusCode, 409);
    });

    it('reaches a CSV of external ids, or a search: no device enrolled, by language', async () => {
      const { tenant, admin, customers } = await tenantWith(6);
      const csv = await create(admin, {
        name: 'From a file',
        kind: 'announcement',
        channel: 'email',
        audience: { kind: 'csv', csv: 'external_id,name\next-1,a\next-2,b\next-2,b again\nnobody,c\n' },
        messages: { default: 'x' },
      });
      assert.deepEqual(csv.campaign.audience, { kind: 'csv', listed: 4, matched: 2 });
      assert.equal(csv.unmatched?.count, 1);
      assert.equal(csv.campaign.total, 2);

      // Customer 0 (German) has a device; the search for German speakers without one finds 2 and 4.
      const activation = await h.runtime.services.devices.createActivation(
        tenant.id,
        customers[0]!,
        cliActor,
      );
      await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
      const search = await create(admin, {
        name: 'German, no device',
        kind: 'invitation',
        channel: 'email',
        audience: { kind: 'search', noDevice: true, language: 'de' },
      });
      assert.equal(search.campaign.total, 2);
      await start(admin, search.campaign.id);
      await start(admin, csv.campaign.id);
      await drain();
      // Customer 0 was told of the new device (the enrollment notice), and nothing by a campaign.
      const recipients = (await outbox(tenant.id))
        .map((m) => m.recipient)
        .filter((r) => r !== 'c0@example.com' && r !== '+4915123100000')
        .sort();
      assert.deepEqual(recipients, ['c1@example.com', 'c2@example.com', 'c2@example.com', 'c4@example.com']);
    });

    it('previews the message per language', async () => {
      const { admin } = await tenantWith(0);
      const response = await api(admin, 'POST', '/v1/campaigns/preview', {
        kind: 'invitation',
        languages: ['de', 'en'],
      });
      assert.equal(response.statusCode, 200, response.body);
      const { previews } = response.json() as { previews: Array<{ language: string; text: string }> };
      assert.match(previews[0]!.text, /Richten Sie/);
      assert.match(previews[1]!.text, /campaign-links/);
    });

    it('refuses bad input with typed 4xx answers', async () => {
      const { tenant, admin } = await tenantWith(0);
      const bad: Array<[object, number, string]> = [
        [{ name: 'x', kind: 'poster', channel: 'sms', audience: { kind: 'all' } }, 400, 'VALIDATION_FAILED'],
        [
          { name: 'x', kind: 'announcement', channel: 'sms', audience: { kind: 'all' } },
          400,
          'VALIDATION_FAILED',
        ],
        [
          {
            name: 'x',
            kind: 'announcement',
            channel: 'sms',
            audience: { kind: 'all' },
            messages: { default: 'a {code}' },
          },
          400,
          'VALIDATION_FAILED',
        ],
        [
          {
            name: 'x',
            kind: 'invitation',
            channel: 'sms',
            audience: { kind: 'all' },
            messages: { default: 'a' },
          },
          400,
          'VALIDATION_FAILED',
        ],
        [
          { name: 'x', kind: 'invitation', channel: 'sms', audience: { kind: 'csv', csv: 'a,b\n1,2\n' } },
          400,
          'VALIDATION_FAILED',
        ],
        [
          { name: 'x', kind: 'invitation', channel: 'sms', audience: { kind: 'csv', csv: '"unclosed\n' } },
          400,
          'VALIDATION_FAILED',
        ],
        [
          { name: 'x', kind: 'invitation', channel: 'sms', audience: { kind: 'all' }, ratePerSecond: 0 },
          400,
          'VALIDATION_FAILED',
        ],
        [
          { name: 'x', kind: 'invitation', channel: 'sms', audience: { kind: 'search', language: 'de%' } },
          400,
          'VALIDATION_FAILED',
        ],
        [
          { name: '   ', kind: 'invitation', channel: 'sms', audience: { kind: 'all' } },
          400,
          'VALIDATION_FAILED',
        ],
      ];
      for (const [body, status, code] of bad) {
        const response = await api(admin, 'POST', '/v1/campaigns', body);
        assert.equal(response.statusCode, status, `${JSON.stringify(body)}: ${response.body}`);
        assert.equal((response.json() as { error: { code: string } }).error.code, code);
      }
      const count = await h.runtime.database.db
        .selectFrom('campaigns')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenant.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 0, 'no campaign was left behind by a refused request');
      assert.equal((await api(admin, 'GET', '/v1/campaigns/cmp_nope')).statusCode, 400);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/campaign-links/short' })).statusCode, 400);
    });

    it('admins run campaigns, supervisors follow them, agents and other tenants see nothing', async () => {
      const { tenant } = await tenantWith(0);
      const clients = tenant.clients;
      const other = { admin: (await tenantWith(0)).admin };
      const body = { name: 'Roles', kind: 'invitation', channel: 'sms', audience: { kind: 'all' } };
      assert.equal((await api(clients.supervisor, 'POST', '/v1/campaigns', body)).statusCode, 403);
      assert.equal((await api(clients.agent, 'GET', '/v1/campaigns')).statusCode, 403);
      const created = await create(clients.admin, body);
      const list = await api(clients.supervisor, 'GET', '/v1/campaigns');
      assert.equal(list.statusCode, 200);
      assert.ok(
        (list.json() as { items: Array<{ id: string }> }).items.some((c) => c.id === created.campaign.id),
      );
      assert.equal(
        (await api(clients.supervisor, 'POST', `/v1/campaigns/${created.campaign.id}/start`)).statusCode,
        403,
      );
      const foreign = await api(other.admin, 'GET', `/v1/campaigns/${created.campaign.id}`);
      assert.equal(foreign.statusCode, 404);
      assert.equal(
        (await api(other.admin, 'POST', `/v1/campaigns/${created.campaign.id}/start`)).statusCode,
        404,
      );
      const otherList = await api(other.admin, 'GET', '/v1/campaigns');
      assert.deepEqual((otherList.json() as { items: unknown[] }).items, []);
    });
  });
}
