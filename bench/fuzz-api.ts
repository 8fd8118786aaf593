/**
 * `npm run fuzz`: the API fuzz of packages/server/src/test-support/fuzz.ts at length. Every
 * documented operation, SCIM and the OpenID form endpoints get mutated requests (deep nesting,
 * huge numbers, wrong types, lone surrogates, NUL, long strings, unknown fields, malformed JSON,
 * bad ids, odd query strings) as an API key, a signed-in admin with the CSRF token, an enrolled
 * device with fresh proofs, and nobody, in process (`app.inject`) on a scratch database. Exits 1
 * if any answer is a 5xx, and prints the first ones.
 *
 * Settings (environment): FUZZ_REQUESTS (100000 per database), FUZZ_DATABASES (sqlite,postgres),
 * FUZZ_SEED (1), TEST_POSTGRES_URL (the admin database scratch databases are made from).
 */
import { runFuzz } from '../packages/server/src/test-support/fuzz.ts';
import { startTestHarness } from '../packages/server/src/test-support/harness.ts';

const requests = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? 1);
const databases = (process.env.FUZZ_DATABASES ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
if (!Number.isSafeInteger(requests) || requests <= 0)
  throw new Error('FUZZ_REQUESTS must be a positive whole number.');

let failed = false;
for (const kind of databases) {
  const h = await startTestHarness(kind, { logLevel: 'silent' });
  try {
    const started = Date.now();
    const result = await runFuzz(h, {
      requests,
      seed,
      onProgress: (done) => {
        if (done % 10_000 === 0 && done > 0)
          process.stderr.write(
            `  ${kind}: ${done} requests, ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
      },
    });
    const statuses = Object.entries(result.byStatus)
      .sort()
      .map(([bucket, count]) => `${bucket} ${count}`)
      .join(', ');
    console.log(
      `${kind}: ${result.requests} requests over ${result.operations} operations in ${(result.durationMs / 1000).toFixed(1)} s (seed ${seed}): ${statuses}; 5xx: ${result.serverErrors}`,
    );
    for (const failure of result.failures) console.log(`  ${JSON.stringify(failure)}`);
    if (result.serverErrors > 0) failed = true;
  } finally {
    await h.close();
  }
}
process.exitCode = failed ? 1 : 0;
