// The routes where SMS vendors report what became of each message.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { constantTimeEqual } from '../../platform/secrets.ts';
import { vonageReceiptToken } from '../../providers/messages/registry.ts';
import { twilioDeliveryStatus, verifyTwilioSignature } from '../../providers/messages/twilio-sms.ts';

/** Where Twilio reports what became of each SMS (the `StatusCallback` sent with it). */
export const twilioStatusPath = '/v1/providers/twilio/status';
/** Where Vonage sends delivery receipts (the `callback` sent with each SMS), followed by a secret. */
export const vonageReceiptPath = '/v1/providers/vonage/receipts';

/**
 * Delivery reports from SMS providers. Twilio posts a form (Message resource, "StatusCallback")
 * signed with `X-Twilio-Signature`; the report updates the delivery recorded when the code was
 * sent, so the agent sees "delivered" or "undelivered" rather than only "accepted". Vendor
 * callbacks keep their vendor's format, so they are left out of the OpenAPI document.
 */
export function registerProviderCallbackRoutes(app: TypedApp, deps: AppDependencies): void {
  registerTwilioStatus(app, deps);
  registerVonageReceipts(app, deps);
}

/** Vonage's delivery receipt `status` values (SMS API, "Delivery receipts") onto ours. */
function vonageDeliveryStatus(status: string): 'sent' | 'delivered' | 'failed' | 'undelivered' | undefined {
  switch (status) {
    case 'accepted':
    case 'buffered':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'expired':
      return 'undelivered';
    case 'failed':
    case 'rejected':
      return 'failed';
    default:
      return undefined;
  }
}

/**
 * Vonage delivery receipts: sent to the `callback` URL of each message, as a GET with query
 * parameters or a POST (JSON or form), depending on the account's settings. Vonage does not sign
 * them by default, so the URL carries a secret only this server can make (vonageReceiptToken);
 * a wrong one is answered as an unknown route.
 */
function registerVonageReceipts(app: TypedApp, { config, services }: AppDependencies): void {
  if (!config.vonageApiKey) return;
  const expected = vonageReceiptToken(services.context.encryptionKey, config.vonageApiKey);
  const apiKey = config.vonageApiKey;

  const handle = async (token: string, params: Record<string, unknown>) => {
    if (!constantTimeEqual(token, expected)) {
      throw new AppError('ROUTE_NOT_FOUND', 'No such route.');
    }
    // A receipt names the account it belongs to; one for another account is not ours to record.
    if (params['api-key'] !== undefined && params['api-key'] !== apiKey) {
      throw new AppError('FORBIDDEN', 'The receipt is for another Vonage account.');
    }
    const messageId = typeof params.messageId === 'string' ? params.messageId : undefined;
    const status = vonageDeliveryStatus(String(params.status ?? ''));
    if (messageId && status) {
      const code = String(params['err-code'] ?? '0');
      await services.fallbacks.oneTimeCodes.recordDeliveryStatus(
        'vonage',
        messageId,
        status,
        code !== '0' ? `Vonage error ${code}` : null,
      );
      // The same report may be for a campaign's message.
      await services.campaigns.recordDeliveryStatus('vonage', messageId, status);
    }
  };

  void app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    const params = Type.Object({ token: Type.String({ pattern: '^[0-9a-f]{64}$' }) });
    const fields = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 64 });
    scope.get(
      `${vonageReceiptPath}/:token`,
      { config: { auth: 'public', secretPath: true }, schema: { hide: true, params, querystring: fields } },
      async (request, reply) => {
        await handle(request.params.token, request.query as Record<string, unknown>);
        return reply.status(204).send();
      },
    );
    scope.post(
      `${vonageReceiptPath}/:token`,
      { config: { auth: 'public', secretPath: true }, schema: { hide: true, params, body: fields } },
      async (request, reply) => {
        await handle(request.params.token, request.body as Record<string, unknown>);
        return reply.status(204).send();
      },
    );
  });
}

function registerTwilioStatus(app: TypedApp, { config, services }: AppDependencies): void {
  const authToken = config.twilioAuthToken;
  if (!authToken) return;
  // The URL Twilio called, as it signed it: the public address, not the one behind a proxy.
  const signedUrl = `${config.publicUrl.replace(/\/$/, '')}${twilioStatusPath}`;

  void app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    scope.post(
      twilioStatusPath,
      {
        config: { auth: 'public' },
        schema: {
          hide: true,
          body: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 2048 }), {
            maxProperties: 64,
          }),
        },
      },
      async (request, reply) => {
        const params = request.body as Record<string, string>;
        const signature = request.headers['x-twilio-signature'];
        if (
          typeof signature !== 'string' ||
          !verifyTwilioSignature(authToken, signedUrl, params, signature)
        ) {
          throw new AppError('FORBIDDEN', 'The status report is not signed by this Twilio account.');
        }
        const status = twilioDeliveryStatus(params.MessageStatus ?? '');
        if (params.MessageSid && status) {
          const detail = params.ErrorCode ? `Twilio error ${params.ErrorCode}` : null;
          await services.fallbacks.oneTimeCodes.recordDeliveryStatus(
            'twilio',
            params.MessageSid,
            status,
            detail,
          );
          await services.campaigns.recordDeliveryStatus('twilio', params.MessageSid, status);
        }
        // Answered 204 even for a message we do not know, so Twilio does not retry it.
        return reply.status(204).send();
      },
    );
  });
}
