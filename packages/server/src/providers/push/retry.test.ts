// Bounded retries for vendor push APIs: the waits, Retry-After in both forms, and when to stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AttemptVerdict, defaultRetryPolicy, parseRetryAfter, withRetries } from './retry.ts';

describe('withRetries', () => {
  const run = async (verdicts: AttemptVerdict<string>[], random = () => 0) => {
    const waits: number[] = [];
    let attempts = 0;
    const result = await withRetries(
      async () => verdicts[attempts++]!,
      defaultRetryPolicy,
      async (ms) => void waits.push(ms),
      random,
    );
    return { result, waits, attempts };
  };
  const again = (result: string, retryAfterMs: number | null = null): AttemptVerdict<string> => ({
    done: false,
    result,
    retryAfterMs,
  });

  it('answers the first attempt that is done, without waiting', async () => {
    assert.deepEqual(await run([{ done: true, result: 'ok' }]), { result: 'ok', waits: [], attempts: 1 });
  });

  it('doubles the wait from 500 ms, with at most a quarter of jitter, and stops after three attempts', async () => {
    assert.deepEqual(await run([again('a'), again('b'), again('c'), again('d')]), {
      result: 'c',
      waits: [500, 1000],
      attempts: 3,
    });
    const jittered = await run([again('a'), again('b'), again('c')], () => 0.999);
    assert.deepEqual(jittered.waits, [625, 1250]);
  });

  it('waits what Retry-After says instead, and gives up at once when that is longer than 5 s', async () => {
    assert.deepEqual((await run([again('a', 3000), { done: true, result: 'ok' }])).waits, [3000]);
    assert.deepEqual(await run([again('a', 60_000), { done: true, result: 'ok' }]), {
      result: 'a',
      waits: [],
      attempts: 1,
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 15, 9, 0, 0);
  it('reads delay-seconds and an HTTP date (RFC 9110 section 10.2.3)', () => {
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter(['2'], now), 2000);
    assert.equal(parseRetryAfter('Thu, 15 Jan 2026 09:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 15 Jan 2026 08:00:00 GMT', now), 0);
  });
  it('ignores what is absent or unreadable', () => {
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter('-5', now), null);
  });
});
