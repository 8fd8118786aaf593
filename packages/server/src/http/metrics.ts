// Prometheus metrics over HTTP: each answered request's latency, the scrape-time gauges of this
// server (event streams, database connections, webhook backlog), and where `/metrics` is served:
// on the main port behind METRICS_TOKEN, and/or on a listener of its own (METRICS_PORT, loopback).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '@helpdesk-auth/core';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.ts';
import { metricsTokenMatches, recordHttpRequest, registerCollector, scrape } from '../platform/metrics.ts';
import type { Database } from '../storage/database.ts';
import type { EventStreams } from './event-stream.ts';

/**
 * Times every answer by its route template, and registers this server's scrape-time gauges,
 * removed again when it closes. `/metrics` itself is added on the main port only when a token
 * is configured: without one, the main port has no metrics to show.
 */
export function installMetrics(
  app: FastifyInstance,
  deps: { config: Config; database: Database; streams: EventStreams; clock: () => number },
): void {
  const { config, database, streams, clock } = deps;
  // A synchronous hook: no promise per request. An event stream's answer lasts as long as the
  // stream, which says nothing about latency: streams are counted by the gauge below instead.
  app.addHook('onResponse', (request, reply, done) => {
    if (!streams.answeredWithStream(request)) {
      recordHttpRequest(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime);
    }
    done();
  });

  const removers = [
    registerCollector(
      { name: 'event_streams_open', help: 'Server-sent event streams open (agents, devices, widgets).' },
      (set) => set(streams.size),
    ),
    registerCollector(
      {
        name: 'db_connections',
        help: 'Database connections by state (total, idle) and queries waiting for one (waiting). SQLite has one connection.',
        labelNames: ['database', 'state'],
      },
      (set) => {
        const use = database.connections();
        set(use.total, { database: database.kind, state: 'total' });
        set(use.idle, { database: database.kind, state: 'idle' });
        set(use.waiting, { database: database.kind, state: 'waiting' });
      },
    ),
    registerCollector(
      {
        name: 'webhook_backlog',
        help: 'Webhook deliveries not yet delivered or given up (pending), all tenants.',
      },
      async (set) => set((await webhookBacklog(database, clock)).pending),
    ),
    registerCollector(
      {
        name: 'webhook_oldest_pending_age_seconds',
        help: 'Age of the oldest pending webhook delivery; 0 when none is pending.',
      },
      async (set) => set((await webhookBacklog(database, clock)).oldestAgeSeconds),
    ),
    registerCollector(
      {
        name: 'audit_unsealed_entries',
        help: 'Audit entries committed but not yet sealed into their tenant\'s chain, all tenants (docs/architecture.md, "Audit chain").',
      },
      async (set) => set((await auditBacklog(database, clock)).unsealed),
    ),
    registerCollector(
      {
        name: 'audit_oldest_unsealed_age_seconds',
        help: 'Age of the oldest audit entry waiting to be sealed: the sealing lag; 0 when none waits.',
      },
      async (set) => set((await auditBacklog(database, clock)).oldestAgeSeconds),
    ),
  ];
  app.addHook('onClose', async () => {
    for (const remove of removers) remove();
  });

  if (config.metricsToken) {
    const token = config.metricsToken;
    app.get('/metrics', { schema: { hide: true }, config: { auth: 'public' } }, async (request, reply) => {
      if (!metricsTokenMatches(request.headers.authorization, token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError('UNAUTHENTICATED', 'The metrics need the metrics token as a bearer token.');
      }
      const { contentType, body } = await scrape();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  }
}

// Both backlog gauges come from one query per scrape, not two.
const backlogs = new WeakMap<Database, Promise<{ pending: number; oldestAgeSeconds: number }>>();

function webhookBacklog(database: Database, clock: () => number) {
  let pending = backlogs.get(database);
  if (pending === undefined) {
    pending = (async () => {
      const row = await database.db
        .selectFrom('webhook_deliveries')
        .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('created_at').as('oldest')])
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const oldest = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
      return {
        pending: Number(row?.count ?? 0),
        oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (clock() - oldest) / 1000),
      };
    })();
    const done = pending;
    backlogs.set(database, done);
    // Kept for this scrape only.
    done.finally(() => backlogs.delete(database)).catch(() => {});
  }
  return pending;
}

// The audit chain's sealing lag, both gauges from one query per scrape as above.
const auditBacklogs = new WeakMap<Database, Promise<{ unsealed: number; oldestAgeSeconds: number }>>();

function auditBacklog(database: Database, clock: () => number) {
  let pending = auditBacklogs.get(database);
  if (pending === undefined) {
    pending = (async () => {
      const row = await database.db
        .selectFrom('audit_pending')
        .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('occurred_at').as('oldest')])
        .executeTakeFirst();
      const oldest = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
      return {
        unsealed: Number(row?.count ?? 0),
        oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (clock() - oldest) / 1000),
      };
    })();
    const done = pending;
    auditBacklogs.set(database, done);
    done.finally(() => auditBacklogs.delete(database)).catch(() => {});
  }
  return pending;
}

/**
 * The metrics on a listener of their own (METRICS_PORT on METRICS_HOST, loopback by default):
 * `GET /metrics` and nothing else, behind the token too when one is configured. For a scraper
 * inside the pod or host; the main port then needs no token.
 */
export async function startMetricsListener(
  config: Config,
): Promise<{ address: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    if (config.metricsToken && !metricsTokenMatches(request.headers.authorization, config.metricsToken)) {
      response
        .writeHead(401, {
          'content-type': 'text/plain; charset=utf-8',
          'www-authenticate': 'Bearer realm="metrics"',
        })
        .end('Unauthorized\n');
      return;
    }
    scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.metricsHost, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    address: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
