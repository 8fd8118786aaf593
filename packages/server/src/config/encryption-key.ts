// The key-encryption key: ENCRYPTION_KEY in production, a generated development key otherwise.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * The key-encryption key. Production must configure ENCRYPTION_KEY (loadConfig refuses to start
 * without it). In development a key is generated once into the data folder, readable only by
 * this user, so `npm start` needs no setup and restarts keep working.
 */
export function resolveEncryptionKey(
  config: Pick<Config, 'encryptionKey' | 'dataDir' | 'mode'>,
  warn: (message: string) => void,
): Buffer {
  if (config.encryptionKey) return Buffer.from(config.encryptionKey, 'base64');
  if (config.mode === 'production') throw new Error('ENCRYPTION_KEY is required in production.');
  const file = path.join(config.dataDir, 'development-encryption-key');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    warn(`Generated a development encryption key in ${file}. Set ENCRYPTION_KEY in production.`);
    return key;
  }
}
