// Each tenant's own FCM service account and APNs key: validated, sealed at rest, audited, never shown.
import { AppError, notFound } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../../platform/audit-log.ts';
import type { ServiceContext } from '../../../platform/context.ts';
import { decryptSecret, encryptSecret } from '../../../platform/secrets.ts';
import { checkHost } from '../../../providers/outbound-address.ts';
import {
  type ApnsCredentials,
  type ApnsEnvironment,
  apnsCredentialsProblem,
} from '../../../providers/push/apns.ts';
import { type FcmServiceAccount, parseFcmServiceAccount } from '../../../providers/push/fcm.ts';
import { inTransaction } from '../../../storage/atomic.ts';
import { pushAddressRules } from './delivery.ts';

export type PushCredentialKind = 'fcm' | 'apns';

/** What names a tenant's FCM service account; the private key is never part of it. */
export interface FcmCredentialSummary {
  projectId: string;
  clientEmail: string;
  privateKeyId: string;
  updatedAt: number;
}

/** What names a tenant's APNs key; the key itself is never part of it. */
export interface ApnsCredentialSummary {
  teamId: string;
  keyId: string;
  bundleId: string;
  /** Where devices that enrolled without saying go; a device's own environment wins. */
  environment: ApnsEnvironment;
  updatedAt: number;
}

export interface PushCredentialSummary {
  fcm: FcmCredentialSummary | null;
  apns: ApnsCredentialSummary | null;
}

/** The unsealed credentials for delivery, with a version that changes on every save. */
export type LoadedCredentials =
  | { kind: 'fcm'; version: string; serviceAccount: FcmServiceAccount }
  | { kind: 'apns'; version: string; credentials: ApnsCredentials; environment: ApnsEnvironment };

const sealContext = (tenantId: string, kind: PushCredentialKind) => `push-credentials:${tenantId}:${kind}`;

const invalid = (problem: string) =>
  new AppError('PUSH_CREDENTIALS_INVALID', `The push credentials cannot be used: ${problem}.`);

export function createPushCredentialService({
  db,
  clock,
  encryptionKey,
  config,
  resolveHost,
}: ServiceContext) {
  async function save(
    tenantId: string,
    kind: PushCredentialKind,
    identity: Record<string, string>,
    secret: string,
    actor: Actor,
  ): Promise<number> {
    const now = clock();
    const sealed = encryptSecret(encryptionKey, secret, sealContext(tenantId, kind));
    await inTransaction(db, async (tx) => {
      const existing = await tx
        .selectFrom('push_credentials')
        .select('created_at')
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      // One statement, so saves sent at once for a tenant without credentials both succeed (the
      // later one wins) instead of the second failing on the primary key.
      await tx
        .insertInto('push_credentials')
        .values({
          tenant_id: tenantId,
          kind,
          identity: JSON.stringify(identity),
          secret_sealed: sealed,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'kind'])
            .doUpdateSet({ identity: JSON.stringify(identity), secret_sealed: sealed, updated_at: now }),
        )
        .execute();
      await appendAudit(tx, {
        tenantId,
        actor,
        action: 'tenant.push_credentials_set',
        target: { type: 'tenant', id: tenantId },
        data: { kind, replaced: existing !== undefined, ...identity },
        now,
      });
    });
    return now;
  }

  return {
    async get(tenantId: string): Promise<PushCredentialSummary> {
      const rows = await db
        .selectFrom('push_credentials')
        .select(['kind', 'identity', 'updated_at'])
        .where('tenant_id', '=', tenantId)
        .execute();
      const summary: PushCredentialSummary = { fcm: null, apns: null };
      for (const row of rows) {
        const identity = JSON.parse(row.identity) as Record<string, string>;
        if (row.kind === 'fcm') {
          summary.fcm = {
            projectId: identity.projectId!,
            clientEmail: identity.clientEmail!,
            privateKeyId: identity.privateKeyId!,
            updatedAt: row.updated_at,
          };
        } else if (row.kind === 'apns') {
          summary.apns = {
            teamId: identity.teamId!,
            keyId: identity.keyId!,
            bundleId: identity.bundleId!,
            environment: identity.environment as ApnsEnvironment,
            updatedAt: row.updated_at,
          };
        }
      }
      return summary;
    },

    /** Saves a service-account key file (its JSON text) after reading it as Google's tools do. */
    async setFcm(tenantId: string, serviceAccountJson: string, actor: Actor): Promise<FcmCredentialSummary> {
      let account: FcmServiceAccount;
      try {
        account = parseFcmServiceAccount(serviceAccountJson);
      } catch (error) {
        throw invalid((error as Error).message);
      }
      // The server will POST the assertion to the file's token URI, so it is held to the push
      // address rule against request forgery, now and again on every connection.
      const verdict = await checkHost(new URL(account.tokenUri).hostname, pushAddressRules(config), {
        ...(resolveHost ? { resolve: resolveHost } : {}),
      });
      if (verdict === 'refused') {
        throw invalid('"token_uri" points to this machine or to a private or reserved network address');
      }
      const identity = {
        projectId: account.projectId,
        clientEmail: account.clientEmail,
        privateKeyId: account.privateKeyId,
      };
      const updatedAt = await save(tenantId, 'fcm', identity, JSON.stringify(account), actor);
      return { ...identity, updatedAt };
    },

    async setApns(
      tenantId: string,
      input: ApnsCredentials & { environment: ApnsEnvironment },
      actor: Actor,
    ): Promise<ApnsCredentialSummary> {
      const credentials: ApnsCredentials = {
        teamId: input.teamId,
        keyId: input.keyId,
        privateKey: input.privateKey,
        bundleId: input.bundleId,
      };
      const problem = apnsCredentialsProblem(credentials);
      if (problem) throw invalid(problem);
      const identity = {
        teamId: input.teamId,
        keyId: input.keyId,
        bundleId: input.bundleId,
        environment: input.environment,
      };
      const updatedAt = await save(tenantId, 'apns', identity, JSON.stringify(credentials), actor);
      return { ...identity, updatedAt };
    },

    async remove(tenantId: string, kind: PushCredentialKind, actor: Actor): Promise<void> {
      const now = clock();
      await inTransaction(db, async (tx) => {
        const deleted = await tx
          .deleteFrom('push_credentials')
          .where('tenant_id', '=', tenantId)
          .where('kind', '=', kind)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw notFound('Push credentials');
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'tenant.push_credentials_removed',
          target: { type: 'tenant', id: tenantId },
          data: { kind },
          now,
        });
      });
    },

    /** The tenant's credentials for `kind`, unsealed, or null when it has none. */
    async load(tenantId: string, kind: PushCredentialKind): Promise<LoadedCredentials | null> {
      const row = await db
        .selectFrom('push_credentials')
        .select(['identity', 'secret_sealed'])
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      if (!row) return null;
      const secret = decryptSecret(encryptionKey, row.secret_sealed, sealContext(tenantId, kind));
      if (kind === 'fcm') {
        return { kind, version: row.secret_sealed, serviceAccount: JSON.parse(secret) as FcmServiceAccount };
      }
      const identity = JSON.parse(row.identity) as { environment: ApnsEnvironment };
      return {
        kind,
        version: row.secret_sealed,
        credentials: JSON.parse(secret) as ApnsCredentials,
        environment: identity.environment,
      };
    },
  };
}

export type PushCredentialService = ReturnType<typeof createPushCredentialService>;
