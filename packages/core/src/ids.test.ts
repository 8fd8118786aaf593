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

  it('does not repeat across many draws in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('session', 1_700_000_000_000)));
    assert.equal(ids.size, 10_000);
  });
});
