import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import type { AppDependencies, TypedApp } from '../http/app.ts';
import { twilioDeliveryStatus, verifyTwilioSignature } from '../providers/twilio-sms.ts';

/** Where Twilio reports what became of each SMS (the `StatusCallback` sent with it). */
export const twilioStatusPath = '/v1/providers/twilio/status';

/**
 * Delivery reports from SMS providers. Twilio posts a form (Message resource, "StatusCallback")
 * signed with `X-Twilio-Signature`; the report updates the delivery recorded when the code was
 * sent, so the agent sees "delivered" or "undelivered" rather than only "accepted". Vendor
 * callbacks keep their vendor's format, so they are left out of the OpenAPI document.
 */
export function registerProviderCallbackRoutes(app: TypedApp, { config, services }: AppDependencies): void {
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
        }
        // Answered 204 even for a message we do not know, so Twilio does not retry it.
        return reply.status(204).send();
      },
    );
  });
}
