// Sends a customer's activation link by SMS or e-mail, and masks the address the agent sees.
import {
  AppError,
  activationMessage,
  maskEmail,
  maskPhone,
  notFound,
  simSwapBlockedUntil,
  type TenantSettings,
  tenantMessage,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit, appendAuditMany } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { MessageProvider } from '../../providers/messages/message-provider.ts';
import { ProviderError } from '../../providers/messages/message-provider.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { CustomerRow } from '../../storage/schema.ts';
import { findCustomer, loadPolicy } from '../policy/index.ts';
import type { Activation, DeviceService } from './devices.ts';

export type ActivationChannel = 'sms' | 'email';

/** How a campaign's invitation differs from an agent's link sent during a call. */
export interface ActivationSendOptions {
  /** How long the link stays usable (default: the activation's 10 minutes). */
  lifetimeMs?: number;
  /** The link as sent, made from the activation's own (a campaign's tracked link keeps its fragment). */
  link?: (activationLink: string) => string;
  /** The campaign the link belongs to, recorded in the audit entry. */
  campaignId?: string;
}

/** One activation link sent by `sendMany`, or why it was not. */
export type ActivationSendResult =
  | {
      ok: true;
      id: string;
      channel: ActivationChannel;
      sentTo: string;
      provider: string;
      providerMessageId: string | null;
      delivered: boolean;
    }
  | { ok: false; error: unknown };

/** An address as the agent may see it: enough to confirm with the caller, not to copy. */
export function maskAddress(channel: ActivationChannel, to: string): string {
  return channel === 'sms' ? maskPhone(to) : maskEmail(to);
}

/**
 * Sends a new activation link to the customer's phone (SMS) or mailbox, so an agent can enrol
 * the customer's device during the call without reading a link out. The link carries the
 * activation code, so the message is only ever given to the configured provider; the audit entry
 * records the channel and a masked address, never the link.
 */
export function createActivationDelivery(
  context: ServiceContext,
  deps: { devices: DeviceService; providers: Partial<Record<ActivationChannel, MessageProvider>> },
) {
  const { db, clock } = context;
  return {
    async send(
      tenantId: string,
      customerId: string,
      channel: ActivationChannel,
      actor: Actor,
      options: ActivationSendOptions = {},
    ): Promise<
      Omit<Activation, 'code' | 'link' | 'qrPayload'> & {
        channel: ActivationChannel;
        sentTo: string;
        provider: string;
        providerMessageId: string | null;
        delivered: boolean;
      }
    > {
      const customer = await findCustomer(db, tenantId, customerId);
      const to = channel === 'sms' ? customer.phone : customer.email;
      const unavailable = (reason: string, message: string) =>
        new AppError('CHANNEL_UNAVAILABLE', message, { details: { reason } });
      if (!to) {
        throw channel === 'sms'
          ? unavailable('NO_PHONE_NUMBER', 'The customer has no phone number on file.')
          : unavailable('NO_EMAIL_ADDRESS', 'The customer has no e-mail address on file.');
      }
      // A number changed recently may be a swapped SIM or a number changed in the customer's name:
      // the link that enrols a device must not go there (the policy's sms.simSwapDays).
      if (channel === 'sms') {
        const { policy } = await loadPolicy(db, tenantId);
        if (simSwapBlockedUntil(customer.phone_changed_at, policy, clock()) !== null) {
          throw unavailable(
            'SIM_SWAP_WINDOW',
            `The phone number changed in the last ${policy.sms.simSwapDays} days; send the link by e-mail or enrol the device in a branch.`,
          );
        }
      }
      const provider = deps.providers[channel];
      if (!provider) {
        throw unavailable(
          'PROVIDER_NOT_CONFIGURED',
          `This server has no ${channel === 'sms' ? 'SMS' : 'e-mail'} provider configured.`,
        );
      }
      const tenant = await db
        .selectFrom('tenants')
        .select(['name', 'settings'])
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const activation = await deps.devices.createActivation(
        tenantId,
        customerId,
        actor,
        undefined,
        options.lifetimeMs,
      );
      const link = options.link ? options.link(activation.link) : activation.link;
      const message = activationMessage({
        tenantName: tenant.name,
        link,
        locale: customer.locale,
        validDays: options.lifetimeMs ? Math.round(options.lifetimeMs / 86_400_000) : undefined,
      });
      // The tenant's own words for the customer's language, where it has them (customer-messages.ts).
      const ownText = tenantMessage('activationLink', {
        locale: customer.locale,
        templates: (JSON.parse(tenant.settings) as TenantSettings).messageTemplates,
        values: { tenant: tenant.name, link },
      });
      const sentTo = maskAddress(channel, to);
      let result: Awaited<ReturnType<MessageProvider['send']>>;
      try {
        result = await provider.send({
          to,
          ...(channel === 'email' ? { subject: message.subject } : {}),
          text: ownText ?? message.text,
          reference: activation.id,
          tenantId,
        });
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        // The activation stays unused and expires in 10 minutes; the agent can try again.
        // The kind says whether trying later may help (`unreachable`, `rate_limited`).
        throw new AppError('DELIVERY_FAILED', `The ${provider.name} provider did not accept the message.`, {
          details: { reason: error.kind },
        });
      }
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor,
          action: 'device.activation_sent',
          target: { type: 'customer', id: customerId },
          data: {
            activationId: activation.id,
            channel,
            provider: provider.name,
            to: sentTo,
            ...(options.campaignId ? { campaignId: options.campaignId } : {}),
          },
          now: clock(),
        }),
      );
      return {
        id: activation.id,
        customerId,
        expiresAt: activation.expiresAt,
        channel,
        sentTo,
        provider: provider.name,
        providerMessageId: result.providerMessageId ?? null,
        delivered: result.status === 'delivered',
      };
    },

    /**
     * Sends new activation links to many customers at once, as `send` sends one each (a campaign's
     * batch of invitations), with the same checks (an address on file, no recent number change for
     * SMS, a configured provider). The customers come as the caller read them; the policy and the
     * tenant are read once, the activations made in one transaction, the messages handed to the
     * providers side by side and the sends audited in one more. Nothing is held open across a
     * send. Each item gets its result in order: sent, or the error `send` would have thrown.
     */
    async sendMany(
      tenantId: string,
      items: ReadonlyArray<{
        customer: CustomerRow;
        channel: ActivationChannel;
        link?: (activationLink: string) => string;
      }>,
      actor: Actor,
      options: Omit<ActivationSendOptions, 'link'> = {},
    ): Promise<ActivationSendResult[]> {
      const results: ActivationSendResult[] = new Array(items.length);
      if (items.length === 0) return results;
      const unavailable = (reason: string, message: string): ActivationSendResult => ({
        ok: false,
        error: new AppError('CHANNEL_UNAVAILABLE', message, { details: { reason } }),
      });
      const policy = items.some((item) => item.channel === 'sms')
        ? (await loadPolicy(db, tenantId)).policy
        : undefined;
      const now = clock();
      const ready: number[] = [];
      items.forEach((item, i) => {
        const to = item.channel === 'sms' ? item.customer.phone : item.customer.email;
        if (item.customer.tenant_id !== tenantId) {
          results[i] = { ok: false, error: notFound('Customer') };
        } else if (!to) {
          results[i] =
            item.channel === 'sms'
              ? unavailable('NO_PHONE_NUMBER', 'The customer has no phone number on file.')
              : unavailable('NO_EMAIL_ADDRESS', 'The customer has no e-mail address on file.');
        } else if (
          item.channel === 'sms' &&
          simSwapBlockedUntil(item.customer.phone_changed_at, policy!, now) !== null
        ) {
          results[i] = unavailable(
            'SIM_SWAP_WINDOW',
            `The phone number changed in the last ${policy!.sms.simSwapDays} days; send the link by e-mail or enrol the device in a branch.`,
          );
        } else if (!deps.providers[item.channel]) {
          results[i] = unavailable(
            'PROVIDER_NOT_CONFIGURED',
            `This server has no ${item.channel === 'sms' ? 'SMS' : 'e-mail'} provider configured.`,
          );
        } else {
          ready.push(i);
        }
      });
      if (ready.length === 0) return results;
      const tenant = await db
        .selectFrom('tenants')
        .select(['name', 'settings'])
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const templates = (JSON.parse(tenant.settings) as TenantSettings).messageTemplates;
      const activations = await deps.devices.createActivations(
        tenantId,
        ready.map((i) => items[i]!.customer.id),
        actor,
        options.lifetimeMs,
      );
      const sent = await Promise.all(
        ready.map(async (i): Promise<ActivationSendResult> => {
          const { customer, channel } = items[i]!;
          const activation = activations.get(customer.id);
          if (!activation) return { ok: false, error: notFound('Customer') };
          const provider = deps.providers[channel]!;
          const to = (channel === 'sms' ? customer.phone : customer.email)!;
          const link = items[i]!.link ? items[i]!.link!(activation.link) : activation.link;
          const message = activationMessage({
            tenantName: tenant.name,
            link,
            locale: customer.locale,
            validDays: options.lifetimeMs ? Math.round(options.lifetimeMs / 86_400_000) : undefined,
          });
          const ownText = tenantMessage('activationLink', {
            locale: customer.locale,
            templates,
            values: { tenant: tenant.name, link },
          });
          try {
            const result = await provider.send({
              to,
              ...(channel === 'email' ? { subject: message.subject } : {}),
              text: ownText ?? message.text,
              reference: activation.id,
              tenantId,
            });
            return {
              ok: true,
              id: activation.id,
              channel,
              sentTo: maskAddress(channel, to),
              provider: provider.name,
              providerMessageId: result.providerMessageId ?? null,
              delivered: result.status === 'delivered',
            };
          } catch (error) {
            if (!(error instanceof ProviderError)) return { ok: false, error };
            return {
              ok: false,
              error: new AppError(
                'DELIVERY_FAILED',
                `The ${provider.name} provider did not accept the message.`,
                {
                  details: { reason: error.kind },
                },
              ),
            };
          }
        }),
      );
      ready.forEach((i, k) => {
        results[i] = sent[k]!;
      });
      const auditedAt = clock();
      const records = ready.flatMap((i) => {
        const result = results[i]!;
        if (!result.ok) return [];
        return [
          {
            tenantId,
            actor,
            action: 'device.activation_sent',
            target: { type: 'customer', id: items[i]!.customer.id },
            data: {
              activationId: result.id,
              channel: result.channel,
              provider: result.provider,
              to: result.sentTo,
              ...(options.campaignId ? { campaignId: options.campaignId } : {}),
            },
            now: auditedAt,
          },
        ];
      });
      if (records.length > 0) await inTransaction(db, (tx) => appendAuditMany(tx, records));
      return results;
    },
  };
}

export type ActivationDelivery = ReturnType<typeof createActivationDelivery>;
