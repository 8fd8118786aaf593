// Devices and activations: enrollment, push channels, revocation, and where pushes go.
import { randomBytes } from 'node:crypto';
import {
  AppError,
  activationCodeAlphabet,
  activationCodeLength,
  type DevicePlatform,
  newId,
  notFound,
} from '@helpdesk-auth/core';
import type { JWK } from 'jose';
import {
  type Actor,
  type AuditRecord,
  appendAudit,
  appendAuditMany,
  systemActor,
} from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { topics } from '../../platform/live-events.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { decryptSecret, encryptSecret, keyedHash } from '../../platform/secrets.ts';
import { checkHost } from '../../providers/outbound-address.ts';
import { type ApnsEnvironment, apnsTokenProblem } from '../../providers/push/apns.ts';
import { fcmTokenProblem } from '../../providers/push/fcm.ts';
import { type WebPushSubscription, webPushSubscriptionProblem } from '../../providers/push/web-push.ts';
import {
  compareAndSetStatus,
  consumeOneTimeToken,
  hitRateLimit,
  inTransaction,
  releaseRateLimit,
} from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import { prepared, type Slots } from '../../storage/prepared.ts';
import type { DeviceRow } from '../../storage/schema.ts';
import { issueOfflineSecret, type OfflineSecret, removeOfflineSecret } from '../methods/index.ts';
import { pushAddressRules } from '../push/index.ts';
import { deviceKeyCache } from './device-auth.ts';
import { type HandOutBasis, handOutBasis } from './enrollment-guard.ts';

/**
 * How a device hears about a request when its app is closed: a browser's Web Push subscription, an
 * app's FCM registration token, or an iOS app's APNs device token with the APNs environment it was
 * issued for (the tenant's default environment when left out).
 */
export type PushChannel =
  | { kind: 'webpush'; subscription: WebPushSubscription }
  | { kind: 'fcm'; token: string }
  | { kind: 'apns'; token: string; environment?: ApnsEnvironment | undefined };

export const pushKinds = ['webpush', 'fcm', 'apns'] as const;

export interface Device {
  id: string;
  customerId: string;
  label: string;
  platform: DevicePlatform;
  status: 'active' | 'revoked';
  /** The push channel's kind, or null when the device only listens on the live channel. */
  push: PushChannel['kind'] | null;
  createdAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
  /** A WebAuthn credential is registered: the device can approve with biometrics. */
  webauthn: boolean;
}

export interface Activation {
  id: string;
  customerId: string;
  /** Shown once; stored only as a keyed hash. */
  code: string;
  link: string;
  qrPayload: string;
  expiresAt: number;
}

/** DESIGN section 6: activation codes are short-lived and single use. */
export const activationLifetimeMs = 10 * 60 * 1000;
const activationPurpose = 'device_activation';
/** Customers whose older activations one statement revokes (SQLite takes up to 500 arms of a union). */
const revokeChunk = 100;

/** 16 characters, 80 bits: far beyond guessing within the per-address attempt limit. */
function newActivationCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < activationCodeLength; i++) {
    out = activationCodeAlphabet[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out.replace(/(.{4})(?!$)/g, '$1-');
}

/** Upper case, no dashes or spaces; the confusable letters read as the digits they look like. */
export function normaliseActivationCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

export function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    customerId: row.customer_id,
    label: row.label,
    platform: row.platform as DevicePlatform,
    status: row.status,
    push: (row.push_kind as PushChannel['kind'] | null) ?? null,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    webauthn: row.webauthn_credential_id !== null,
  };
}

/** An active device and how to reach it when its app is closed. */
export interface DeliveryTarget {
  deviceId: string;
  push: PushChannel | null;
}

/** Who changed a device: an operator or key, or the device itself (the customer's own act, `bySelf`). */
type DeviceActor = Actor | { type: 'device'; id: string };

function auditActor(actor: DeviceActor): Actor {
  return actor.type === 'device' ? systemActor : actor;
}

const activationUsed = () =>
  new AppError(
    'ACTIVATION_USED',
    'This activation code was already used to enrol a device; ask for a new one if it was not this device.',
  );

const pushContext = (deviceId: string) => `device-push:${deviceId}`;

// Runs at every push start (storage/prepared.ts).
const activeDevicesOf = prepared((db, slot: Slots<{ tenantId: string; customerId: string }>) =>
  db
    .selectFrom('devices')
    .select(['id', 'push_kind', 'push_target'])
    .where('tenant_id', '=', slot('tenantId'))
    .where('customer_id', '=', slot('customerId'))
    .where('status', '=', 'active'),
);

/** What else happens when a device enrolls: the customer's notices (features/policy/notifications.ts). */
export interface DeviceHooks {
  enrolled?(tenantId: string, customerId: string, deviceId: string, at: number): Promise<unknown>;
}

export function createDeviceService(context: ServiceContext, hooks: DeviceHooks = {}) {
  const { db, config, clock, encryptionKey, events, resolveHost } = context;
  const pushRules = pushAddressRules(config);
  const deviceKeys = deviceKeyCache(events, config.rowCacheMaxAgeMs);

  async function getRow(tx: Db, tenantId: string, id: string): Promise<DeviceRow> {
    const row = await tx
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Device');
    return row;
  }

  async function assertCustomer(tx: Db, tenantId: string, customerId: string): Promise<void> {
    const row = await tx
      .selectFrom('customers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (!row) throw notFound('Customer');
  }

  /**
   * A subscription that could never be used is refused at the door, instead of failing every
   * verification later.
   */
  function assertUsablePush(push: PushChannel | null | undefined): void {
    if (push?.kind === 'fcm' || push?.kind === 'apns') {
      const problem = push.kind === 'fcm' ? fcmTokenProblem(push.token) : apnsTokenProblem(push.token);
      if (problem) {
        throw new AppError(
          'PUSH_TOKEN_INVALID',
          `The ${push.kind === 'fcm' ? 'FCM' : 'APNs'} token is not usable: ${problem}.`,
        );
      }
      return;
    }
    const problem = push ? webPushSubscriptionProblem(push.subscription) : null;
    if (problem)
      throw new AppError('VALIDATION_FAILED', `The Web Push subscription is not usable: ${problem}.`);
    if (push) {
      const url = new URL(push.subscription.endpoint);
      if (url.username || url.password)
        throw new AppError(
          'PUSH_ENDPOINT_REFUSED',
          'The push endpoint must not contain a user name or password.',
        );
    }
  }

  /**
   * The server will POST to the endpoint a device registers, so it is held to the webhook rule
   * against server-side request forgery: its host must not be, or resolve to, this machine or a
   * private, link-local or reserved address (PUSH_ALLOW_LOOPBACK and PUSH_ALLOW_PRIVATE_NETWORKS
   * relax it for development). A name DNS does not answer for now is let through; the address is
   * checked again when the server connects (features/push/delivery.ts).
   */
  async function assertPushAddress(push: PushChannel | null | undefined): Promise<void> {
    // FCM and APNs are reached at their vendors' fixed addresses, never at one a device chose.
    if (push?.kind !== 'webpush') return;
    const verdict = await checkHost(new URL(push.subscription.endpoint).hostname, pushRules, {
      ...(resolveHost ? { resolve: resolveHost } : {}),
    });
    if (verdict === 'refused') {
      throw new AppError(
        'PUSH_ENDPOINT_REFUSED',
        'The push endpoint points to this machine or to a private or reserved network address.',
      );
    }
  }

  /** A Web Push subscription is sealed as its JSON; an app token as `{token, environment?}`. */
  function sealPush(deviceId: string, push: PushChannel | null): string | null {
    if (!push) return null;
    const plain =
      push.kind === 'webpush'
        ? push.subscription
        : push.kind === 'fcm'
          ? { token: push.token }
          : { token: push.token, ...(push.environment ? { environment: push.environment } : {}) };
    return encryptSecret(encryptionKey, JSON.stringify(plain), pushContext(deviceId));
  }

  function unsealPush(row: Pick<DeviceRow, 'id' | 'push_kind' | 'push_target'>): PushChannel | null {
    if (!row.push_target) return null;
    const plain = JSON.parse(decryptSecret(encryptionKey, row.push_target, pushContext(row.id))) as Record<
      string,
      unknown
    >;
    if (row.push_kind === 'webpush')
      return { kind: 'webpush', subscription: plain as unknown as WebPushSubscription };
    if (row.push_kind === 'fcm') return { kind: 'fcm', token: plain.token as string };
    if (row.push_kind === 'apns') {
      return {
        kind: 'apns',
        token: plain.token as string,
        ...(plain.environment ? { environment: plain.environment as ApnsEnvironment } : {}),
      };
    }
    return null;
  }

  async function revoke(tenantId: string, id: string, actor: DeviceActor) {
    const now = clock();
    // Forgotten before and after the commit (platform/row-cache.ts): from the answer on, no
    // request of this process accepts the device's proofs, and other processes learn it through
    // the hub.
    deviceKeys.forget(id);
    try {
      return await revokeInTransaction(tenantId, id, actor, now);
    } finally {
      deviceKeys.forget(id);
    }
  }

  async function revokeInTransaction(tenantId: string, id: string, actor: DeviceActor, now: number) {
    const { row, moved } = await inTransaction(db, async (tx) => {
      const current = await getRow(tx, tenantId, id);
      const moved = await compareAndSetStatus(
        tx,
        'devices',
        { tenantId, id },
        { from: ['active'], to: 'revoked', set: { revoked_at: now, push_kind: null, push_target: null } },
      );
      // Someone revoked it first (or it was never active): answer with the row as it is now, which
      // a fresh read sees once the winner has committed, and audit nothing.
      if (!moved) return { row: await getRow(tx, tenantId, id), moved };
      await removeOfflineSecret(tx, tenantId, id);
      await appendAudit(tx, {
        tenantId,
        actor: auditActor(actor),
        action: 'device.revoked',
        target: { type: 'device', id },
        data: { customerId: current.customer_id, bySelf: actor.type === 'device' },
        now,
      });
      return {
        row: { ...current, status: 'revoked' as const, revoked_at: now, push_kind: null, push_target: null },
        moved,
      };
    });
    if (moved) {
      events.publish(topics.device(id), { type: 'device-revoked', data: { deviceId: id } });
      events.publish(topics.customer(tenantId, row.customer_id), {
        type: 'device-revoked',
        data: { deviceId: id },
      });
      events.publish(topics.customerDevices(tenantId, row.customer_id), {
        type: 'device-revoked',
        data: { deviceId: id },
      });
    }
    return toDevice(row);
  }

  const service = {
    /**
     * `basis`: why an operator may be handed the code (enrollment-guard.ts), recorded in the
     * audit entry; none for a link sent to the address on file, an integration or the CLI.
     */
    async createActivation(
      tenantId: string,
      customerId: string,
      actor: Actor,
      basis?: HandOutBasis,
      /** A link sent to many customers at once (a campaign) is read days later, not during a call. */
      lifetimeMs: number = activationLifetimeMs,
    ): Promise<Activation> {
      const now = clock();
      const code = newActivationCode();
      const id = newId('activation', now);
      const expiresAt = now + lifetimeMs;
      await inTransaction(db, async (tx) => {
        await assertCustomer(tx, tenantId, customerId);
        // One live activation per customer: a code sent earlier (to an old number, to someone who
        // asked in the customer's name) must not stay usable once a new one is made. Spending its
        // attempts revokes it without marking it used, so it answers "invalid", not "already used".
        const revoked = await tx
          .updateTable('one_time_tokens')
          .set((eb) => ({ attempts: eb.ref('max_attempts') }))
          .where('tenant_id', '=', tenantId)
          .where('purpose', '=', activationPurpose)
          .where('subject_id', '=', customerId)
          .where('consumed_at', 'is', null)
          .where('expires_at', '>', now)
          .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
          .returning('id')
          .execute();
        await tx
          .insertInto('one_time_tokens')
          .values({
            id,
            tenant_id: tenantId,
            purpose: activationPurpose,
            secret_hash: keyedHash(encryptionKey, normaliseActivationCode(code)),
            subject_id: customerId,
            max_attempts: 1,
            expires_at: expiresAt,
            consumed_at: null,
            created_at: now,
          })
          .execute();
        if (revoked.length > 0) {
          await appendAudit(tx, {
            tenantId,
            actor,
            action: 'device.activations_revoked',
            target: { type: 'customer', id: customerId },
            data: { activationIds: revoked.map((r) => r.id), replacedBy: id },
            now,
          });
        }
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'device.activation_created',
          target: { type: 'customer', id: customerId },
          data: { activationId: id, expiresAt, ...(basis ? { basis } : {}) },
          now,
        });
      });
      // The code travels in the fragment, which browsers never send to a server or a proxy log.
      const link = `${new URL(config.publicUrl).origin}/app/activate#code=${code}`;
      return { id, customerId, code, link, qrPayload: link, expiresAt };
    },

    /**
     * Activations for many customers at once, as `createActivation` makes one each (a campaign's
     * batch of invitations): in one transaction, a few statements for the whole batch, each
     * customer's older live activation revoked and both steps audited per customer. A customer
     * that no longer exists gets none. Returned by customer id.
     */
    async createActivations(
      tenantId: string,
      customerIds: readonly string[],
      actor: Actor,
      lifetimeMs: number = activationLifetimeMs,
    ): Promise<Map<string, Activation>> {
      const made = new Map<string, Activation>();
      if (customerIds.length === 0) return made;
      const now = clock();
      const expiresAt = now + lifetimeMs;
      const origin = new URL(config.publicUrl).origin;
      await inTransaction(db, async (tx) => {
        const existing = await tx
          .selectFrom('customers')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', [...customerIds])
          .execute();
        if (existing.length === 0) return;
        const ids = new Set(existing.map((r) => r.id));
        const present = customerIds.filter((id) => ids.has(id));
        // One live activation per customer, as in `createActivation`. The live ones are found
        // first, by an equality on the whole (tenant, purpose, subject) index, one arm of a union
        // per customer: a list (`subject_id in (...)`) leaves PostgreSQL free to scan all of the
        // tenant's activations with the list as a filter, which it does while its statistics
        // still count few of them, at a cost that grows with every link sent. Those found (most
        // customers of a campaign have none) are revoked by id, under the same conditions.
        const live: string[] = [];
        for (let start = 0; start < present.length; start += revokeChunk) {
          const arms = present.slice(start, start + revokeChunk).map((customerId) =>
            tx
              .selectFrom('one_time_tokens')
              .select('id')
              .where('tenant_id', '=', tenantId)
              .where('purpose', '=', activationPurpose)
              .where('subject_id', '=', customerId)
              .where('consumed_at', 'is', null)
              .where('expires_at', '>', now)
              .where((eb) => eb('attempts', '<', eb.ref('max_attempts'))),
          );
          const found = await arms
            .slice(1)
            .reduce((union, arm) => union.unionAll(arm), arms[0]!)
            .execute();
          live.push(...found.map((r) => r.id));
        }
        const revoked =
          live.length === 0
            ? []
            : await tx
                .updateTable('one_time_tokens')
                .set((eb) => ({ attempts: eb.ref('max_attempts') }))
                .where('id', 'in', live)
                .where('consumed_at', 'is', null)
                .where('expires_at', '>', now)
                .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
                .returning(['id', 'subject_id'])
                .execute();
        const rows = present.map((customerId) => {
          const code = newActivationCode();
          const id = newId('activation', now);
          const link = `${origin}/app/activate#code=${code}`;
          made.set(customerId, { id, customerId, code, link, qrPayload: link, expiresAt });
          return {
            id,
            tenant_id: tenantId,
            purpose: activationPurpose,
            secret_hash: keyedHash(encryptionKey, normaliseActivationCode(code)),
            subject_id: customerId,
            max_attempts: 1,
            expires_at: expiresAt,
            consumed_at: null,
            created_at: now,
          };
        });
        await tx.insertInto('one_time_tokens').values(rows).execute();
        const records: AuditRecord[] = [];
        for (const customerId of present) {
          const older = revoked.filter((r) => r.subject_id === customerId).map((r) => r.id);
          const target = { type: 'customer', id: customerId };
          const activationId = made.get(customerId)!.id;
          if (older.length > 0) {
            records.push({
              tenantId,
              actor,
              action: 'device.activations_revoked',
              target,
              data: { activationIds: older, replacedBy: activationId },
              now,
            });
          }
          records.push({
            tenantId,
            actor,
            action: 'device.activation_created',
            target,
            data: { activationId, expiresAt },
            now,
          });
        }
        await appendAuditMany(tx, records);
      });
      return made;
    },

    /**
     * An activation handed to an operator to show (QR code) or give (code): only on a basis the
     * enrollment rule accepts (enrollment-guard.ts), which the audit entry records.
     */
    async handOutActivation(
      tenantId: string,
      customerId: string,
      actor: Actor,
      inBranchNote: string | undefined,
    ): Promise<Activation & { basis: HandOutBasis }> {
      await assertCustomer(db, tenantId, customerId);
      const basis = await handOutBasis(db, { tenantId, customerId, now: clock(), inBranchNote });
      return { ...(await service.createActivation(tenantId, customerId, actor, basis)), basis };
    },

    /**
     * Enrolls a device with an activation code. Only codes that match no activation count as
     * wrong, against the caller's address (reserved before the check, so guessing is capped even
     * in parallel; given back otherwise). The right code of an activation already used, replaced
     * or expired is not a guess: whoever presents it knows an 80-bit secret, like the loser of a
     * race with its own double tap, and it must not use up the limit of everyone behind the same
     * address. The code, the device and the audit entry commit together: a failed enrollment does
     * not burn the code.
     */
    async enroll(input: {
      activationCode: string;
      label: string;
      platform: DevicePlatform;
      push: PushChannel | null;
      publicJwk: JWK;
      thumbprint: string;
      clientAddress: string;
    }): Promise<{ device: Device; tenant: { id: string; name: string }; offlineCode: OfflineSecret }> {
      assertUsablePush(input.push);
      const now = clock();
      const limitKey = `enroll:address:${input.clientAddress}`;
      const hit = await hitRateLimit(db, limitKey, {
        limit: config.enrollFailuresPerAddress,
        windowMs: config.enrollWindowMinutes * 60_000,
        now,
      });
      if (!hit.allowed) throw tooManyAttempts('Too many wrong activation codes from this address.', hit, now);

      const secretHash = keyedHash(encryptionKey, normaliseActivationCode(input.activationCode));
      let wrongCode = false;
      let result: { row: DeviceRow; tenant: { id: string; name: string }; offlineCode: OfflineSecret };
      try {
        const known = await db
          .selectFrom('one_time_tokens')
          .select(['consumed_at', 'expires_at', 'attempts', 'max_attempts'])
          .where('purpose', '=', activationPurpose)
          .where('secret_hash', '=', secretHash)
          .executeTakeFirst();
        if (!known) {
          wrongCode = true;
          throw new AppError('ACTIVATION_INVALID', 'The activation code is wrong, used or expired.');
        }
        if (known.consumed_at !== null) throw activationUsed();
        if (known.attempts >= known.max_attempts || known.expires_at <= now) {
          throw new AppError(
            'ACTIVATION_INVALID',
            'The activation code expired or was replaced by a newer one; ask for a new one.',
          );
        }
        // Only a caller with a live code gets the server to resolve the endpoint's name.
        await assertPushAddress(input.push);
        const enrolled = await inTransaction(db, async (tx) => {
          const token = await consumeOneTimeToken(tx, { purpose: activationPurpose, secretHash, now });
          if (!token?.subject_id) return undefined;
          const taken = await tx
            .selectFrom('devices')
            .select('id')
            .where('key_thumbprint', '=', input.thumbprint)
            .executeTakeFirst();
          if (taken)
            throw new AppError('DEVICE_KEY_IN_USE', 'This device key is already enrolled; create a new key.');
          const tenant = await tx
            .selectFrom('tenants')
            .select(['id', 'name'])
            .where('id', '=', token.tenant_id)
            .executeTakeFirstOrThrow();
          await assertCustomer(tx, token.tenant_id, token.subject_id);
          const id = newId('device', now);
          const row: DeviceRow = {
            id,
            tenant_id: token.tenant_id,
            customer_id: token.subject_id,
            label: input.label,
            platform: input.platform,
            public_jwk: JSON.stringify(input.publicJwk),
            key_thumbprint: input.thumbprint,
            push_kind: input.push?.kind ?? null,
            push_target: sealPush(id, input.push),
            status: 'active',
            created_at: now,
            last_seen_at: now,
            revoked_at: null,
            webauthn_credential_id: null,
            webauthn_public_key: null,
            webauthn_counter: 0,
            webauthn_registered_at: null,
          };
          await tx.insertInto('devices').values(row).execute();
          // The offline-code secret, returned this once in the enrollment answer (app codes).
          const offlineCode = (await issueOfflineSecret(tx, encryptionKey, {
            tenantId: token.tenant_id,
            customerId: row.customer_id,
            deviceId: id,
            now,
          }))!;
          await appendAudit(tx, {
            tenantId: token.tenant_id,
            actor: systemActor,
            action: 'device.enrolled',
            target: { type: 'device', id },
            data: {
              customerId: row.customer_id,
              activationId: token.id,
              platform: row.platform,
              push: row.push_kind,
            },
            now,
          });
          return { row, tenant, offlineCode };
        });
        // Live a moment ago, spent now: another request with the same code won the race.
        if (!enrolled) throw activationUsed();
        result = enrolled;
      } finally {
        if (!wrongCode) await releaseRateLimit(db, limitKey);
      }
      const { row, tenant, offlineCode } = result;
      // Tell the customer's other devices: an enrollment they did not make is a warning sign. The
      // live channel reaches an open app; the push notice (and SMS or e-mail, if the policy asks)
      // reaches a closed one. It goes out after the answer and never fails the enrollment.
      const enrolled = {
        type: 'device-enrolled',
        data: { deviceId: row.id, label: row.label, platform: row.platform },
      };
      events.publish(topics.customer(row.tenant_id, row.customer_id), enrolled);
      // The console's customer page shows the new device the moment it enrolls.
      events.publish(topics.customerDevices(row.tenant_id, row.customer_id), enrolled);
      void hooks.enrolled?.(row.tenant_id, row.customer_id, row.id, now).catch(() => {
        // Each notice's outcome is in the audit log; a failure here must not surface as a 500.
      });
      return { device: toDevice(row), tenant, offlineCode };
    },

    async list(tenantId: string, customerId: string): Promise<Device[]> {
      await assertCustomer(db, tenantId, customerId);
      const rows = await db
        .selectFrom('devices')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toDevice);
    },

    async get(tenantId: string, id: string): Promise<Device> {
      return toDevice(await getRow(db, tenantId, id));
    },

    async update(
      tenantId: string,
      id: string,
      input: { label?: string | undefined; push?: PushChannel | null | undefined },
      actor: DeviceActor,
    ): Promise<Device> {
      assertUsablePush(input.push);
      await assertPushAddress(input.push);
      const now = clock();
      return inTransaction(db, async (tx) => {
        const current = await getRow(tx, tenantId, id);
        if (current.status !== 'active') throw new AppError('DEVICE_REVOKED', 'This device was revoked.');
        const set: Partial<DeviceRow> = {};
        if (input.label !== undefined) set.label = input.label;
        if (input.push !== undefined) {
          set.push_kind = input.push?.kind ?? null;
          set.push_target = sealPush(id, input.push);
        }
        if (Object.keys(set).length === 0) return toDevice(current);
        await tx
          .updateTable('devices')
          .set(set)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor: auditActor(actor),
          action: 'device.updated',
          target: { type: 'device', id },
          data: { fields: Object.keys(input), bySelf: actor.type === 'device' },
          now,
        });
        return toDevice({ ...current, ...set });
      });
    },

    revoke,

    /** Active devices of a customer with their push channel opened, for delivery. */
    async deliveryTargets(tenantId: string, customerId: string): Promise<DeliveryTarget[]> {
      const rows = await activeDevicesOf.all(db, { tenantId, customerId });
      return rows.map((row) => ({ deviceId: row.id, push: unsealPush(row) }));
    },

    /** One active device's push channel (for a test push); null when it has none. */
    async deliveryTarget(tenantId: string, id: string): Promise<DeliveryTarget> {
      const row = await getRow(db, tenantId, id);
      if (row.status !== 'active') throw new AppError('DEVICE_REVOKED', 'This device was revoked.');
      return { deviceId: row.id, push: unsealPush(row) };
    },

    /** The push service said the subscription is gone (RFC 8030 section 7.3): stop using it. */
    async dropPushChannel(deviceId: string): Promise<void> {
      await db
        .updateTable('devices')
        .set({ push_kind: null, push_target: null })
        .where('id', '=', deviceId)
        .execute();
    },
  };
  return service;
}

export type DeviceService = ReturnType<typeof createDeviceService>;
