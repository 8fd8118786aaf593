import {
  createDeviceClient,
  createIndexedDbKeyStore,
  type DeviceClient,
  type DevicePush,
  isDeviceSdkError,
} from '@helpdesk-auth/device-sdk';

/** The app is served by the server it talks to (/app), so the server is this page's origin. */
export function createClient(): DeviceClient {
  return createDeviceClient({ store: createIndexedDbKeyStore(), baseUrl: window.location.origin });
}

export function errorCode(error: unknown): string | null {
  return isDeviceSdkError(error) ? error.code : null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/', type: 'module' }).catch(() => {
    // Without a service worker the app still works while open; it just cannot show notifications.
  });
}

export type PushOutcome = { push: DevicePush; reason: 'subscribed' | 'denied' | 'unsupported' | 'failed' };

/**
 * Asks for notification permission and subscribes to Web Push with the server's VAPID key. Any
 * failure (no push service, permission refused, a browser without push) gives push null: the
 * device then hears of requests on its live channel while the app is open.
 */
export async function subscribeToPush(): Promise<PushOutcome> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return { push: null, reason: 'unsupported' };
  }
  try {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') return { push: null, reason: 'denied' };
    const registration = await withTimeout(navigator.serviceWorker.ready, 10_000);
    const response = await fetch('/v1/device/push-config', { headers: { accept: 'application/json' } });
    const config = (await response.json()) as { webPush?: { vapidPublicKey?: string } };
    const key = config.webPush?.vapidPublicKey;
    if (!response.ok || typeof key !== 'string') return { push: null, reason: 'unsupported' };
    const subscription = await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      15_000,
    );
    const json = subscription.toJSON();
    if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth) return { push: null, reason: 'failed' };
    return {
      push: {
        kind: 'webpush',
        subscription: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } },
      },
      reason: 'subscribed',
    };
  } catch {
    return { push: null, reason: 'failed' };
  }
}

/** Dismisses the notification of a request the app now shows itself. */
export async function closeNotification(id: string): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration('/app/');
    for (const notification of (await registration?.getNotifications({ tag: id })) ?? [])
      notification.close();
  } catch {
    // Nothing to close.
  }
}

/** A default name for this device, from the browser's own description of the platform. */
export function defaultDeviceLabel(): string {
  const ua = navigator.userAgent;
  if (/Android/i.test(ua)) return 'Android phone';
  if (/iPhone/i.test(ua)) return 'iPhone';
  if (/iPad/i.test(ua)) return 'iPad';
  if (/Mac OS X/i.test(ua)) return 'Mac';
  if (/Windows/i.test(ua)) return 'Windows PC';
  if (/Linux/i.test(ua)) return 'Linux computer';
  return 'Browser';
}
