// Tests of the batched CSPRNG bytes: lengths, no repeats across refills, an even spread.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secureRandomByte, secureRandomBytes } from '../random.ts';

describe('secureRandomBytes', () => {
  it('answers exactly the length asked for, as a fresh array', () => {
    for (const length of [0, 1, 10, 32, 1024, 5000]) {
      const bytes = secureRandomBytes(length);
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, length);
    }
    const a = secureRandomBytes(16);
    const copy = Uint8Array.from(a);
    secureRandomBytes(16);
    assert.deepEqual(a, copy, 'a later draw must not change bytes already handed out');
  });

  it('never hands out the same bytes twice, also across refills of the pool', () => {
    // 20,000 × 16 bytes passes through the 4 KiB pool about 80 times.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(Buffer.from(secureRandomBytes(16)).toString('hex'));
    assert.equal(seen.size, 20_000);
  });

  it('gives every byte value about equally often (no zeroed or stale pool bytes)', () => {
    const counts = new Array<number>(256).fill(0);
    const draws = 256 * 400;
    for (let i = 0; i < draws / 8; i++) for (const b of secureRandomBytes(8)) counts[b]!++;
    // Chi-square with 255 degrees of freedom; 400 is far beyond its 99.999th percentile (~360),
    // while a pool that hands out wiped (zero) bytes even 1 % of the time scores in the thousands.
    const expected = draws / 256;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    assert.ok(chiSquare < 400, `chi-square ${chiSquare.toFixed(1)}`);
    assert.ok(secureRandomByte() >= 0 && secureRandomByte() <= 255);
  });

  it('refuses a length that is not a whole number', () => {
    assert.throws(() => secureRandomBytes(-1), RangeError);
    assert.throws(() => secureRandomBytes(1.5), RangeError);
  });
});
