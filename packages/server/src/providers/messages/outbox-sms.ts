// The development outbox: messages kept in the database instead of sent.
import { newId } from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import type { MessageChannel, MessageProvider } from './message-provider.ts';

export interface OutboxConfig {
  db: Db;
  clock: () => number;
  /** `production` refuses: the outbox keeps codes readable through the API. */
  mode: 'development' | 'production' | 'test';
}

/**
 * The development provider: instead of sending, it keeps each message in the `message_outbox`
 * table, where the console's demo mode reads it back (GET /v1/dev/outbox) and integration tests
 * find the code. Refused in production. One outbox serves SMS and e-mail.
 */
function createOutboxProvider(channel: MessageChannel, config: OutboxConfig): MessageProvider {
  if (config.mode === 'production') {
    throw new Error('The outbox provider is for development only; configure a real provider in production.');
  }
  return {
    name: 'outbox',
    channel,
    async send(message) {
      const now = config.clock();
      const id = newId('messageDelivery', now);
      await config.db
        .insertInto('message_outbox')
        .values({
          id,
          tenant_id: message.tenantId,
          channel,
          recipient: message.to,
          subject: message.subject ?? null,
          body: message.text,
          created_at: now,
        })
        .execute();
      return { status: 'delivered', providerMessageId: id };
    },
  };
}

export function createOutboxSmsProvider(config: OutboxConfig): MessageProvider {
  return createOutboxProvider('sms', config);
}

export function createOutboxEmailProvider(config: OutboxConfig): MessageProvider {
  return createOutboxProvider('email', config);
}
