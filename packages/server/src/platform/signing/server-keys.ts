// The server's keys: the request-signing key and the VAPID key pair, sealed at rest.
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { newId } from '@helpdesk-auth/core';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { generateVapidKeys, type VapidKeys } from '../../providers/push/web-push.ts';
import type { Db } from '../../storage/database.ts';
import type { ServiceContext } from '../context.ts';
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
}

export interface PublicJwks {
  keys: PublicJwk[];
}

/**
 * How long a retired signing key stays in the JWKS, so requests it signed still verify. Keys are
 * retired by setting `retired_at`; there is no rotation command yet (docs/architecture.md).
 */
const retiredKeyGraceMs = 24 * 60 * 60 * 1000;

const sealContext = (id: string) => `server-key:${id}`;

async function activeRows(db: Db, purpose: 'signing' | 'vapid') {
  return db
    .selectFrom('server_keys')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/**
 * The server's own keys: the ES256 keys that sign the requests devices show (published as a
 * JWKS, pinned by devices at enrollment) and the VAPID key pair push services know us by
 * (RFC 8292). Both are created on first start and kept, private halves sealed under the
 * encryption key. When two processes start at once and both create one, every process uses the
 * oldest active key, so they agree; the extra key only sits in the JWKS.
 */
export function createServerKeyService({ db, clock, encryptionKey }: ServiceContext) {
  let signing: Promise<SigningKey> | undefined;
  let vapid: Promise<VapidKeys> | undefined;

  async function createSigningKey(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const id = newId('serverKey', clock());
    const publicJwk = { ...(await exportJWK(publicKey)), kid: id, alg: 'ES256', use: 'sig' };
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    await db
      .insertInto('server_keys')
      .values({
        id,
        purpose: 'signing',
        public_key: JSON.stringify(publicJwk),
        private_sealed: encryptSecret(encryptionKey, privateJwk, sealContext(id)),
        created_at: clock(),
        retired_at: null,
      })
      .execute();
  }

  async function loadSigningKey(): Promise<SigningKey> {
    let rows = await activeRows(db, 'signing');
    if (rows.length === 0) {
      await createSigningKey();
      rows = await activeRows(db, 'signing');
    }
    const row = rows[0]!;
    const jwk = JSON.parse(decryptSecret(encryptionKey, row.private_sealed, sealContext(row.id))) as JWK;
    return {
      kid: row.id,
      privateKey: (await importJWK(jwk, 'ES256')) as CryptoKey,
      privateKeyObject: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
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
    /** The key that signs requests now (created on first use). */
    signingKey(): Promise<SigningKey> {
      signing ??= loadSigningKey().catch((error: unknown) => {
        signing = undefined;
        throw error;
      });
      return signing;
    },

    /** Public signing keys: the active ones and those retired within the last day. */
    async jwks(): Promise<PublicJwks> {
      await this.signingKey();
      const rows = await db
        .selectFrom('server_keys')
        .select(['public_key'])
        .where('purpose', '=', 'signing')
        .where((eb) =>
          eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', clock() - retiredKeyGraceMs)]),
        )
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return { keys: rows.map((row) => JSON.parse(row.public_key) as PublicJwk) };
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
