/**
 * For a suite that needs a service of this machine (PostgreSQL, Redis): skip it, loudly, when
 * the service is missing locally; fail when CI=true, where every suite must run.
 */
export function skipWhenMissing(service: string, why: string | undefined): string | false {
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`${why}; CI requires the ${service} suites to run.`);
  process.stderr.write(`\n*** SKIPPING ${service} tests: ${why} ***\n\n`);
  return why;
}

/**
 * How long to wait for a service to answer before calling it missing. Locally a short wait keeps
 * a machine without the service quick to skip; under CI the service must be there, and a loaded
 * machine can take seconds to accept a connection, so waiting longer only avoids a false failure.
 */
export const serviceConnectTimeoutMs = process.env.CI === 'true' ? 30_000 : 3000;
