// Tests of the IndexedDB key store outside a browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIndexedDbKeyStore } from '../browser-key-store.ts';

// The store's behaviour with IndexedDB is tested in real Chromium (browser-key-store.browser.test.ts).
describe('IndexedDB key store outside a browser', () => {
  it('fails clearly where there is no IndexedDB', async () => {
    assert.equal((globalThis as { indexedDB?: unknown }).indexedDB, undefined);
    await assert.rejects(createIndexedDbKeyStore().loadState(), /IndexedDB is not available/);
  });
});
