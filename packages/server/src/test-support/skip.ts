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
