// What a customer's device sees: the notice signed for that device, and the signed answer to
// "is anyone from the bank calling me?" (docs/device-protocol.md, "Call notices").
import { callStatusLifetimeSeconds, jwsTypes, notFound } from '@helpdesk-auth/core';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import { signJwt } from '../../platform/signing/signatures.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { CallNoticeRow } from '../../storage/schema.ts';
import type { AuthenticatedDevice } from '../devices/index.ts';
import type { CallRecord } from './model.ts';

export interface SignedCallNotice {
  id: string;
  /** Compact JWS, typ hda-call-notice+jwt, signed by the server's request-signing key. */
  jws: string;
}

export interface CallStatusAnswer {
  notice: SignedCallNotice | null;
  checkedAt: number;
  /** Compact JWS, typ hda-call-status+jwt: the same answer, signed for this device at checkedAt. */
  statement: string;
}

export function createDeviceView(record: CallRecord) {
  const { db, clock, deps, issuer, statusOf, codeOf, announce } = record;

  async function tenantName(tenantId: string): Promise<string> {
    const tenant = await db
      .selectFrom('tenants')
      .select('name')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    if (!tenant) throw notFound('Tenant');
    return tenant.name;
  }

  async function sign(typ: string, claims: Record<string, unknown>): Promise<string> {
    const key = await deps.serverKeys.signingKey();
    return signJwt({
      header: { alg: 'ES256', typ, kid: key.kid },
      claims,
      key: { kid: key.kid, privateKey: key.privateKeyObject },
    });
  }

  /**
   * The notice signed for one device (`aud`), so a copy shown on another device, or replayed to
   * it, is refused. The code is signed in only while the notice is active.
   */
  async function signNotice(
    row: CallNoticeRow,
    device: AuthenticatedDevice,
    now: number,
  ): Promise<SignedCallNotice> {
    const status = statusOf(row);
    const code = status === 'active' ? codeOf(row) : null;
    const jws = await sign(jwsTypes.callNotice, {
      iss: issuer,
      aud: device.id,
      sub: row.customer_id,
      jti: row.id,
      iat: Math.floor(now / 1000),
      exp: Math.ceil(Number(row.expires_at) / 1000),
      status,
      tenant: { id: row.tenant_id, name: await tenantName(row.tenant_id) },
      agent: { displayName: row.agent_name },
      team: row.team,
      reason: row.reason,
      fromNumber: row.from_number,
      mutualCode: row.mutual_code,
      ...(code === null ? {} : { code }),
    });
    return { id: row.id, jws };
  }

  /** Records the first time a device showed the notice; the agent sees it live. */
  async function markViewed(row: CallNoticeRow, device: AuthenticatedDevice, now: number): Promise<void> {
    if (row.viewed_at !== null || statusOf(row) !== 'active') return;
    const first = await inTransaction(db, async (tx) => {
      const result = await tx
        .updateTable('call_notices')
        .set({ viewed_at: now })
        .where('tenant_id', '=', row.tenant_id)
        .where('id', '=', row.id)
        .where('viewed_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await appendAudit(tx, {
        tenantId: row.tenant_id,
        actor: systemActor,
        action: 'call.viewed',
        target: { type: 'call_notice', id: row.id },
        data: { customerId: row.customer_id, deviceId: device.id },
        now,
      });
      return true;
    });
    if (first) announce(row, 'call.viewed', { deviceId: device.id, at: new Date(now).toISOString() });
  }

  async function ownRow(device: AuthenticatedDevice, id: string): Promise<CallNoticeRow> {
    const row = await db
      .selectFrom('call_notices')
      .selectAll()
      .where('tenant_id', '=', device.tenantId)
      .where('customer_id', '=', device.customerId)
      .where('id', '=', id)
      .executeTakeFirst();
    // Another customer's notice is as unknown as one that never existed.
    if (!row) throw notFound('Call notice');
    return row;
  }

  return {
    ownRow,
    /** One notice of the device's customer, signed for the device; opening it counts as viewed. */
    async open(device: AuthenticatedDevice, id: string): Promise<SignedCallNotice> {
      const now = clock();
      const row = await ownRow(device, id);
      const signed = await signNotice(row, device, now);
      await markViewed(row, device, now);
      return signed;
    },

    /**
     * "Is anyone from the bank calling me?": the active notice, or none, with a statement signed
     * for this device now (and the device's nonce, when it sent one) so the app can show a
     * verified answer either way.
     */
    async current(device: AuthenticatedDevice, nonce: string | undefined): Promise<CallStatusAnswer> {
      const now = clock();
      const active = await db
        .selectFrom('call_notices')
        .selectAll()
        .where('tenant_id', '=', device.tenantId)
        .where('customer_id', '=', device.customerId)
        .where('status', '=', 'active')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      const notice = active ? await signNotice(active, device, now) : null;
      const iat = Math.floor(now / 1000);
      const statement = await sign(jwsTypes.callStatus, {
        iss: issuer,
        aud: device.id,
        sub: device.customerId,
        iat,
        exp: iat + callStatusLifetimeSeconds,
        active: active !== undefined,
        noticeId: active?.id ?? null,
        ...(nonce === undefined ? {} : { nonce }),
      });
      if (active) await markViewed(active, device, now);
      return { notice, checkedAt: now, statement };
    },
  };
}
