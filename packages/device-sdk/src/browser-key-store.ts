// Loads on its own in a browser: nothing but types is imported, and type imports are erased.
import type { CryptoKeyPair, DeviceKeyStore, DeviceState } from './key-store.ts';
import type { OfflineSecret } from './offline-code.ts';

// The slice of the IndexedDB API this store uses, declared here because the repository's
// TypeScript setup has no DOM library. The real objects satisfy these shapes.
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
  clear(): IdbRequest<unknown>;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  readonly error: unknown;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(storeName: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
  onversionchange: (() => void) | null;
}
interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}

const objectStoreName = 'device';
const keyEntry = 'key';
const stateEntry = 'state';
const offlineSecretEntry = 'offline-secret';

/**
 * Keeps the device's key pair and state in IndexedDB. The private key is generated
 * non-extractable and stored as a CryptoKey object (IndexedDB keeps it by structured clone), so
 * page script can use it to sign but nobody, including this code, can read its bytes.
 *
 * Browsers may evict site storage under pressure; call `navigator.storage.persist()` once the
 * device is enrolled so the key survives. Clearing site data removes the key: the customer then
 * enrolls again.
 */
export function createIndexedDbKeyStore(dbName = 'helpdesk-auth-device'): DeviceKeyStore {
  let opening: Promise<IdbDatabase> | null = null;

  function database(): Promise<IdbDatabase> {
    if (opening) return opening;
    const factory = (globalThis as { indexedDB?: IdbFactory }).indexedDB;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available here.'));
    const attempt = new Promise<IdbDatabase>((resolve, reject) => {
      const request = factory.open(dbName, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(objectStoreName)) db.createObjectStore(objectStoreName);
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading or deleting the database: let go, reopen on next use.
        db.onversionchange = () => {
          db.close();
          if (opening === attempt) opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        if (opening === attempt) opening = null;
        reject(request.error ?? new Error(`Could not open IndexedDB database ${dbName}.`));
      };
    });
    opening = attempt;
    return attempt;
  }

  /**
   * Runs one request in its own transaction and resolves with its result once the transaction
   * has committed, so a resolved write is durable. Nothing else is awaited inside the
   * transaction (an await on anything but IndexedDB would let it auto-commit early).
   */
  async function run(mode: 'readonly' | 'readwrite', work: (store: IdbObjectStore) => IdbRequest<unknown>) {
    const db = await database();
    return new Promise<unknown>((resolve, reject) => {
      const transaction = db.transaction(objectStoreName, mode);
      const request = work(transaction.objectStore(objectStoreName));
      transaction.oncomplete = () => resolve(request.result);
      const fail = () =>
        reject(transaction.error ?? request.error ?? new Error('IndexedDB transaction failed.'));
      transaction.onerror = fail;
      transaction.onabort = fail;
    });
  }

  return {
    generateKey: async () => {
      const pair = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ]);
      return { privateKey: pair.privateKey, publicKey: pair.publicKey };
    },

    loadKey: async () => {
      const value = (await run('readonly', (store) => store.get(keyEntry))) as CryptoKeyPair | undefined;
      return value ? { privateKey: value.privateKey, publicKey: value.publicKey } : null;
    },

    saveKey: async (pair) => {
      if (pair.privateKey.extractable) {
        throw new TypeError(
          'The IndexedDB key store keeps only non-extractable private keys; use its generateKey().',
        );
      }
      await run('readwrite', (store) =>
        store.put({ privateKey: pair.privateKey, publicKey: pair.publicKey }, keyEntry),
      );
    },

    loadState: async () => ((await run('readonly', (store) => store.get(stateEntry))) as DeviceState) ?? null,

    saveState: async (state) => {
      await run('readwrite', (store) => store.put(state, stateEntry));
    },

    loadOfflineSecret: async () =>
      ((await run('readonly', (store) => store.get(offlineSecretEntry))) as OfflineSecret) ?? null,

    saveOfflineSecret: async (secret) => {
      await run('readwrite', (store) => store.put(secret, offlineSecretEntry));
    },

    clear: async () => {
      await run('readwrite', (store) => store.clear());
    },
  };
}
