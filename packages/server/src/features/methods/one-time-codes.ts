// One-time codes by SMS or e-mail: sending, resending limits, checking, one live code per channel.
import {
  AppError,
  codeSubject,
  customerMessage,
  generateVerificationCode,
  maskEmail,
  maskPhone,
  newId,
  notFound,
  type OtpDeliveryMode,
  otpCodeLength,
  type TenantSettings,
  type VerificationMethod,
} from '@helpdesk-auth/core';
import type { Selectable } from 'kysely';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { recordVerification } from '../../platform/metrics.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { constantTimeEqual, keyedHash, randomToken, sha256Hex } from '../../platform/secrets.ts';
import { type MessageProvider, ProviderError } from '../../providers/messages/message-provider.ts';
import {
  compareAndSet,
  hitRateLimit,
  inTransaction,
  inTransactionRetryingUnique,
} from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import type { OtpChallengesTable } from '../../storage/schema.ts';
import type { CustomerMethodService, CustomerNotifier } from '../policy/index.ts';
import { findCustomer, reserveAttempt } from '../policy/index.ts';
import { type OutcomeStatus, recordMethodOutcome, verificationIdOfChallenge } from './outcomes.ts';

export type OtpChannel = 'sms' | 'email';
type ChallengeRow = Selectable<OtpChallengesTable>;

export interface OtpDelivery {
  id: string;
  provider: string;
  status: string;
  detail: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface OtpChallenge {
  id: string;
  customerId: string;
  channel: OtpChannel;
  method: VerificationMethod;
  action: string;
  delivery: OtpDeliveryMode;
  status: ChallengeRow['status'];
  /** Where the code went, masked: `+49 ••• •• 34`, `a•••@example.com`. */
  destination: string;
  attemptsLeft: number;
  maxAttempts: number;
  resendsLeft: number;
  /** The verification this code ended as (history, `GET /v1/verifications/{id}`); null while pending. */
  verificationId: string | null;
  /** When a resend is allowed again (null: no resends left or not pending). */
  resendAvailableAt: number | null;
  /** The assurance a success gives (the policy's rating of the method when the challenge started). */
  assurance: string;
  expiresAt: number;
  createdAt: number;
  finishedAt: number | null;
  deliveries: OtpDelivery[];
}

const codePattern = new RegExp(`^[0-9]{${otpCodeLength}}$`);

const methodOf: Record<OtpChannel, 'sms_otp' | 'email_otp'> = { sms: 'sms_otp', email: 'email_otp' };

/** Starts per customer and channel per hour: a new challenge must not become a way around the resend limit. */
export const otpStartsPerHour = 5;

/** The index that holds one pending challenge per customer and channel (migration 0011). */
const onePendingPerChannel = {
  index: 'otp_challenges_pending',
  table: 'otp_challenges',
  columns: ['tenant_id', 'customer_id', 'channel'],
} as const;

/** The code's hash is bound to the challenge, so equal codes of two challenges hash differently. */
function codeHash(key: Buffer, challengeId: string, code: string): string {
  return keyedHash(key, `otp:${challengeId}:${code}`);
}

/**
 * SMS and e-mail one-time codes (DESIGN section 5): six digits from the CSPRNG, stored only as a
 * keyed hash, valid for the policy's time (at most 10 minutes), single use, a few tries each;
 * a resend sends a new code but keeps the count of wrong tries; every wrong try also counts
 * toward the customer's hourly failure limit across methods.
 */
export function createOneTimeCodeService(
  context: ServiceContext,
  deps: {
    methods: CustomerMethodService;
    providers: Partial<Record<OtpChannel, MessageProvider>>;
    notifier?: CustomerNotifier;
  },
) {
  const { db, clock, encryptionKey, config } = context;

  async function deliveries(challengeId: string): Promise<OtpDelivery[]> {
    const rows = await db
      .selectFrom('message_deliveries')
      .selectAll()
      .where('challenge_id', '=', challengeId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      provider: r.provider,
      status: r.status,
      detail: r.detail,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async function view(row: ChallengeRow, destination: string): Promise<OtpChallenge> {
    const now = clock();
    const pending = row.status === 'pending' && now < row.expires_at;
    const resendsLeft = Math.max(0, row.max_resends - row.resends);
    return {
      id: row.id,
      customerId: row.customer_id,
      channel: row.channel,
      method: methodOf[row.channel],
      action: row.action,
      delivery: row.delivery as OtpDeliveryMode,
      status: row.status === 'pending' && now >= row.expires_at ? 'expired' : row.status,
      destination,
      attemptsLeft: Math.max(0, row.max_attempts - row.attempts),
      maxAttempts: row.max_attempts,
      resendsLeft,
      verificationId: row.status === 'pending' ? null : verificationIdOfChallenge(row.id),
      resendAvailableAt: pending && resendsLeft > 0 ? row.last_sent_at + row.resend_cooldown_ms : null,
      assurance: row.assurance,
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      deliveries: await deliveries(row.id),
    };
  }

  async function destinationOf(row: ChallengeRow): Promise<{ to: string; masked: string }> {
    const customer = await findCustomer(db, row.tenant_id, row.customer_id);
    const to = row.channel === 'sms' ? customer.phone : customer.email;
    if (!to) return { to: '', masked: '' };
    return { to, masked: row.channel === 'sms' ? maskPhone(to) : maskEmail(to) };
  }

  async function load(tenantId: string, id: string): Promise<ChallengeRow> {
    const row = await db
      .selectFrom('otp_challenges')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('One-time code');
    return row;
  }

  /** Sends one message with the code and records the delivery; a provider failure is recorded, then thrown. */
  async function send(row: ChallengeRow, code: string, linkToken: string | null, to: string): Promise<void> {
    const provider = deps.providers[row.channel]!;
    const tenant = await db
      .selectFrom('tenants')
      .select(['name', 'settings'])
      .where('id', '=', row.tenant_id)
      .executeTakeFirstOrThrow();
    const customer = await findCustomer(db, row.tenant_id, row.customer_id);
    const now = clock();
    const deliveryId = newId('messageDelivery', now);
    await db
      .insertInto('message_deliveries')
      .values({
        id: deliveryId,
        tenant_id: row.tenant_id,
        challenge_id: row.id,
        channel: row.channel,
        provider: provider.name,
        provider_message_id: null,
        status: 'queued',
        detail: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const link = linkToken ? `${config.publicUrl.replace(/\/$/, '')}/verify-code#${linkToken}` : null;
    // In the customer's language, in the tenant's words where it has its own (docs/fallbacks.md).
    const text = customerMessage(row.delivery === 'customer_link' && link ? 'codeLink' : 'code', {
      locale: customer.locale,
      templates: (JSON.parse(tenant.settings) as TenantSettings).messageTemplates,
      values: {
        tenant: tenant.name,
        code,
        minutes: String(Math.round(row.ttl_ms / 60_000)),
        ...(link ? { link } : {}),
      },
    });
    try {
      const result = await provider.send({
        to,
        text,
        subject: codeSubject(tenant.name, customer.locale),
        reference: deliveryId,
        tenantId: row.tenant_id,
      });
      await db
        .updateTable('message_deliveries')
        .set({ status: result.status, provider_message_id: result.providerMessageId, updated_at: clock() })
        .where('id', '=', deliveryId)
        .execute();
    } catch (error) {
      const detail = error instanceof ProviderError ? `${error.kind}: ${error.message}` : 'failed';
      await db
        .updateTable('message_deliveries')
        .set({ status: 'failed', detail: detail.slice(0, 200), updated_at: clock() })
        .where('id', '=', deliveryId)
        .execute();
      throw new AppError(
        'DELIVERY_FAILED',
        error instanceof ProviderError
          ? `The ${row.channel === 'sms' ? 'SMS' : 'e-mail'} could not be sent (${error.kind}); try another method.`
          : 'The message could not be sent; try another method.',
        { cause: error },
      );
    }
  }

  async function finish(
    row: ChallengeRow,
    status: 'verified' | 'failed' | 'cancelled' | 'expired',
    actor: Actor,
    extra: Record<string, unknown>,
  ): Promise<boolean> {
    const now = clock();
    let practice = false;
    const finished = await inTransaction(db, async (tx) => {
      const moved = await compareAndSet(tx, 'otp_challenges', {
        where: { id: row.id, tenant_id: row.tenant_id },
        expect: { status: 'pending' },
        set: { status, finished_at: now },
      });
      if (!moved) return false;
      ({ practice } = await appendAudit(tx, {
        tenantId: row.tenant_id,
        actor,
        action: `otp.${status}`,
        target: { type: 'customer', id: row.customer_id },
        data: { challenge: row.id, channel: row.channel, action: row.action, ...extra },
        now,
      }));
      await recordOutcome(tx, row, status === 'verified' ? 'approved' : status, row.attempts, actor, now);
      return true;
    });
    if (finished) recordVerification(`otp_${row.channel}`, status, { practice });
    return finished;
  }

  /** The challenge's end as a verification, in the transaction that ended it (outcomes.ts). */
  function recordOutcome(
    tx: Db,
    row: ChallengeRow,
    status: OutcomeStatus,
    failedAttempts: number,
    actor: Actor,
    now: number,
  ): Promise<string> {
    return recordMethodOutcome(tx, {
      id: verificationIdOfChallenge(row.id),
      tenantId: row.tenant_id,
      customerId: row.customer_id,
      method: methodOf[row.channel],
      action: row.action,
      status,
      assurance: row.assurance,
      actor,
      startedAt: row.created_at,
      expiresAt: row.expires_at,
      now,
      failedAttempts,
      maxAttempts: row.max_attempts,
      codeLength: otpCodeLength,
      sentThrough: row.channel,
    });
  }

  function assertPending(row: ChallengeRow, now: number): void {
    if (row.status === 'expired' || (row.status === 'pending' && now >= row.expires_at)) {
      throw new AppError('VERIFICATION_EXPIRED', 'The code has expired; send a new one.');
    }
    if (row.status !== 'pending') {
      throw new AppError('VERIFICATION_NOT_PENDING', `The code is already ${row.status}.`);
    }
  }

  /** Checks a code against a challenge; shared by the agent's route and the customer's link. */
  async function check(row: ChallengeRow, code: string, actor: Actor): Promise<OtpChallenge> {
    if (!codePattern.test(code)) throw new AppError('VALIDATION_FAILED', 'A code is six digits.');
    const now = clock();
    if (row.status === 'pending' && now >= row.expires_at) await finish(row, 'expired', actor, {});
    assertPending(row, now);
    const { policy } = await deps.methods.assertAvailable(
      row.tenant_id,
      row.customer_id,
      row.action,
      methodOf[row.channel],
    );
    const reservation = await reserveAttempt(db, {
      tenantId: row.tenant_id,
      customerId: row.customer_id,
      method: methodOf[row.channel],
      now,
      limit: policy.failuresPerHour,
    });
    const { masked } = await destinationOf(row);
    if (constantTimeEqual(codeHash(encryptionKey, row.id, code), row.code_hash)) {
      // Single use: only the one request that moves it from pending succeeds.
      if (!(await finish(row, 'verified', actor, { assurance: row.assurance }))) {
        await reservation.succeeded();
        throw new AppError('VERIFICATION_NOT_PENDING', 'The code was used or cancelled meanwhile.');
      }
      await reservation.succeeded();
      // Best effort: a notification that cannot be sent never undoes the verification.
      await deps.notifier?.notify(row.tenant_id, row.customer_id, 'verified', now).catch(() => undefined);
      return view(await load(row.tenant_id, row.id), masked);
    }
    // Wrong: spend one try, guarded on the count read so parallel guesses cannot share one.
    const attempts = row.attempts + 1;
    const failed = attempts >= row.max_attempts;
    let practice = false;
    const spent = await inTransaction(db, async (tx) => {
      const moved = await compareAndSet(tx, 'otp_challenges', {
        where: { id: row.id, tenant_id: row.tenant_id },
        expect: { status: 'pending', attempts: row.attempts },
        set: { attempts, ...(failed ? { status: 'failed', finished_at: now } : {}) },
      });
      if (!moved) return false;
      ({ practice } = await appendAudit(tx, {
        tenantId: row.tenant_id,
        actor,
        action: failed ? 'otp.failed' : 'otp.wrong_code',
        target: { type: 'customer', id: row.customer_id },
        data: {
          challenge: row.id,
          channel: row.channel,
          action: row.action,
          attemptsLeft: row.max_attempts - attempts,
        },
        now,
      }));
      if (failed) await recordOutcome(tx, row, 'failed', attempts, actor, now);
      return true;
    });
    if (spent && failed) recordVerification(`otp_${row.channel}`, 'failed', { practice });
    if (!spent) {
      // Another try changed the challenge first: read it again and check once more from there.
      await reservation.succeeded();
      return check(await load(row.tenant_id, row.id), code, actor);
    }
    throw new AppError(
      'WRONG_CODE',
      failed ? 'Wrong code; no tries left. Send a new code or use another method.' : 'Wrong code.',
      { details: { attemptsLeft: row.max_attempts - attempts } },
    );
  }

  return {
    async start(
      tenantId: string,
      input: { customerId: string; channel: OtpChannel; action: string },
      actor: Actor,
    ): Promise<OtpChallenge> {
      const method = methodOf[input.channel];
      const { policy } = await deps.methods.assertAvailable(tenantId, input.customerId, input.action, method);
      const settings = input.channel === 'sms' ? policy.sms : policy.email;
      const customer = await findCustomer(db, tenantId, input.customerId);
      const to = input.channel === 'sms' ? customer.phone : customer.email;
      if (!to || !deps.providers[input.channel]) {
        throw new AppError('METHOD_UNAVAILABLE', 'No destination or provider.', {
          details: {
            reason: to
              ? 'PROVIDER_NOT_CONFIGURED'
              : input.channel === 'sms'
                ? 'NO_PHONE_NUMBER'
                : 'NO_EMAIL_ADDRESS',
          },
        });
      }
      const now = clock();
      const hit = await hitRateLimit(db, `otp-start:${tenantId}:${input.customerId}:${input.channel}`, {
        limit: otpStartsPerHour,
        windowMs: 3_600_000,
        now,
      });
      if (!hit.allowed) {
        throw tooManyAttempts(`At most ${otpStartsPerHour} new codes per customer per hour.`, hit, now);
      }
      const id = newId('otpChallenge', now);
      const code = generateVerificationCode(otpCodeLength);
      const linkToken = settings.delivery === 'customer_link' ? randomToken(32) : null;
      const assurance = policy.methods.find((m) => m.method === method)!.assurance;
      const row: ChallengeRow = {
        id,
        tenant_id: tenantId,
        customer_id: input.customerId,
        channel: input.channel,
        action: input.action,
        delivery: settings.delivery,
        status: 'pending',
        code_hash: codeHash(encryptionKey, id, code),
        link_hash: linkToken ? sha256Hex(linkToken) : null,
        attempts: 0,
        max_attempts: settings.maxAttempts,
        resends: 0,
        max_resends: settings.maxResends,
        resend_cooldown_ms: settings.resendCooldownSeconds * 1000,
        ttl_ms: settings.codeTtlSeconds * 1000,
        assurance,
        last_sent_at: now,
        expires_at: now + settings.codeTtlSeconds * 1000,
        created_at: now,
        finished_at: null,
        started_by_type: actor.type,
        started_by_id: actor.id,
      };
      // One live code per customer and channel: starting anew cancels the previous one. The
      // unique index otp_challenges_pending (migration 0011) holds it; a start that loses the race
      // to another runs again and cancels that one's code.
      await inTransactionRetryingUnique(db, onePendingPerChannel, async (tx) => {
        await tx
          .updateTable('otp_challenges')
          .set({ status: 'cancelled', finished_at: now })
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', input.customerId)
          .where('channel', '=', input.channel)
          .where('status', '=', 'pending')
          .execute();
        await tx.insertInto('otp_challenges').values(row).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'otp.started',
          target: { type: 'customer', id: input.customerId },
          data: { challenge: id, channel: input.channel, action: input.action, delivery: settings.delivery },
          now,
        });
      });
      try {
        await send(row, code, linkToken, to);
      } catch (error) {
        await finish(row, 'cancelled', actor, { reason: 'delivery_failed' });
        throw error;
      }
      return view(await load(tenantId, id), input.channel === 'sms' ? maskPhone(to) : maskEmail(to));
    },

    async get(tenantId: string, id: string): Promise<OtpChallenge> {
      const row = await load(tenantId, id);
      return view(row, (await destinationOf(row)).masked);
    },

    verify: async (tenantId: string, id: string, code: string, actor: Actor) =>
      check(await load(tenantId, id), code, actor),

    /**
     * Sends a new code for the same challenge. The old code stops working, the new one gets the
     * full lifetime, and the wrong tries so far stay counted: a resend never buys more guesses.
     */
    async resend(tenantId: string, id: string, actor: Actor): Promise<OtpChallenge> {
      const row = await load(tenantId, id);
      const now = clock();
      assertPending(row, now);
      await deps.methods.assertAvailable(tenantId, row.customer_id, row.action, methodOf[row.channel]);
      if (row.resends >= row.max_resends) {
        throw new AppError('RESEND_LIMITED', 'No resends left for this code; use another method.', {
          retryAfterSeconds: Math.max(1, Math.ceil((row.expires_at - now) / 1000)),
        });
      }
      const allowedAt = row.last_sent_at + row.resend_cooldown_ms;
      if (now < allowedAt) {
        throw new AppError(
          'RESEND_LIMITED',
          'The last code was sent moments ago; wait before sending another.',
          {
            retryAfterSeconds: Math.max(1, Math.ceil((allowedAt - now) / 1000)),
          },
        );
      }
      const code = generateVerificationCode(otpCodeLength);
      const linkToken = row.delivery === 'customer_link' ? randomToken(32) : null;
      const next = {
        code_hash: codeHash(encryptionKey, row.id, code),
        link_hash: linkToken ? sha256Hex(linkToken) : null,
        resends: row.resends + 1,
        last_sent_at: now,
        expires_at: now + row.ttl_ms,
      };
      const updated = await inTransaction(db, async (tx) => {
        const moved = await compareAndSet(tx, 'otp_challenges', {
          where: { id: row.id, tenant_id: row.tenant_id },
          expect: { status: 'pending', resends: row.resends },
          set: next,
        });
        if (!moved) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'otp.resent',
          target: { type: 'customer', id: row.customer_id },
          data: { challenge: row.id, channel: row.channel, resends: next.resends },
          now,
        });
        return true;
      });
      if (!updated) throw new AppError('CONFLICT', 'The code changed meanwhile; reload and try again.');
      const { to, masked } = await destinationOf(row);
      await send({ ...row, ...next }, code, linkToken, to);
      return view(await load(tenantId, id), masked);
    },

    async cancel(tenantId: string, id: string, actor: Actor): Promise<OtpChallenge> {
      const row = await load(tenantId, id);
      assertPending(row, clock());
      if (!(await finish(row, 'cancelled', actor, {}))) {
        throw new AppError('VERIFICATION_NOT_PENDING', 'The code is no longer pending.');
      }
      return view(await load(tenantId, id), (await destinationOf(row)).masked);
    },

    /** The customer's side of delivery `customer_link`: the token from the link, and the code. */
    async verifyByLink(token: string, code: string): Promise<{ status: string; tenantName: string }> {
      const row = await findByLink(db, token);
      const result = await check(row, code, { type: 'system', id: null });
      const tenant = await db
        .selectFrom('tenants')
        .select('name')
        .where('id', '=', row.tenant_id)
        .executeTakeFirstOrThrow();
      return { status: result.status, tenantName: tenant.name };
    },

    async lookupLink(token: string): Promise<{ status: string; tenantName: string; expiresAt: number }> {
      const row = await findByLink(db, token);
      const tenant = await db
        .selectFrom('tenants')
        .select('name')
        .where('id', '=', row.tenant_id)
        .executeTakeFirstOrThrow();
      const now = clock();
      const status = row.status === 'pending' && now >= row.expires_at ? 'expired' : row.status;
      return { status, tenantName: tenant.name, expiresAt: row.expires_at };
    },

    /** A provider's status report (delivered, failed, ...) for a message it sent. */
    async recordDeliveryStatus(
      provider: string,
      providerMessageId: string,
      status: 'queued' | 'sent' | 'delivered' | 'failed' | 'undelivered',
      detail: string | null,
    ): Promise<boolean> {
      const result = await db
        .updateTable('message_deliveries')
        .set({ status, detail: detail?.slice(0, 200) ?? null, updated_at: clock() })
        .where('provider', '=', provider)
        .where('provider_message_id', '=', providerMessageId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Development outbox (demo mode): the messages the outbox provider kept, newest first. */
    async outbox(tenantId: string, limit: number) {
      const rows = await db
        .selectFrom('message_outbox')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        channel: r.channel,
        recipient: r.recipient,
        subject: r.subject,
        body: r.body,
        createdAt: r.created_at,
      }));
    },
  };
}

async function findByLink(db: Db, token: string): Promise<ChallengeRow> {
  const row = await db
    .selectFrom('otp_challenges')
    .selectAll()
    .where('link_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  // The token is the customer's only credential: an unknown one is refused like a missing one.
  if (!row) throw new AppError('UNAUTHENTICATED', 'This link is not valid.');
  return row;
}

export type OneTimeCodeService = ReturnType<typeof createOneTimeCodeService>;
