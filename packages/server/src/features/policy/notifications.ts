// Customer notices: the SMS, e-mail or push a customer gets after a verification or a fraud report.
import {
  type CustomerNotificationEvent,
  customerNotificationSubject,
  customerNotificationText,
  newId,
  notificationTime,
  type TenantSettings,
  tenantMessage,
} from '@helpdesk-auth/core';
import { appendAudit, systemActor } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { type MessageProvider, ProviderError } from '../../providers/messages/message-provider.ts';
import type { PushMessage, PushResult } from '../../providers/push/push-provider.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { DeliveryTarget, PushChannel } from '../devices/index.ts';
import type { OtpChannel } from '../methods/index.ts';
import { findCustomer } from './customer-methods.ts';
import { policyCache, policyInForce } from './policies.ts';

/** The tenant's own text of each notice, where it has one (docs/configuration.md, "Customer messages"). */
const noticeKinds = {
  verified: 'noticeVerified',
  fraud_reported: 'noticeFraudReported',
  device_enrolled: 'noticeDeviceEnrolled',
} as const;

export type NotificationOutcome = 'sent' | 'disabled' | 'no_channel' | 'failed';

/**
 * Customer notifications (DESIGN section 5): after a successful helpdesk verification and after a
 * fraud report, the customer hears about it by SMS, or by e-mail without a phone number, in their
 * language (policy-notifications.ts). Whether to send is the policy's `notifications`. A failure
 * to notify never undoes what happened: it is recorded in the audit log, not thrown.
 *
 * A new device's enrollment is told differently (`deviceEnrolled`): the customer's other devices
 * always get a push notice, and SMS or e-mail follows as well when the policy asks, because the
 * new device may be a fraudster's and the customer may have no other.
 */
/** How a notice reaches the customer's own devices: their push channels and a sender. */
export interface NoticePush {
  targets(tenantId: string, customerId: string): Promise<DeliveryTarget[]>;
  send(tenantId: string, channel: PushChannel, message: PushMessage): Promise<PushResult>;
}

export function createCustomerNotifier(
  context: ServiceContext,
  deps: { providers: Partial<Record<OtpChannel, MessageProvider>>; push?: NoticePush | undefined },
) {
  const { db, clock } = context;
  const policies = policyCache(context);
  /** Push first: the customer's own app, free, and in their language. True when a push service took it. */
  async function byPush(
    tenantId: string,
    customerId: string,
    event: CustomerNotificationEvent,
    at: number,
    exceptDeviceId?: string,
  ) {
    if (!deps.push) return false;
    const targets = (await deps.push.targets(tenantId, customerId)).filter(
      (t) => t.push !== null && t.deviceId !== exceptDeviceId,
    );
    const results = await Promise.all(
      targets.map((t) =>
        deps
          .push!.send(tenantId, t.push!, { type: 'notice', event, at: Math.floor(at / 1000) })
          .catch(() => null),
      ),
    );
    return results.some((r) => r?.outcome === 'accepted');
  }

  async function auditPushNotice(tenantId: string, customerId: string, event: CustomerNotificationEvent) {
    await inTransaction(db, (tx) =>
      appendAudit(tx, {
        tenantId,
        actor: systemActor,
        action: 'customer.notified',
        target: { type: 'customer', id: customerId },
        data: { event, outcome: 'sent', channel: 'push', provider: 'webpush' },
        now: clock(),
      }),
    );
  }

  /**
   * SMS, or e-mail without a phone number (or the one channel asked for), in the customer's
   * language; audited either way.
   */
  async function byMessage(
    tenantId: string,
    customer: Awaited<ReturnType<typeof findCustomer>>,
    event: CustomerNotificationEvent,
    at: number,
    only?: OtpChannel,
  ): Promise<NotificationOutcome> {
    const usable = (c: OtpChannel) =>
      (only === undefined || only === c) &&
      Boolean(c === 'sms' ? customer.phone : customer.email) &&
      deps.providers[c] !== undefined;
    const channel: OtpChannel | undefined = usable('sms') ? 'sms' : usable('email') ? 'email' : undefined;
    let outcome: NotificationOutcome = 'no_channel';
    let provider: string | null = null;
    if (channel) {
      const tenant = await db
        .selectFrom('tenants')
        .select(['name', 'settings'])
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const sender = deps.providers[channel]!;
      const text =
        tenantMessage(noticeKinds[event], {
          locale: customer.locale,
          templates: (JSON.parse(tenant.settings) as TenantSettings).messageTemplates,
          values: { tenant: tenant.name, time: notificationTime(at, customer.locale) },
        }) ?? customerNotificationText(event, { tenantName: tenant.name, at, locale: customer.locale });
      provider = sender.name;
      try {
        await sender.send({
          to: (channel === 'sms' ? customer.phone : customer.email)!,
          subject: customerNotificationSubject(event, { tenantName: tenant.name, locale: customer.locale }),
          text,
          reference: newId('messageDelivery', clock()),
          tenantId,
        });
        outcome = 'sent';
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        outcome = 'failed';
      }
    }
    const now = clock();
    await inTransaction(db, (tx) =>
      appendAudit(tx, {
        tenantId,
        actor: systemActor,
        action: outcome === 'sent' ? 'customer.notified' : 'customer.notification_failed',
        target: { type: 'customer', id: customer.id },
        data: { event, outcome, channel: channel ?? null, provider },
        now,
      }),
    );
    return outcome;
  }

  return {
    async notify(
      tenantId: string,
      customerId: string,
      event: CustomerNotificationEvent,
      at: number = clock(),
    ): Promise<NotificationOutcome> {
      const policy = await policyInForce(db, tenantId, policies);
      const wanted =
        event === 'verified'
          ? policy.notifications.afterVerification
          : event === 'fraud_reported'
            ? policy.notifications.afterFraudReport
            : policy.notifications.afterDeviceEnrollment;
      if (!wanted) return 'disabled';
      const customer = await findCustomer(db, tenantId, customerId);
      if (await byPush(tenantId, customerId, event, at)) {
        await auditPushNotice(tenantId, customerId, event);
        return 'sent';
      }
      return byMessage(tenantId, customer, event, at);
    },

    /**
     * A device was enrolled: a push notice to every other device of the customer with a push
     * channel, and a message to the phone number and to the e-mail address on file (each that a
     * provider can reach) when the policy's `afterDeviceEnrollment` asks for it, as it does by
     * default. Both, not one: a new device is the step a fraudster needs, and of the two
     * channels they may control one (a swapped SIM, a taken-over mailbox) but rarely both.
     */
    async deviceEnrolled(
      tenantId: string,
      customerId: string,
      deviceId: string,
      at: number = clock(),
    ): Promise<{ push: boolean; message: NotificationOutcome }> {
      const event = 'device_enrolled';
      const push = await byPush(tenantId, customerId, event, at, deviceId);
      if (push) await auditPushNotice(tenantId, customerId, event);
      const policy = await policyInForce(db, tenantId, policies);
      if (!policy.notifications.afterDeviceEnrollment) return { push, message: 'disabled' };
      const customer = await findCustomer(db, tenantId, customerId);
      const channels = (['sms', 'email'] as const).filter(
        (c) => (c === 'sms' ? customer.phone : customer.email) && deps.providers[c] !== undefined,
      );
      if (channels.length === 0) return { push, message: await byMessage(tenantId, customer, event, at) };
      const outcomes = await Promise.all(channels.map((c) => byMessage(tenantId, customer, event, at, c)));
      return { push, message: outcomes.includes('sent') ? 'sent' : outcomes[0]! };
    },
  };
}

export type CustomerNotifier = ReturnType<typeof createCustomerNotifier>;
