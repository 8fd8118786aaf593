import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createIndexedDbKeyStore } from './browser-key-store.ts';
import { type DeviceState, generateDeviceKeyPair } from './key-store.ts';

/**
 * A small stand-in for IndexedDB: values are kept by structured clone (as real IndexedDB does,
 * which is what lets it hold CryptoKey objects) and every callback fires asynchronously. It
 * checks the store's own logic; the store still needs a run in a real browser.
 */
function fakeIndexedDb() {
  const databases = new Map<string, Map<string, Map<string, unknown>>>();
  type Request = {
    result: unknown;
    error: unknown;
    onsuccess: (() => void) | null;
    onerror: (() => void) | null;
  };
  return {
    open(name: string, _version: number) {
      const request = {
        result: undefined as unknown,
        error: null,
        onsuccess: null as (() => void) | null,
        onerror: null,
        onupgradeneeded: null as (() => void) | null,
        onblocked: null,
      };
      setTimeout(() => {
        const existing = databases.get(name);
        const stores = existing ?? new Map<string, Map<string, unknown>>();
        databases.set(name, stores);
        request.result = {
          objectStoreNames: { contains: (store: string) => stores.has(store) },
          createObjectStore: (store: string) => stores.set(store, new Map()),
          close() {},
          onversionchange: null,
          transaction(storeName: string, mode: 'readonly' | 'readwrite') {
            const data = stores.get(storeName);
            if (!data) throw new Error(`NotFoundError: no object store ${storeName}`);
            const queued: (() => void)[] = [];
            const transaction = {
              error: null,
              oncomplete: null as (() => void) | null,
              onerror: null,
              onabort: null,
              objectStore: () => {
                const enqueue = (operation: () => unknown): Request => {
                  const result: Request = { result: undefined, error: null, onsuccess: null, onerror: null };
                  queued.push(() => {
                    result.result = operation();
                    result.onsuccess?.();
                  });
                  return result;
                };
                const writable = () => {
                  if (mode !== 'readwrite') throw new Error('ReadOnlyError');
                };
                return {
                  get: (key: string) => enqueue(() => structuredClone(data.get(key))),
                  put: (value: unknown, key: string) => {
                    writable();
                    const copy = structuredClone(value);
                    return enqueue(() => data.set(key, copy) && key);
                  },
                  clear: () => {
                    writable();
                    return enqueue(() => data.clear());
                  },
                };
              },
            };
            setTimeout(() => {
              for (const operation of queued) operation();
              transaction.oncomplete?.();
            });
            return transaction;
          },
        };
        if (!existing) request.onupgradeneeded?.();
        request.onsuccess?.();
      });
      return request;
    },
  };
}

const state: DeviceState = {
  deviceId: 'dev_1',
  customerId: 'cus_1',
  tenant: { id: 'ten_1', name: 'Acme Bank' },
  issuer: 'https://auth.example.com',
  baseUrl: 'https://auth.example.com',
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
  label: "Alice's browser",
  platform: 'web',
};

const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
const globals = globalThis as { indexedDB?: unknown };

describe('createIndexedDbKeyStore (on a fake IndexedDB)', () => {
  beforeEach(() => {
    globals.indexedDB = fakeIndexedDb();
  });
  afterEach(() => {
    delete globals.indexedDB;
  });

  it('generates a non-extractable key that survives reopening and still signs', async () => {
    const store = createIndexedDbKeyStore('test-db');
    assert.equal(await store.loadKey(), null);
    const pair = await store.generateKey!();
    assert.equal(pair.privateKey.extractable, false);
    await store.saveKey(pair);

    const loaded = await createIndexedDbKeyStore('test-db').loadKey();
    assert.ok(loaded);
    assert.equal(loaded.privateKey.extractable, false);
    const data = new TextEncoder().encode('decision');
    const signature = await crypto.subtle.sign(ecdsa, loaded.privateKey, data);
    assert.equal(await crypto.subtle.verify(ecdsa, pair.publicKey, signature, data), true);
  });

  it('keeps the state, and clear forgets key and state', async () => {
    const store = createIndexedDbKeyStore();
    assert.equal(await store.loadState(), null);
    await store.saveKey(await store.generateKey!());
    await store.saveState(state);
    assert.deepEqual(await createIndexedDbKeyStore().loadState(), state);
    await store.clear();
    assert.equal(await store.loadState(), null);
    assert.equal(await store.loadKey(), null);
  });

  it('refuses an extractable private key', async () => {
    await assert.rejects(createIndexedDbKeyStore().saveKey(await generateDeviceKeyPair(true)), TypeError);
  });

  it('fails clearly where there is no IndexedDB', async () => {
    delete globals.indexedDB;
    await assert.rejects(createIndexedDbKeyStore().loadState(), /IndexedDB is not available/);
  });
});
