// Where a device keeps its key pair and state: the interface, key generation and the memory store.
import type { DevicePlatform } from '@helpdesk-auth/core';
import type { CryptoKey, JWK } from 'jose';
import type { OfflineSecret } from './offline-code.ts';
import type { WebAuthnCredentialRef } from './webauthn.ts';

export type { CryptoKey, DevicePlatform };
export type JsonWebKey = JWK;

/** A WebCrypto ECDSA P-256 key pair (the shape of the DOM's `CryptoKeyPair`). */
export interface CryptoKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** What a device remembers next to its key after enrollment. */
export interface DeviceState {
  deviceId: string;
  customerId: string;
  tenant: { id: string; name: string };
  /** The server's issuer; requests signed with another `iss` are refused. */
  issuer: string;
  /** Where the SDK sends requests (the activation link's server, or the configured one). */
  baseUrl: string;
  /**
   * The server's signing keys, pinned at enrollment and replaced only by a key set signed by one
   * of them (server-key-sets.ts). A key a rotation replaced carries `exp`.
   */
  jwks: { keys: JsonWebKey[] };
  /** The key set version `jwks` belongs to; absent or 0 before the server's first rotation. */
  keySetVersion?: number;
  label: string;
  platform: DevicePlatform;
  /** The WebAuthn credential registered with `registerWebAuthn`, if any. */
  webauthn?: WebAuthnCredentialRef;
}

/**
 * Where a device keeps its key pair and state. Implement it over whatever the platform offers;
 * the SDK ships a memory store, an IndexedDB store (browsers) and a file store (Node).
 */
export interface DeviceKeyStore {
  loadKey(): Promise<CryptoKeyPair | null>;
  saveKey(pair: CryptoKeyPair): Promise<void>;
  loadState(): Promise<DeviceState | null>;
  saveState(state: DeviceState): Promise<void>;
  /** Forgets key, state and the offline-code secret. */
  clear(): Promise<void>;
  /**
   * The offline-code secret (RFC 6238 seed) the server issued once. Keep it beside the private
   * key, with the same protection: whoever reads it can show the customer's app codes. A store
   * without these two cannot show offline codes (`offlineCode()` answers OFFLINE_CODE_UNAVAILABLE).
   */
  loadOfflineSecret?(): Promise<OfflineSecret | null>;
  saveOfflineSecret?(secret: OfflineSecret): Promise<void>;
  /**
   * Generates the key pair the way this store can keep it: a store that serialises the private
   * key needs it extractable, one that keeps CryptoKey objects (IndexedDB, memory) should not.
   * Without it the SDK generates a non-extractable pair.
   */
  generateKey?(): Promise<CryptoKeyPair>;
}

export const deviceKeyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A fresh ECDSA P-256 pair for ES256. The public half is always extractable (WebCrypto rule);
 * `extractable` only concerns the private half.
 */
export async function generateDeviceKeyPair(extractable = false): Promise<CryptoKeyPair> {
  const pair = await globalThis.crypto.subtle.generateKey(deviceKeyAlgorithm, extractable, [
    'sign',
    'verify',
  ]);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** Keeps everything in memory: for tests and short-lived use (nothing survives a restart). */
export function createMemoryKeyStore(): DeviceKeyStore {
  let key: CryptoKeyPair | null = null;
  let state: DeviceState | null = null;
  let offline: OfflineSecret | null = null;
  return {
    generateKey: () => generateDeviceKeyPair(false),
    loadKey: async () => key,
    saveKey: async (pair) => {
      key = { privateKey: pair.privateKey, publicKey: pair.publicKey };
    },
    // Copies, so a caller mutating the object it got does not change what is stored.
    loadState: async () => (state === null ? null : structuredClone(state)),
    saveState: async (next) => {
      state = structuredClone(next);
    },
    loadOfflineSecret: async () => (offline === null ? null : { ...offline }),
    saveOfflineSecret: async (secret) => {
      offline = { ...secret };
    },
    clear: async () => {
      key = null;
      state = null;
      offline = null;
    },
  };
}
