// The practice outbox: codes and links for the practice space's made-up customers are kept here,
// never handed to an SMS or e-mail provider, whichever provider the configuration names.
import { newId } from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import type { MessageChannel, MessageProvider } from './message-provider.ts';

/**
 * Practice customers get addresses that reach nobody: UK numbers from Ofcom's range for drama
 * (+44 7700 900000 to 900999, never allocated to a subscriber) and e-mail addresses under the
 * `.invalid` top-level domain (RFC 2606), which never resolves.
 */
export const practicePhonePrefix = '+447700900';
export const practiceEmailDomain = 'practice.invalid';

export function isPracticeAddress(to: string): boolean {
  return (
    (to.startsWith(practicePhonePrefix) && to.length === practicePhonePrefix.length + 3) ||
    to.toLowerCase().endsWith(`@${practiceEmailDomain}`)
  );
}

/**
 * Wraps each provider so that a message to a practice address goes into `practice_messages`
 * and the provider is never called: the rule sits at the last step before a message leaves, so
 * no feature that sends (codes, links, notices, activation links) can get around it.
 */
export function guardPracticeAddresses(
  providers: Partial<Record<MessageChannel, MessageProvider>>,
  { db, clock }: { db: Db; clock: () => number },
): Partial<Record<MessageChannel, MessageProvider>> {
  const guarded: Partial<Record<MessageChannel, MessageProvider>> = {};
  for (const [channel, provider] of Object.entries(providers) as [MessageChannel, MessageProvider][]) {
    guarded[channel] = {
      name: provider.name,
      channel: provider.channel,
      async send(message) {
        if (!isPracticeAddress(message.to)) return provider.send(message);
        const now = clock();
        const id = newId('messageDelivery', now);
        await db
          .insertInto('practice_messages')
          .values({
            id,
            tenant_id: message.tenantId,
            channel,
            recipient: message.to,
            body: message.text,
            created_at: now,
          })
          .execute();
        return { status: 'delivered', providerMessageId: id };
      },
    };
  }
  return guarded;
}
