// The Web Push channel: the server's VAPID keys, the address rule for push endpoints, the HTTPS
// agent.
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import { webPushSubject } from '../../config/config.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import {
  type AddressRules,
  addressAllowed,
  bareHost,
  guardedLookup,
} from '../../providers/outbound-address.ts';
import type { PushMessage, PushResult } from '../../providers/push/push-provider.ts';
import { createWebPushProvider, type WebPushProvider } from '../../providers/push/web-push.ts';
import type { PushChannel } from '../devices/index.ts';

/** The address rule for push endpoints (PUSH_ALLOW_LOOPBACK, PUSH_ALLOW_PRIVATE_NETWORKS). */
export function pushAddressRules(config: ServiceContext['config']): AddressRules {
  return { allowLoopback: config.pushAllowLoopback, allowPrivateNetworks: config.pushAllowPrivateNetworks };
}

/** What operators see for any failure without an HTTP answer. */
const unreachable: PushResult = { outcome: 'failed', status: null, reason: 'push service not reachable' };

/**
 * Sends push messages through the channel each device registered. Web Push uses the server's
 * kept VAPID keys; FCM and APNs providers plug in here when they arrive.
 *
 * A push endpoint is a URL the device chose, so the server calling it is a server-side request
 * forgery risk like a webhook's: every connection goes through an agent whose DNS lookup applies
 * the address rule to the address actually connected to (providers/outbound-address.ts), and an
 * IP literal, which skips DNS, is checked here.
 */
export function createPushDelivery(
  { config, pushAgent, resolveHost }: ServiceContext,
  serverKeys: ServerKeyService,
) {
  const rules = pushAddressRules(config);
  // web-push takes only an https.Agent, and lets it decide how sockets are made: the agent's own
  // options (a test's trusted certificate) are kept, and its lookup is the guarded one.
  const agent = new Agent({
    ...pushAgent?.options,
    keepAlive: true,
    lookup: guardedLookup(rules, resolveHost),
  });
  let webPush: Promise<WebPushProvider> | undefined;

  function webPushProvider(): Promise<WebPushProvider> {
    webPush ??= serverKeys
      .vapidKeys()
      .then((vapid) =>
        createWebPushProvider({
          vapid,
          subject: webPushSubject(config),
          agent,
        }),
      )
      .catch((error: unknown) => {
        webPush = undefined;
        throw error;
      });
    return webPush;
  }

  return {
    /** Builds the providers now, so a bad configuration (the VAPID subject) stops start-up. */
    async ready(): Promise<void> {
      await webPushProvider();
    },

    async send(channel: PushChannel, message: PushMessage): Promise<PushResult> {
      const provider = await webPushProvider();
      const host = URL.canParse(channel.subscription.endpoint)
        ? bareHost(new URL(channel.subscription.endpoint).hostname)
        : '';
      if (isIP(host) !== 0 && !addressAllowed(host, rules)) return unreachable;
      // High urgency: a caller is waiting on the line (RFC 8030 section 5.3). The topic lets a
      // newer request replace an undelivered older one for the same device.
      const result = await provider.send(
        channel.subscription,
        message,
        message.type === 'verification'
          ? { ttlSeconds: config.pushTtlSeconds, urgency: 'high', topic: 'verification' }
          : // A notice can wait for the device, for a day.
            { ttlSeconds: 86_400, urgency: 'normal', topic: 'notice' },
      );
      // Without an HTTP answer, why the connection failed (refused, reset, timed out, an address
      // the rule refuses) says something about the network behind the endpoint; operators see
      // the outcome on the verification's timeline, so they get the same words for all of them.
      return result.outcome === 'failed' && result.status === null ? unreachable : result;
    },
  };
}

export type PushDelivery = ReturnType<typeof createPushDelivery>;
