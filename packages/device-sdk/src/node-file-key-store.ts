// A key store for Node: the device's key and state in one JSON file, written atomically, mode 0600.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeviceSdkError } from './errors.ts';
import {
  type CryptoKeyPair,
  type DeviceKeyStore,
  type DeviceState,
  deviceKeyAlgorithm,
  generateDeviceKeyPair,
  type JsonWebKey,
} from './key-store.ts';
import type { OfflineSecret } from './offline-code.ts';

/** The file's content. Only the private JWK is kept: it holds the public coordinates too. */
interface KeyFile {
  version: 1;
  privateKey: JsonWebKey | null;
  state: DeviceState | null;
  /** The offline-code secret; absent in files written before offline codes. */
  offlineSecret?: OfflineSecret | null;
}

const fileMode = 0o600;
const directoryMode = 0o700;

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

/**
 * Keeps the device's private key (as a JWK) and state in one JSON file for Node (the CLI
 * simulator, scripts, servers acting as devices). The file is written with mode 0600 through a
 * temporary file and a rename, so a crash never leaves half a key; a missing directory is
 * created with mode 0700. A file that the group or others may read, or that another user owns,
 * is refused with KEY_FILE_INSECURE (like ssh refuses such private keys). Loaded private keys
 * are non-extractable CryptoKeys.
 *
 * The key is only as safe as the account and disk it lives on: this protects against other
 * local users, not against the file's owner or a backup that copies it.
 */
export function createFileKeyStore(filePath: string): DeviceKeyStore {
  // Serialises this store's writes, so a saveKey and a saveState issued together both land.
  let queue: Promise<unknown> = Promise.resolve();
  function serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  async function read(): Promise<KeyFile | null> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(filePath);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    if (process.platform !== 'win32') {
      if ((info.mode & 0o077) !== 0) {
        throw new DeviceSdkError(
          'KEY_FILE_INSECURE',
          `${filePath} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it.`,
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && info.uid !== uid) {
        throw new DeviceSdkError(
          'KEY_FILE_INSECURE',
          `${filePath} belongs to another user (uid ${info.uid}).`,
        );
      }
    }
    const parsed = JSON.parse(await readFile(filePath, 'utf8')) as KeyFile;
    if (parsed?.version !== 1) throw new Error(`${filePath} is not a device key file of a known version.`);
    return parsed;
  }

  async function write(content: KeyFile): Promise<void> {
    await mkdir(dirname(filePath), { recursive: true, mode: directoryMode });
    const temporary = `${filePath}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temporary, 'wx', fileMode);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await rename(temporary, filePath);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    // Make the rename itself durable; not every platform can open a directory, so best effort.
    const directory = await open(dirname(filePath), 'r').catch(() => null);
    if (directory) await directory.sync().catch(() => undefined);
    await directory?.close();
  }

  async function update(change: (current: KeyFile) => KeyFile): Promise<void> {
    const current = (await read()) ?? { version: 1, privateKey: null, state: null };
    await write(change(current));
  }

  return {
    // Extractable only so saveKey can write it out; loadKey returns a non-extractable copy.
    generateKey: () => generateDeviceKeyPair(true),

    loadKey: () =>
      serialised(async () => {
        const jwk = (await read())?.privateKey;
        if (!jwk) return null;
        const { d: _d, key_ops: _ops, ext: _ext, ...publicJwk } = jwk;
        const subtle = globalThis.crypto.subtle;
        const [privateKey, publicKey] = await Promise.all([
          subtle.importKey('jwk', jwk, deviceKeyAlgorithm, false, ['sign']),
          subtle.importKey('jwk', publicJwk, deviceKeyAlgorithm, true, ['verify']),
        ]);
        return { privateKey, publicKey };
      }),

    saveKey: (pair: CryptoKeyPair) =>
      serialised(async () => {
        if (!pair.privateKey.extractable) {
          throw new TypeError('The file key store needs an extractable private key; use its generateKey().');
        }
        const jwk = (await globalThis.crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
        await update((current) => ({ ...current, privateKey: jwk }));
      }),

    loadState: () => serialised(async () => (await read())?.state ?? null),

    saveState: (state: DeviceState) => serialised(() => update((current) => ({ ...current, state }))),

    loadOfflineSecret: () => serialised(async () => (await read())?.offlineSecret ?? null),

    saveOfflineSecret: (offlineSecret: OfflineSecret) =>
      serialised(() => update((current) => ({ ...current, offlineSecret }))),

    clear: () =>
      serialised(async () => {
        try {
          await unlink(filePath);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }),
  };
}
