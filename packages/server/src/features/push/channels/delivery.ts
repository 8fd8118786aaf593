// The push channels: Web Push with the server's VAPID keys, FCM and APNs with each tenant's own
// credentials; the address rule for push endpoints, the HTTPS agent.
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import { webPushSubject } from '../../../config/config.ts';
import type { ServiceContext } from '../../../platform/context.ts';
import { recordPushDelivery } from '../../../platform/metrics.ts';
import type { ServerKeyService } from '../../../platform/signing/server-keys.ts';
import {
  type AddressRules,
  addressAllowed,
  bareHost,
  guardedLookup,
} from '../../../providers/outbound-address.ts';
import { type ApnsProvider, createApnsProvider } from '../../../providers/push/apns.ts';
import { createFcmProvider, type FcmProvider } from '../../../providers/push/fcm.ts';
import type { PushMessage, PushOptions, PushResult } from '../../../providers/push/push-provider.ts';
import { createWebPushProvider, type WebPushProvider } from '../../../providers/push/web-push.ts';
import type { PushChannel } from '../../devices/index.ts';
import type { LoadedCredentials, PushCredentialService } from './push-credentials.ts';

/** The address rule for push endpoints (PUSH_ALLOW_LOOPBACK, PUSH_ALLOW_PRIVATE_NETWORKS). */
export function pushAddressRules(config: ServiceContext['config']): AddressRules {
  return { allowLoopback: config.pushAllowLoopback, allowPrivateNetworks: config.pushAllowPrivateNetworks };
}

/** What operators see for any failure without an HTTP answer. */
const unreachable: PushResult = { outcome: 'failed', status: null, reason: 'push service not reachable' };

/**
 * Sends push messages through the channel each device registered. Web Push uses the server's
 * kept VAPID keys; FCM and APNs use the credentials of the device's tenant
 * (push-credentials.ts), and a tenant without them cannot reach such a device.
 *
 * A push endpoint is a URL the device chose, so the server calling it is a server-side request
 * forgery risk like a webhook's: every connection goes through an agent whose DNS lookup applies
 * the address rule to the address actually connected to (providers/outbound-address.ts), and an
 * IP literal, which skips DNS, is checked here.
 */
export function createPushDelivery(
  { config, pushAgent, resolveHost, clock }: ServiceContext,
  serverKeys: ServerKeyService,
  credentials: PushCredentialService,
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
  // One provider per tenant and vendor, kept while the tenant's credentials stay the same, so an
  // access token or provider JWT and the HTTP/2 session are reused across verifications.
  const vendorProviders = new Map<string, { version: string; provider: FcmProvider | ApnsProvider }>();
  const lookup = guardedLookup(rules, resolveHost);
  const trustedCa = pushAgent?.options.ca;

  function vendorProvider(tenantId: string, loaded: LoadedCredentials): FcmProvider | ApnsProvider {
    const key = `${tenantId}:${loaded.kind}`;
    const kept = vendorProviders.get(key);
    if (kept?.version === loaded.version) return kept.provider;
    if (kept?.provider.kind === 'apns') kept.provider.close();
    const provider =
      loaded.kind === 'fcm'
        ? createFcmProvider({
            serviceAccount: loaded.serviceAccount,
            ...(config.fcmBaseUrl ? { baseUrl: config.fcmBaseUrl } : {}),
            agent,
            clock,
          })
        : createApnsProvider({
            credentials: loaded.credentials,
            ...(config.apnsHost ? { hostOverride: config.apnsHost } : {}),
            ...(trustedCa ? { ca: trustedCa } : {}),
            lookup,
            clock,
          });
    vendorProviders.set(key, { version: loaded.version, provider });
    return provider;
  }

  function sendThroughVendor(
    tenantId: string,
    loaded: LoadedCredentials,
    channel: Exclude<PushChannel, { kind: 'webpush' }>,
    message: PushMessage,
    options: PushOptions,
  ): Promise<PushResult> {
    const provider = vendorProvider(tenantId, loaded);
    if (provider.kind === 'fcm' && channel.kind === 'fcm')
      return provider.send({ token: channel.token }, message, options);
    if (provider.kind === 'apns' && channel.kind === 'apns' && loaded.kind === 'apns') {
      return provider.send(
        { token: channel.token, environment: channel.environment ?? loaded.environment },
        message,
        options,
      );
    }
    throw new Error('Push provider and channel disagree.');
  }

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

  const delivery = {
    /** Builds the providers now, so a bad configuration (the VAPID subject) stops start-up. */
    async ready(): Promise<void> {
      await webPushProvider();
    },

    /** Ends the APNs HTTP/2 sessions (shutdown). */
    close(): void {
      for (const { provider } of vendorProviders.values()) if (provider.kind === 'apns') provider.close();
      vendorProviders.clear();
    },

    async send(tenantId: string, channel: PushChannel, message: PushMessage): Promise<PushResult> {
      // High urgency: a caller is waiting on the line (RFC 8030 section 5.3). The topic lets a
      // newer request replace an undelivered older one for the same device.
      // A test push is as urgent as a request: an administrator is waiting to see it arrive.
      const options: PushOptions =
        message.type === 'notice'
          ? // A notice can wait for the device, for a day.
            { ttlSeconds: 86_400, urgency: 'normal', topic: 'notice' }
          : { ttlSeconds: config.pushTtlSeconds, urgency: 'high', topic: message.type };
      if (channel.kind !== 'webpush') {
        const loaded = await credentials.load(tenantId, channel.kind);
        if (!loaded) {
          const vendor = channel.kind === 'fcm' ? 'FCM' : 'APNs';
          return { outcome: 'failed', status: null, reason: `no ${vendor} credentials for this tenant` };
        }
        // An IP literal skips the guarded DNS lookup, so the token URI's is checked here.
        if (loaded.kind === 'fcm') {
          const host = bareHost(new URL(loaded.serviceAccount.tokenUri).hostname);
          if (isIP(host) !== 0 && !addressAllowed(host, rules)) return unreachable;
        }
        const result = await sendThroughVendor(tenantId, loaded, channel, message, options);
        return result.outcome === 'failed' && result.status === null ? unreachable : result;
      }
      const provider = await webPushProvider();
      const host = URL.canParse(channel.subscription.endpoint)
        ? bareHost(new URL(channel.subscription.endpoint).hostname)
        : '';
      if (isIP(host) !== 0 && !addressAllowed(host, rules)) return unreachable;
      const result = await provider.send(channel.subscription, message, options);
      // Without an HTTP answer, why the connection failed (refused, reset, timed out, an address
      // the rule refuses) says something about the network behind the endpoint; operators see
      // the outcome on the verification's timeline, so they get the same words for all of them.
      return result.outcome === 'failed' && result.status === null ? unreachable : result;
    },
  };
  return {
    ...delivery,
    /** Sends one push, and counts its result by provider for the metrics (platform/metrics.ts). */
    async send(tenantId: string, channel: PushChannel, message: PushMessage): Promise<PushResult> {
      try {
        const result = await delivery.send(tenantId, channel, message);
        recordPushDelivery(channel.kind, result.outcome);
        return result;
      } catch (error) {
        recordPushDelivery(channel.kind, 'error');
        throw error;
      }
    },
  };
}

export type PushDelivery = ReturnType<typeof createPushDelivery>;
