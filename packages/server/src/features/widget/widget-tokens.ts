// Widget tokens: short-lived, for one customer and one agent, refused once their API key is
// revoked.
import { hkdfSync } from 'node:crypto';
import { AppError } from '@helpdesk-auth/core';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { inTransaction } from '../../storage/atomic.ts';

/**
 * Short-lived tokens for the embeddable verify panel (packages/widget). A helpdesk tool's
 * backend asks for one with its API key, for one customer and one agent; the panel inside the
 * agent's browser then acts with the token alone, never with the API key. A token allows only
 * what the panel does for that one customer: read it, start, follow and cancel its push
 * verifications. It is a JWT (HS256) under a key derived from the encryption key, so every
 * server process of an installation accepts it, and it stops working when its API key is revoked.
 */
export interface WidgetClaims {
  tenantId: string;
  customerId: string;
  /** The API key that asked for the token; null for an operator's practice token. */
  apiKeyId: string | null;
  /**
   * The operator a practice session's token was issued to (POST /v1/practice/sessions/{id}/widget-token);
   * such a token reaches only a practice customer (features/widget/routes.ts checks).
   */
  operatorId: string | null;
  agentName: string;
  expiresAt: number;
}

export const widgetTokenLifetime = { defaultSeconds: 900, minSeconds: 60, maxSeconds: 3600 } as const;

const tokenType = 'hda-widget+jwt';
const audience = 'helpdesk-auth:widget';

export function createWidgetTokenService({ db, config, clock, encryptionKey }: ServiceContext) {
  // A key of its own (HKDF, RFC 5869), so a widget token can never pass for anything else.
  const key = new Uint8Array(
    hkdfSync('sha256', encryptionKey, new Uint8Array(0), 'helpdesk-auth widget token v1', 32),
  );
  const issuer = config.publicUrl;

  return {
    async issue(
      input: {
        tenantId: string;
        customerId: string;
        apiKeyId?: string;
        operatorId?: string;
        agentName: string;
        ttlSeconds: number;
      },
      actor: Actor,
    ): Promise<{ token: string; expiresAt: number }> {
      const now = clock();
      const expiresAt = now + input.ttlSeconds * 1000;
      // Exactly one of the two: an integration's key, or the operator practising.
      if ((input.apiKeyId === undefined) === (input.operatorId === undefined))
        throw new Error('A widget token is issued for an API key or for an operator, not both.');
      const token = await new SignJWT({
        tid: input.tenantId,
        agt: input.agentName,
        ...(input.apiKeyId !== undefined ? { key: input.apiKeyId } : { opr: input.operatorId }),
      })
        .setProtectedHeader({ alg: 'HS256', typ: tokenType })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(input.customerId)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .sign(key);
      await inTransaction(db, async (tx) => {
        await appendAudit(tx, {
          tenantId: input.tenantId,
          actor,
          action: 'widget_session.issued',
          target: { type: 'customer', id: input.customerId },
          data: { agentName: input.agentName, expiresAt: new Date(expiresAt).toISOString() },
          now,
        });
      });
      return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
    },

    /** The token's claims, or UNAUTHENTICATED when it is malformed, forged, expired or not a widget token. */
    async verify(token: string): Promise<WidgetClaims> {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: tokenType,
          issuer,
          audience,
          currentDate: new Date(clock()),
          clockTolerance: 0,
        });
        const { tid, key: apiKeyId, opr: operatorId, agt, sub, exp } = payload;
        const keyed = typeof apiKeyId === 'string' && operatorId === undefined;
        const practising = typeof operatorId === 'string' && apiKeyId === undefined;
        if (
          typeof tid !== 'string' ||
          !(keyed || practising) ||
          typeof agt !== 'string' ||
          typeof sub !== 'string' ||
          typeof exp !== 'number'
        ) {
          throw new AppError('UNAUTHENTICATED', 'The widget token is not valid.');
        }
        return {
          tenantId: tid,
          customerId: sub,
          apiKeyId: keyed ? (apiKeyId as string) : null,
          operatorId: practising ? (operatorId as string) : null,
          agentName: agt,
          expiresAt: exp * 1000,
        };
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JOSEError || error instanceof TypeError) {
          throw new AppError('UNAUTHENTICATED', 'The widget token is missing, invalid or expired.');
        }
        throw error;
      }
    },
  };
}

export type WidgetTokenService = ReturnType<typeof createWidgetTokenService>;
