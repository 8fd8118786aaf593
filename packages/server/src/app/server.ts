// The HTTP server's life: migrate, seed the demo tenant, listen, shut down gracefully.
import pino from 'pino';
import type { Config } from '../config/config.ts';
import { runCampaignSender } from '../features/campaigns/index.ts';
import { startMetricsListener } from '../http/metrics.ts';
import { sealAuditBacklog } from '../platform/audit-log.ts';
import { loggerOptions } from '../platform/logging.ts';
import { startSignatureWorker } from '../platform/signing/signatures.ts';
import { buildApp } from './build-app.ts';
import { seedDemoData } from './demo-data.ts';
import { openRuntime } from './runtime.ts';

/**
 * Starts the HTTP server: migrate, seed the demo tenant on an empty database, listen, and shut
 * down gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the
 * database; give up after `shutdownTimeoutMs`).
 */
export async function startServer(config: Config, print: (line: string) => void = console.log) {
  const logger = pino(loggerOptions(config));
  const runtime = await openRuntime(config, { warn: (message) => logger.warn(message) });
  logger.info({ database: runtime.database.kind, location: runtime.database.location }, 'database ready');

  if (config.seedDemoData) {
    const demo = await seedDemoData(runtime.services);
    if (demo) {
      // Printed to the terminal once, not logged: log lines are shipped and kept.
      print('');
      print('  Demo tenant created. Sign in with:');
      print(`    tenant:   ${demo.tenantSlug}`);
      print(`    e-mail:   ${demo.email}`);
      print(`    password: ${demo.password}`);
      print(
        `  This password is shown only now. Reset it with: npm run cli -- operator reset-password --email ${demo.email}`,
      );
      print('');
    }
  }

  const app = await buildApp({ ...runtime, logger });
  const purge = setInterval(() => {
    runtime.services.sessions
      .purgeExpired()
      .catch((error) => logger.warn({ err: error }, 'session purge failed'));
  }, 10 * 60_000);
  purge.unref();
  // The safety net behind each verification's own expiry timer: requests started by another
  // server process, or before a restart, still expire within a few seconds of their time.
  const sweep = setInterval(() => {
    runtime.services.verifications
      .expireDue()
      .catch((error) => logger.warn({ err: error }, 'expiry sweep failed'));
    runtime.services.calls
      .expireDue()
      .catch((error) => logger.warn({ err: error }, 'call notice expiry sweep failed'));
  }, 5_000);
  sweep.unref();
  // CIBA pings and Keycloak callbacks still owed (a missed event, a restart), and retries due.
  const integrations = setInterval(() => {
    Promise.all([runtime.services.ciba.sweep(), runtime.services.keycloakChannel.sweep()]).catch((error) =>
      logger.warn({ err: error }, 'CIBA and Keycloak sweep failed'),
    );
  }, 5_000);
  integrations.unref();
  // The audit sequencer's sweep: entries committed but never sealed (a process stopped between
  // a change's commit and the sealing that follows it) get their place in the chain, at start
  // and within a second (platform/audit-log.ts).
  await sealAuditBacklog(runtime.database.db);
  const sequencer = setInterval(() => {
    sealAuditBacklog(runtime.database.db).catch((error) =>
      logger.warn({ err: error }, 'audit sealing failed'),
    );
  }, 1_000);
  sequencer.unref();
  // The practice space's simulated phones: every process listens for the phones on a call and
  // gives the answers that are due, whichever process heard the request (features/practice/).
  const sweepPracticePhones = () => {
    runtime.services.practicePhones
      .sweep()
      .catch((error) => logger.warn({ err: error }, 'practice phone sweep failed'));
  };
  sweepPracticePhones();
  const practicePhones = setInterval(sweepPracticePhones, 1_000);
  practicePhones.unref();
  const tidy = setInterval(() => {
    runtime.services.housekeeping
      .purgeExpired()
      .catch((error) => logger.warn({ err: error }, 'purge of expired claims failed'));
    runtime.services.practice
      .purgeExpired()
      .catch((error) => logger.warn({ err: error }, 'practice retention sweep failed'));
  }, 60_000);
  tidy.unref();
  // Keys are made on first start, not on the first request that needs them, and the push
  // providers are built now, so a configuration they refuse stops the start instead of every push.
  await runtime.services.serverKeys.signingKey();
  await runtime.services.delivery.ready();
  startSignatureWorker();
  // Webhooks: new audit entries become deliveries, due deliveries are sent (features/webhooks/webhooks.ts).
  runtime.services.webhooks.start((error) => logger.warn({ err: error }, 'webhook round failed'));
  // Campaigns: running ones send in the background, throttled, and carry on after a restart.
  const campaigns = runCampaignSender(runtime.services.campaignSender, (error) =>
    logger.warn({ err: error }, 'campaign round failed'),
  );

  let metrics: Awaited<ReturnType<typeof startMetricsListener>> | undefined;
  let closing: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    closing ??= (async () => {
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      const timer = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      clearInterval(purge);
      clearInterval(sweep);
      clearInterval(integrations);
      clearInterval(tidy);
      clearInterval(sequencer);
      clearInterval(practicePhones);
      // Fastify stops accepting, ends the event streams (http/event-stream.ts) and waits for the
      // requests in flight; then the runtime drains its jobs (webhook rounds, timers) and closes
      // the database. The metrics stay readable until the server has stopped.
      await app.close();
      await campaigns.stop();
      await runtime.close();
      await metrics?.close();
      logger.info('shut down cleanly');
    })();
    return closing;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ host: config.host, port: config.port });
  if (config.metricsPort !== undefined) {
    metrics = await startMetricsListener(config);
    logger.info({ address: metrics.address }, 'metrics listening');
  }
  print(`  Helpdesk Auth is running at ${config.publicUrl} (listening on ${address})`);
  print(`  Agent console: ${config.publicUrl}/console/`);
  print(`  Customer app:  ${config.publicUrl}/app/`);
  print(`  API reference: ${config.publicUrl}/docs`);
  return { app, runtime, shutdown };
}
