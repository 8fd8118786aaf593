// Passwords: argon2id hashes, generated passwords, and checks that take the same time for unknown
// accounts.
import { argon2, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Operator passwords: argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane),
 * stored as a PHC string so the parameters can be raised later without breaking old hashes.
 */
const parameters = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 };

/** NIST SP 800-63B rev 4 section 3.1.1.2: at least 15 characters for a single-factor password. */
export const minimumPasswordLength = 15;
export const maximumPasswordLength = 256;

function derive(
  message: string,
  nonce: Buffer,
  p: { memory: number; passes: number; parallelism: number; tagLength: number },
) {
  return new Promise<Buffer>((resolve, reject) => {
    argon2('argon2id', { message, nonce, ...p }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, parameters);
  const { memory, passes, parallelism } = parameters;
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

const phc = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = phc.exec(stored);
  if (!match) return false;
  const [, m, t, p, salt, hash] = match;
  const expected = Buffer.from(hash!, 'base64url');
  const actual = await derive(password, Buffer.from(salt!, 'base64url'), {
    memory: Number(m),
    passes: Number(t),
    parallelism: Number(p),
    tagLength: expected.length,
  });
  return timingSafeEqual(actual, expected);
}

// Checked against when the account does not exist, so that a wrong e-mail costs as much time
// as a wrong password and response times do not reveal which accounts exist.
let decoy: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoy);
  return false;
}

/** A readable random password for generated accounts: 24 characters (~138 bits) in groups of 6. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 24; i++) out += alphabet[randomInt(alphabet.length)];
  return out.replace(/(.{6})(?=.)/g, '$1-');
}
