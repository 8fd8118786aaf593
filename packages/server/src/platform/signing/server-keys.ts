// The server's keys: the request-signing keys (with their rotation and the signed key sets that
// carry a new key to enrolled devices), the RSA key of RS256 ID tokens and the VAPID key pair,
// sealed at rest.
import {
  createPrivateKey,
  generateKeyPair as generateNodeKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { AppError, jwsTypes, newId } from '@helpdesk-auth/core';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { generateVapidKeys, type VapidKeys } from '../../providers/push/web-push.ts';
import { inTransaction } from '../../storage/atomic.ts';
import { conflictsAs } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import type { ServerKeysTable } from '../../storage/schema.ts';
import { type Actor, appendAudit } from '../audit-log.ts';
import type { ServiceContext } from '../context.ts';
import { tooManyAttempts } from '../rate-limit-error.ts';
import { decryptSecret, encryptSecret } from '../secrets.ts';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The same private key for node:crypto (the signature worker signs with it). */
  privateKeyObject: KeyObject;
}

/** A public P-256 signing key as published (RFC 7517). */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: string;
  /** For a key in its overlap after a rotation: when it retires, seconds since the epoch. */
  exp?: number;
}

export interface PublicJwks {
  keys: PublicJwk[];
}

/** The RSA key that signs the ID tokens of RS256 clients (OpenID Connect Core 15.1). */
export interface RsaSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** A public RSA signing key as published (RFC 7517, RFC 7518 6.3.1). */
export interface PublicRsaJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

/** The OpenID Provider's key set: the ES256 signing keys and the RS256 ID-token key. */
export interface OidcJwks {
  keys: Array<PublicJwk | PublicRsaJwk>;
}

/** RSA keys of this size; OpenID Connect and RFC 7518 3.3 ask for 2048 bits or more. */
export const rsaModulusLength = 3072;

const generateRsaKeyPair = promisify(generateNodeKeyPair);

/**
 * How often a process asks the database which key signs now, so every process follows a rotation
 * made by another one (or by the CLI) even without a live event.
 */
const signingKeyCheckMs = 30_000;

/**
 * The most signing keys published at once: the signing key and those still in their overlap. A
 * key set lists them all and devices accept at most 16, so a rotation that would pass this waits
 * (429) until the oldest replaced key retires.
 */
export const maxPublishedSigningKeys = 8;

/** The live-event topic a rotation is announced on, so every process switches at once. */
const rotationTopic = 'server-keys';

const sealContext = (id: string) => `server-key:${id}`;

async function activeRows(db: Db, purpose: ServerKeysTable['purpose']) {
  return db
    .selectFrom('server_keys')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/** Signing keys still published at `now`: the active ones and those in their overlap. */
async function publishedRows(db: Db, now: number) {
  return db
    .selectFrom('server_keys')
    .select(['id', 'public_key', 'created_at', 'retired_at'])
    .where('purpose', '=', 'signing')
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now)]))
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/** The newest key set's version; 0 before the first rotation. */
async function latestKeySetVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom('server_key_sets')
    .select('version')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.version ?? 0;
}

/** A published key: a key in its overlap carries `exp`, the second it retires. */
function publicJwkOf(row: Pick<ServerKeysTable, 'public_key' | 'retired_at'>): PublicJwk {
  const jwk = JSON.parse(row.public_key) as PublicJwk;
  return row.retired_at === null ? jwk : { ...jwk, exp: Math.floor(row.retired_at / 1000) };
}

function decryptPrivateJwk(encryptionKey: Buffer, row: Pick<ServerKeysTable, 'id' | 'private_sealed'>): JWK {
  return JSON.parse(decryptSecret(encryptionKey, row.private_sealed, sealContext(row.id))) as JWK;
}

/** What a rotation did. */
export interface Rotation {
  /** The key that signs requests from now on. */
  kid: string;
  /** The keys it replaced; they stay published until `retiresAt`. */
  replaced: string[];
  /** The key set's version: one more than the rotation before. */
  version: number;
  retiresAt: number;
}

/** A signing key as operators see it. */
export interface SigningKeyStatus {
  kid: string;
  /** `signing`: signs new requests; `retiring`: published and trusted until `retiresAt`. */
  status: 'signing' | 'retiring';
  createdAt: number;
  retiresAt: number | null;
}

/**
 * The server's own keys: the ES256 keys that sign the requests devices show (published as a
 * JWKS, pinned by devices at enrollment), the VAPID key pair push services know us by
 * (RFC 8292), and the RSA key of RS256 ID tokens (`rsaIdTokenKey`, published only by the OpenID
 * JWKS, `oidcJwks`). All are created on first use and kept, private halves sealed under the
 * encryption key. When two processes start at once and both create one, every process uses the
 * oldest active key, so they agree; the extra key only sits in the JWKS.
 *
 * A rotation (`rotate`) makes a new signing key, gives the keys it replaces a retirement time
 * (`retired_at`, `SERVER_KEY_OVERLAP_SECONDS` ahead: until then they stay published and trusted)
 * and signs the new key set with the key it replaces, so a device that pins the old key can
 * trust the new one (docs/device-protocol.md, "Server keys and rotation").
 */
export function createServerKeyService({ db, clock, encryptionKey, config, events }: ServiceContext) {
  let signing: { key: Promise<SigningKey>; checkedAt: number } | undefined;
  let vapid: Promise<VapidKeys> | undefined;
  let rsa: Promise<RsaSigningKey> | undefined;
  let listening = false;
  const issuer = new URL(config.publicUrl).origin;

  async function newSigningKeyRow(id: string, now: number) {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: id, alg: 'ES256', use: 'sig' };
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    return {
      id,
      purpose: 'signing' as const,
      public_key: JSON.stringify(publicJwk),
      private_sealed: encryptSecret(encryptionKey, privateJwk, sealContext(id)),
      created_at: now,
      retired_at: null,
    };
  }

  async function createSigningKey(): Promise<void> {
    const now = clock();
    await db
      .insertInto('server_keys')
      .values(await newSigningKeyRow(newId('serverKey', now), now))
      .execute();
  }

  async function loadSigningKey(): Promise<SigningKey> {
    let rows = await activeRows(db, 'signing');
    if (rows.length === 0) {
      await createSigningKey();
      rows = await activeRows(db, 'signing');
    }
    const row = rows[0]!;
    const jwk = decryptPrivateJwk(encryptionKey, row);
    return {
      kid: row.id,
      privateKey: (await importJWK(jwk, 'ES256')) as CryptoKey,
      privateKeyObject: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
    };
  }

  function loadFresh(now: number): Promise<SigningKey> {
    const key = loadSigningKey().catch((error: unknown) => {
      signing = undefined;
      throw error;
    });
    signing = { key, checkedAt: now };
    return key;
  }

  /** Whether the cached key is still the oldest active one; one indexed read. */
  async function stillCurrent(cached: Promise<SigningKey>): Promise<boolean> {
    const [row] = await db
      .selectFrom('server_keys')
      .select('id')
      .where('purpose', '=', 'signing')
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(1)
      .execute();
    return row !== undefined && row.id === (await cached).kid;
  }

  function listenForRotations(): void {
    if (listening) return;
    listening = true;
    events.subscribe(rotationTopic, () => {
      signing = undefined;
    });
  }

  /**
   * The RSA key of RS256 ID tokens, made with node:crypto on first use and sealed like the
   * others. It signs nothing a device sees, so it is never in the device JWKS nor in a key set.
   */
  async function loadRsaKey(): Promise<RsaSigningKey> {
    let rows = await activeRows(db, 'id-token-rsa');
    if (rows.length === 0) {
      const { publicKey, privateKey } = await generateRsaKeyPair('rsa', { modulusLength: rsaModulusLength });
      const now = clock();
      const id = newId('serverKey', now);
      const publicJwk = publicKey.export({ format: 'jwk' });
      const published: PublicRsaJwk = {
        kty: 'RSA',
        n: publicJwk.n!,
        e: publicJwk.e!,
        kid: id,
        alg: 'RS256',
        use: 'sig',
      };
      await db
        .insertInto('server_keys')
        .values({
          id,
          purpose: 'id-token-rsa',
          public_key: JSON.stringify(published),
          private_sealed: encryptSecret(
            encryptionKey,
            JSON.stringify(privateKey.export({ format: 'jwk' })),
            sealContext(id),
          ),
          created_at: now,
          retired_at: null,
        })
        .execute();
      // Two processes starting at once may both make one: every process signs with the oldest.
      rows = await activeRows(db, 'id-token-rsa');
    }
    const row = rows[0]!;
    return {
      kid: row.id,
      privateKey: createPrivateKey({
        key: decryptPrivateJwk(encryptionKey, row) as JsonWebKey,
        format: 'jwk',
      }),
    };
  }

  async function loadVapidKeys(): Promise<VapidKeys> {
    let rows = await activeRows(db, 'vapid');
    if (rows.length === 0) {
      const keys = generateVapidKeys();
      const id = newId('serverKey', clock());
      await db
        .insertInto('server_keys')
        .values({
          id,
          purpose: 'vapid',
          public_key: keys.publicKey,
          private_sealed: encryptSecret(encryptionKey, keys.privateKey, sealContext(id)),
          created_at: clock(),
          retired_at: null,
        })
        .execute();
      rows = await activeRows(db, 'vapid');
    }
    const row = rows[0]!;
    return {
      publicKey: row.public_key,
      privateKey: decryptSecret(encryptionKey, row.private_sealed, sealContext(row.id)),
    };
  }

  return {
    /**
     * The key that signs requests now (created on first use). Cached; a rotation in this process
     * or announced by another switches at once, and the database is asked again every 30 seconds.
     */
    async signingKey(): Promise<SigningKey> {
      listenForRotations();
      const now = clock();
      const cached = signing;
      if (!cached) return loadFresh(now);
      if (now - cached.checkedAt < signingKeyCheckMs) return cached.key;
      cached.checkedAt = now;
      if (await stillCurrent(cached.key)) return cached.key;
      return signing === cached ? loadFresh(now) : this.signingKey();
    },

    /** Public signing keys: the active ones and those still in their overlap (with `exp`). */
    async jwks(): Promise<PublicJwks> {
      await this.signingKey();
      return { keys: (await publishedRows(db, clock())).map(publicJwkOf) };
    },

    /** The key that signs the ID tokens of RS256 clients (created on first use, then cached). */
    rsaIdTokenKey(): Promise<RsaSigningKey> {
      rsa ??= loadRsaKey().catch((error: unknown) => {
        rsa = undefined;
        throw error;
      });
      return rsa;
    },

    /**
     * The OpenID Provider's JWKS (the discovery document's `jwks_uri`): the published ES256 keys,
     * which sign access tokens and ES256 ID tokens, and the RSA keys of RS256 ID tokens.
     */
    async oidcJwks(): Promise<OidcJwks> {
      const [es256] = await Promise.all([this.jwks(), this.rsaIdTokenKey()]);
      const rsaRows = await activeRows(db, 'id-token-rsa');
      return {
        keys: [...es256.keys, ...rsaRows.map((row) => JSON.parse(row.public_key) as PublicRsaJwk)],
      };
    },

    /** The newest key set's version; 0 before the first rotation. */
    keySetVersion: () => latestKeySetVersion(db),

    /** The signed key sets after `version`, oldest first: the chain a device walks. */
    async keySetsAfter(version: number): Promise<{ version: number; keySets: string[] }> {
      const rows = await db
        .selectFrom('server_key_sets')
        .select(['version', 'jws'])
        .where('version', '>', version)
        .orderBy('version', 'asc')
        .execute();
      return {
        version: rows.at(-1)?.version ?? (await this.keySetVersion()),
        keySets: rows.map((row) => row.jws),
      };
    },

    /** Every published signing key with its state, oldest first. */
    async status(): Promise<{ version: number; overlapSeconds: number; keys: SigningKeyStatus[] }> {
      await this.signingKey();
      const rows = await publishedRows(db, clock());
      const current = rows.find((row) => row.retired_at === null);
      return {
        version: await this.keySetVersion(),
        overlapSeconds: config.serverKeyOverlapSeconds,
        keys: rows.map((row) => ({
          kid: row.id,
          status: row.id === current?.id ? 'signing' : 'retiring',
          createdAt: row.created_at,
          retiresAt: row.retired_at,
        })),
      };
    },

    /**
     * Makes a new signing key. In one transaction: the new key is stored, the keys it replaces
     * get their retirement time, and the new key set (every published key, the retiring ones
     * with `exp`) is signed by the key that signed until now and stored as the next version.
     * The audit entry goes to each tenant in `audit.tenantIds`. Two rotations at once: the
     * second fails with CONFLICT (the version is the key set's primary key) and changes nothing.
     */
    async rotate(audit: { tenantIds: string[]; actor: Actor }): Promise<Rotation> {
      await this.signingKey();
      const now = clock();
      const retiresAt = now + config.serverKeyOverlapSeconds * 1000;
      const kid = newId('serverKey', now);
      const row = await newSigningKeyRow(kid, now);
      const rotation = await inTransaction(db, async (tx) => {
        // The version first: a rotation that commits after this read makes this one's insert of
        // the same version fail, so the chain never forks.
        const version = (await latestKeySetVersion(tx)) + 1;
        const replaced = await activeRows(tx, 'signing');
        const signer = replaced[0];
        if (!signer) throw new AppError('CONFLICT', 'There is no signing key to rotate yet.');
        const published = await publishedRows(tx, now);
        if (published.length >= maxPublishedSigningKeys) {
          const firstRetirement = Math.min(...published.map((r) => r.retired_at ?? Number.POSITIVE_INFINITY));
          throw tooManyAttempts(
            `${published.length} signing keys are published already; rotate again once the oldest replaced key retires.`,
            {
              resetAt: Number.isFinite(firstRetirement)
                ? firstRetirement
                : now + config.serverKeyOverlapSeconds * 1000,
            },
            now,
          );
        }
        await tx.insertInto('server_keys').values(row).execute();
        await tx
          .updateTable('server_keys')
          .set({ retired_at: retiresAt })
          .where('purpose', '=', 'signing')
          .where('retired_at', 'is', null)
          .where('id', '!=', kid)
          .execute();
        const keys = (await publishedRows(tx, now)).map(publicJwkOf);
        const signerKey = (await importJWK(decryptPrivateJwk(encryptionKey, signer), 'ES256')) as CryptoKey;
        const jws = await new SignJWT({ ver: version, keys })
          .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.keySet, kid: signer.id })
          .setIssuer(issuer)
          .setIssuedAt(Math.floor(now / 1000))
          .sign(signerKey);
        await tx
          .insertInto('server_key_sets')
          .values({ version, signed_by: signer.id, new_key_id: kid, jws, created_at: now })
          .execute();
        const result: Rotation = { kid, replaced: replaced.map((r) => r.id), version, retiresAt };
        for (const tenantId of audit.tenantIds) {
          await appendAudit(tx, {
            tenantId,
            actor: audit.actor,
            action: 'server_keys.rotated',
            target: { type: 'server_key', id: kid },
            data: { replaced: result.replaced, version, retiresAt: new Date(retiresAt).toISOString() },
            now,
          });
        }
        return result;
      }).catch(
        conflictsAs([
          {
            kind: 'unique',
            table: 'server_key_sets',
            error: () =>
              new AppError('CONFLICT', 'Another rotation ran at the same moment; nothing was changed.'),
          },
        ]),
      );
      signing = undefined;
      events.publish(rotationTopic, { type: 'rotated', data: { kid } });
      return rotation;
    },

    vapidKeys(): Promise<VapidKeys> {
      vapid ??= loadVapidKeys().catch((error: unknown) => {
        vapid = undefined;
        throw error;
      });
      return vapid;
    },
  };
}

export type ServerKeyService = ReturnType<typeof createServerKeyService>;
