// Prometheus metrics of this process (prom-client): what the hot path counts, the gauges computed
// when Prometheus scrapes, and the text a scrape returns. Served by http/metrics.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per process, on purpose (the second module-level singleton after the signature
 * worker): Prometheus scrapes a process, and the counters are bumped from services that do not
 * otherwise share anything. Labels are closed vocabularies (route templates, methods, outcomes,
 * provider kinds); never an id, a code, an address or anything a caller typed.
 */
const registry = new Registry();
const prefix = 'helpdesk_auth_';

const httpDuration = new Histogram({
  name: `${prefix}http_request_duration_seconds`,
  help: 'Time from receiving a request to sending its answer, by route template, method and status class.',
  labelNames: ['route', 'method', 'status_class'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const verifications = new Counter({
  name: `${prefix}verifications_total`,
  help: 'Verifications that reached an outcome, by method (push, otp_sms, otp_email, totp, app_code, security_questions) and outcome.',
  labelNames: ['method', 'outcome'] as const,
  registers: [registry],
});

const pushDeliveries = new Counter({
  name: `${prefix}push_deliveries_total`,
  help: 'Pushes handed to a push service, by provider (webpush, fcm, apns) and result (accepted, gone, failed, error).',
  labelNames: ['provider', 'result'] as const,
  registers: [registry],
});

const routeLabels = new Map<string, { route: string; method: string; status_class: string }>();

/**
 * Records one answered request. `route` is the route's template (`/v1/verifications/:id`), never
 * the URL; requests that matched no route share one label. A few hash lookups, no allocation once
 * a route, method and status class have been seen.
 */
export function recordHttpRequest(
  route: string | undefined,
  method: string,
  status: number,
  milliseconds: number,
): void {
  const statusClass = status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
  const template = route ?? 'unmatched';
  const key = `${method} ${statusClass} ${template}`;
  let labels = routeLabels.get(key);
  if (labels === undefined) {
    labels = { route: template, method, status_class: statusClass };
    routeLabels.set(key, labels);
  }
  httpDuration.observe(labels, milliseconds / 1000);
}

/**
 * One verification reached `outcome` (approved, denied, expired, cancelled, passed, failed,
 * locked…). A practice call is no real verification: not counted. Its audit entry, written in
 * the same transaction, says which it was (`appendAudit`'s `practice`).
 */
export function recordVerification(method: string, outcome: string, subject?: { practice: boolean }): void {
  if (subject?.practice) return;
  verifications.inc({ method, outcome });
}

/** One push went to a push service and got `result`. */
export function recordPushDelivery(provider: string, result: string): void {
  pushDeliveries.inc({ provider, result });
}

type Labels = Record<string, string>;

/** What a scrape-time collector is handed: set one sample of its gauge. */
export type SetSample = (value: number, labels?: Labels) => void;

/** Computes a gauge's samples when Prometheus scrapes; may query the database. */
export type Collector = (set: SetSample) => void | Promise<void>;

const scrapeGauges = new Map<string, { gauge: Gauge; collectors: Set<Collector> }>();

/**
 * Registers a gauge computed at scrape time, for values that live elsewhere (the database, a pool,
 * a feature's own state) and would cost the hot path to keep current. Several collectors may
 * feed one gauge (one per server in a process, in tests); each sets its own labelled samples.
 * A collector that fails leaves its samples out of that scrape rather than failing it.
 * Returns the function that removes this collector (call it when its server closes).
 *
 * For example, a service that knows how far its audit chain is sealed registers
 * `helpdesk_auth_audit_unsealed_entries` here; the metric appears once it is registered.
 */
export function registerCollector(
  metric: { name: string; help: string; labelNames?: readonly string[] },
  collector: Collector,
): () => void {
  const name = metric.name.startsWith(prefix) ? metric.name : `${prefix}${metric.name}`;
  let entry = scrapeGauges.get(name);
  if (entry === undefined) {
    const collectors = new Set<Collector>();
    const gauge = new Gauge({
      name,
      help: metric.help,
      labelNames: metric.labelNames ?? [],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          [...collectors].map(async (collect) => {
            try {
              await collect((value, labels) => (labels ? this.set(labels, value) : this.set(value)));
            } catch {
              // The scrape goes on without these samples; a missing series is what alerts see.
            }
          }),
        );
      },
    });
    entry = { gauge, collectors };
    scrapeGauges.set(name, entry);
  }
  const { collectors } = entry;
  collectors.add(collector);
  return () => {
    collectors.delete(collector);
    // The last one gone, the metric goes too, rather than showing a 0 nobody measured.
    if (collectors.size === 0 && scrapeGauges.get(name)?.collectors === collectors) {
      scrapeGauges.delete(name);
      registry.removeSingleMetric(name);
    }
  };
}

let processMetrics = false;

/** The scrape: every metric in Prometheus's text format. */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  // The process's own metrics (CPU, memory, event-loop delay, garbage collection) start with the
  // first scrape, so a server whose metrics are never read does not pay for them.
  if (!processMetrics) {
    processMetrics = true;
    collectDefaultMetrics({ register: registry, prefix });
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Whether an `Authorization` header carries the metrics token, compared in constant time.
 * Without a configured token nothing is accepted.
 */
export function metricsTokenMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || header === undefined) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return false;
  // Digests of equal length, so neither the comparison nor its length tells how close a guess was.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
