import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idPattern, newId } from './ids.ts';

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
});
