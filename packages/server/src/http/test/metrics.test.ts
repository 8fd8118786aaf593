/**
 * Prometheus metrics over real HTTP, on each database: `/metrics` refuses without the metrics
 * token and does not exist without one configured; after a push verification is approved, the
 * counters of verifications, push deliveries and HTTP requests have moved; the scrape-time gauges
 * (event streams, database connections, webhook backlog and its age) are there; and no label
 * carries an id, a code, a customer's data or a secret. Parsed with prom-client's own registry
 * types where it helps, and line by line as Prometheus's text format.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { loadConfig } from '../../config/config.ts';
import { sealAudit } from '../../platform/audit-log.ts';
import { metricsTokenMatches, registerCollector } from '../../platform/metrics.ts';
import { openEventStream } from '../../test-support/event-stream-client.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { startTestPushService, type TestPushService } from '../../test-support/stand-ins/push-service.ts';
import { startMetricsListener } from '../metrics.ts';

const token = 'metrics-token-for-tests-0123456789';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format, one sample per line (comments skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('metrics token check', () => {
  it('accepts only the exact token as a bearer token', () => {
    assert.equal(metricsTokenMatches(`Bearer ${token}`, token), true);
    assert.equal(metricsTokenMatches(`bearer ${token}`, token), true);
    assert.equal(metricsTokenMatches(`Bearer ${token}x`, token), false);
    assert.equal(metricsTokenMatches(`Bearer ${token.slice(0, -1)}`, token), false);
    assert.equal(metricsTokenMatches(token, token), false, 'the scheme is required');
    assert.equal(metricsTokenMatches(`Basic ${token}`, token), false);
    assert.equal(metricsTokenMatches(undefined, token), false);
    assert.equal(metricsTokenMatches('Bearer ', ''), false, 'no token configured accepts nothing');
    assert.equal(metricsTokenMatches(`Bearer ${token}`, undefined), false);
  });
});

for (const kind of databaseKinds) {
  describe(`metrics on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let push: TestPushService;
    let agent: OperatorClient;
    let tenantId: string;

    const asAgent = (write = false): Record<string, string> => ({
      cookie: `hda_session=${agent.cookie}`,
      ...(write ? { 'x-csrf-token': agent.csrfToken, 'content-type': 'application/json' } : {}),
    });
    const scrape = async () => {
      const response = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return response.text();
    };

    before(async () => {
      push = await startTestPushService();
      h = await startTestHarness(
        kind,
        { pushAllowLoopback: true, metricsToken: token },
        { listen: true, realClock: true, pushAgent: push.agent },
      );
      const tenant = await h.createTenant('metrics');
      tenantId = tenant.id;
      const op = await h.createOperator(tenant, 'agent', 'ada@metrics.example');
      agent = await h.signIn(tenant, op.email);
    });
    after(async () => {
      await h?.close();
      await push?.close();
    });

    it('refuses a scrape without the token or with a wrong one, in the API error shape', async () => {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token-wrong-token-wrong' },
        { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
        { cookie: `hda_session=${agent.cookie}` },
      ]) {
        const response = await fetch(`${h.baseUrl}/metrics`, { headers });
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        const body = (await response.json()) as { error: { code: string } };
        assert.equal(body.error.code, 'UNAUTHENTICATED');
      }
      const document = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as { paths: object };
      assert.equal('/metrics' in document.paths, false, 'not part of the API document');
    });

    it('counts a push verification, its delivery and its requests, with no identifier in any label', async () => {
      const before = parse(await scrape());
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Metrics Customer', externalId: 'CUST-METRICS-7781', phone: '+4915112345678' },
        { type: 'system', id: null },
      );
      const activation = (await (
        await fetch(`${h.baseUrl}/v1/customers/${customer.id}/activations`, {
          method: 'POST',
          headers: asAgent(true),
          // The customer stands at the counter: an operator's QR code needs an identity check.
          body: JSON.stringify({ inBranchCheck: { note: 'Passport seen at the counter' } }),
        })
      ).json()) as { link: string };
      const pushConfig = (await (await fetch(`${h.baseUrl}/v1/device/push-config`)).json()) as {
        webPush: { vapidPublicKey: string };
      };
      const subscription = push.createSubscription({
        applicationServerKey: pushConfig.webPush.vapidPublicKey,
      });
      const device = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      const state = await device.enroll(activation.link, {
        label: 'Phone',
        platform: 'cli',
        push: { kind: 'webpush', subscription },
      });
      const agentStream = await openEventStream(`${h.baseUrl}/v1/events`, asAgent());
      assert.equal(agentStream.status, 200);

      const started = await fetch(`${h.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: asAgent(true),
        body: JSON.stringify({
          customerId: customer.id,
          reason: 'Card replacement',
          callReference: 'CALL-METRICS-1',
        }),
      });
      assert.equal(started.status, 201);
      const verification = (await started.json()) as { id: string; code: string };
      await push.waitForMessages(1, 5000);
      const request = await device.fetchRequest(verification.id);
      const outcome = await device.decide(request, { decision: 'approve', code: verification.code });
      assert.equal(outcome.status, 'approved');
      await agentStream.waitFor((e) => e.type === 'approved');

      // A pending webhook delivery created 30 s ago: the backlog and its age.
      await h.runtime.database.db
        .insertInto('webhook_deliveries')
        .values({
          id: 'whd_metrics_test',
          tenant_id: tenantId,
          endpoint_id: 'whe_metrics_test',
          event_id: 'evt_metrics_test',
          event_type: 'verification.approved',
          payload: '{}',
          status: 'pending',
          attempts: 0,
          next_attempt_at: Date.now() + 3_600_000,
          lease_owner: null,
          lease_until: null,
          last_status_code: null,
          created_at: Date.now() - 30_000,
          completed_at: null,
        })
        .execute();

      assert.equal((await fetch(`${h.baseUrl}/v1/no-such-route/${customer.id}`)).status, 404);

      const text = await scrape();
      const after = parse(text);
      const moved = (name: string, labels: Record<string, string>) =>
        value(after, name, labels) - value(before, name, labels);

      assert.equal(moved('helpdesk_auth_verifications_total', { method: 'push', outcome: 'approved' }), 1);
      assert.equal(
        moved('helpdesk_auth_push_deliveries_total', { provider: 'webpush', result: 'accepted' }),
        1,
      );
      assert.ok(
        moved('helpdesk_auth_http_request_duration_seconds_count', {
          route: '/v1/verifications',
          method: 'POST',
          status_class: '2xx',
        }) >= 1,
      );
      assert.ok(
        value(after, 'helpdesk_auth_http_request_duration_seconds_count', {
          route: '/v1/customers/:id/activations',
          method: 'POST',
        }) >= 1,
        'routes are labelled by their template',
      );
      assert.ok(
        value(after, 'helpdesk_auth_http_request_duration_seconds_count', {
          route: 'unmatched',
          status_class: '4xx',
        }) >= 1,
        'an unknown path is counted without its URL',
      );
      assert.ok(value(after, 'helpdesk_auth_event_streams_open') >= 1, 'the agent stream is counted');
      await agentStream.close();
      // A final verification's stream sends its state and ends: no latency sample for a stream.
      const finished = await fetch(`${h.baseUrl}/v1/verifications/${verification.id}/events`, {
        headers: asAgent(),
      });
      assert.equal(finished.status, 200);
      assert.match(await finished.text(), /"status":"approved"/);
      const streamEnded = parse(await scrape());
      assert.equal(
        streamEnded.some(
          (s) =>
            s.labels.route?.startsWith('/v1/verifications/:id/events') || s.labels.route === '/v1/events',
        ),
        false,
        'a stream is not timed as a request',
      );
      assert.equal(value(after, 'helpdesk_auth_webhook_backlog'), 1);
      const age = value(after, 'helpdesk_auth_webhook_oldest_pending_age_seconds');
      assert.ok(age >= 30 && age < 3600, `the oldest pending delivery's age: ${age}`);
      assert.ok(value(after, 'helpdesk_auth_db_connections', { database: kind, state: 'total' }) >= 1);
      assert.ok(after.some((s) => s.name === 'helpdesk_auth_db_connections' && s.labels.state === 'waiting'));
      assert.ok(after.some((s) => s.name === 'helpdesk_auth_process_resident_memory_bytes'));

      // Nothing that identifies a tenant, customer, device, verification or operator, no code
      // and no secret, anywhere in the text (labels, help texts, values).
      const secrets = [
        token,
        tenantId,
        customer.id,
        'CUST-METRICS-7781',
        '+4915112345678',
        'Metrics Customer',
        state.deviceId,
        verification.id,
        'CALL-METRICS-1',
        agent.cookie,
        agent.operatorId,
        'ada@metrics.example',
        'whd_metrics_test',
      ];
      for (const secret of secrets) assert.equal(text.includes(secret), false, `the scrape shows ${secret}`);
      const code = new RegExp(`"${verification.code}"`);
      assert.doesNotMatch(text, code, 'no label is the verification code');
      for (const sample of after) {
        for (const [name, label] of Object.entries(sample.labels)) {
          if (name === 'route') assert.match(label, /^(\/[a-z0-9_.:{}*-]*)+$|^unmatched$/i);
          else assert.match(label, /^[A-Za-z0-9_.+ -]{0,40}$/, `${sample.name} ${name}="${label}"`);
        }
      }
    });

    it("reports the audit chain's sealing lag: entries committed and not yet sealed, and their age", async () => {
      const db = h.runtime.database.db;
      assert.equal(value(parse(await scrape()), 'helpdesk_auth_audit_unsealed_entries'), 0);
      // An entry as a change commits it on PostgreSQL, before the sealer gives it its place.
      await db
        .insertInto('audit_pending')
        .values({
          id: 'aud_01J0000000000000000METRICS',
          tenant_id: tenantId,
          occurred_at: h.clock.now() - 5_000,
          actor_type: 'system',
          actor_id: null,
          action: 'customer.updated',
          target_type: null,
          target_id: null,
          data: '{}',
        })
        .execute();
      const waiting = parse(await scrape());
      assert.equal(value(waiting, 'helpdesk_auth_audit_unsealed_entries'), 1);
      assert.ok(value(waiting, 'helpdesk_auth_audit_oldest_unsealed_age_seconds') >= 5);
      await sealAudit(db, tenantId);
      const sealed = parse(await scrape());
      assert.equal(value(sealed, 'helpdesk_auth_audit_unsealed_entries'), 0);
      assert.equal(value(sealed, 'helpdesk_auth_audit_oldest_unsealed_age_seconds'), 0);
    });

    it('reports a collector registered later and drops it when removed', async () => {
      const remove = registerCollector(
        { name: 'test_late_collector', help: 'A collector registered after the server started.' },
        (set) => set(3),
      );
      assert.equal(value(parse(await scrape()), 'helpdesk_auth_test_late_collector'), 3);
      remove();
      assert.equal(
        parse(await scrape()).some((s) => s.name === 'helpdesk_auth_test_late_collector'),
        false,
      );
    });
  });
}

describe('the metrics listener (METRICS_PORT)', () => {
  it('serves only GET /metrics, on loopback by default, behind the token when one is set', async (t) => {
    const port = await freePort();
    const listener = await startMetricsListener(loadConfig({}, { metricsPort: port, metricsToken: token }));
    t.after(() => listener.close());
    assert.equal(listener.address, `http://127.0.0.1:${port}`);
    const url = `${listener.address}/metrics`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal(
      (await fetch(url, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status,
      401,
    );
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^# TYPE helpdesk_auth_verifications_total counter$/m);
    assert.equal((await fetch(`${listener.address}/healthz`)).status, 404);
    assert.equal(
      (await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
      404,
    );
  });
});

describe('metrics without a token', () => {
  it('has no /metrics on the main port', async (t) => {
    const h = await startTestHarness('sqlite', {}, { listen: true });
    t.after(() => h.close());
    const response = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 404);
  });
});
