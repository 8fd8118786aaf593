import { webPushSubject } from '../config/config.ts';
import type { PushMessage, PushResult } from '../providers/push-provider.ts';
import { createWebPushProvider, type WebPushProvider } from '../providers/web-push.ts';
import type { ServiceContext } from './context.ts';
import type { PushChannel } from './devices.ts';
import type { ServerKeyService } from './server-keys.ts';

/**
 * Sends push messages through the channel each device registered. Web Push uses the server's
 * kept VAPID keys; FCM and APNs providers plug in here when they arrive.
 */
export function createPushDelivery({ config, pushAgent }: ServiceContext, serverKeys: ServerKeyService) {
  let webPush: Promise<WebPushProvider> | undefined;

  function webPushProvider(): Promise<WebPushProvider> {
    webPush ??= serverKeys
      .vapidKeys()
      .then((vapid) =>
        createWebPushProvider({
          vapid,
          subject: webPushSubject(config),
          ...(pushAgent ? { agent: pushAgent } : {}),
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
      // High urgency: a caller is waiting on the line (RFC 8030 section 5.3). The topic lets a
      // newer request replace an undelivered older one for the same device.
      return provider.send(
        channel.subscription,
        message,
        message.type === 'verification'
          ? { ttlSeconds: config.pushTtlSeconds, urgency: 'high', topic: 'verification' }
          : // A notice can wait for the device, for a day.
            { ttlSeconds: 86_400, urgency: 'normal', topic: 'notice' },
      );
    },
  };
}

export type PushDelivery = ReturnType<typeof createPushDelivery>;
