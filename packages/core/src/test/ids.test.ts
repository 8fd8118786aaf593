// Tests of identifiers: the prefix of each kind, creation order, and the random part within a millisecond.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idPattern, newId } from '../ids.ts';

describe('newId', () => {
  it('matches its own pattern and carries the prefix of its kind', () => {
    const id = newId('customer');
    assert.match(id, new RegExp(idPattern('customer')));
    assert.doesNotMatch(id, new RegExp(idPattern('operator')));
  });

  it('sorts by creation time', () => {
    const earlier = newId('customer', 1_700_000_000_000);
    const later = newId('customer', 1_700_000_000_001);
    assert.ok(earlier < later);
  });

  it('keeps creation order within one millisecond and when the clock steps back', () => {
    const ids = [
      newId('customer', 1_800_000_000_000),
      newId('customer', 1_800_000_000_000),
      newId('customer', 1_799_999_999_000),
    ];
    assert.deepEqual([...ids].sort(), ids);
  });

  it('does not repeat across many draws in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('session', 1_700_000_000_000)));
    assert.equal(ids.size, 10_000);
  });

  it('within one millisecond, the 80-bit random part of each id is the previous one plus one', () => {
    const decode = (digits: string) =>
      [...digits].reduce((acc, d) => acc * 32n + BigInt('0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(d)), 0n);
    const ids = Array.from({ length: 200 }, () => newId('session', 1_900_000_000_000));
    const parts = ids.map((id) => ({ time: decode(id.slice(4, 14)), random: decode(id.slice(14)) }));
    for (const [i, part] of parts.entries()) {
      assert.equal(part.time, 1_900_000_000_000n);
      assert.ok(part.random < 1n << 80n);
      if (i > 0) assert.equal(part.random, parts[i - 1]!.random + 1n);
    }
  });

  it('draws all 80 random bits anew in a new millisecond', () => {
    const ids = Array.from({ length: 400 }, (_, i) => newId('session', 2_000_000_000_000 + i));
    // The first digit of each 40-bit half carries that half's top bits.
    for (const position of [14, 22]) {
      const digits = new Set(ids.map((id) => id[position]));
      assert.ok(digits.size > 16, `digit ${position} took only ${digits.size} values`);
    }
  });
});
