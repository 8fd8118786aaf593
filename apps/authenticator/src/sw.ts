// The authenticator's service worker, served as /app/sw.js with scope /app/.
//
// - Push: a message carries only {"type": "verification", "id": "ver_…"} (docs/device-protocol.md,
//   "Push"). The notification says nothing personal either; the app fetches and checks the signed
//   request when it opens. A customer notification carries only {"type": "notice", "event", "at"};
//   the sentence is written here, in the device's language. A call notice carries only
//   {"type": "call_notice", "id": "cal_…"}: who is calling is shown by the app once it has verified
//   the signed notice, never by the notification.
// - Cache: only the app's own static files (the shell), so the app opens offline and can say so.
//   API answers (/v1/…) never pass through the cache: they hold personal data.
const sw = self as unknown as ServiceWorkerGlobalScope;

const cacheName = 'authenticator-shell-v1';
const scope = new URL(sw.registration.scope);
const shellUrl = new URL('./', scope).href;

const texts = {
  en: {
    title: 'Verification request',
    body: 'Your helpdesk asks you to confirm it is you. Tap to open.',
    noticeTitle: 'Helpdesk notice',
    verified: (time: string) =>
      `You were verified by our helpdesk at ${time}. If this was not you, call us on the number on our website.`,
    fraud_reported: (time: string) =>
      `You reported that a verification request at ${time} was not you. We have blocked such requests; our team will contact you.`,
    device_enrolled: (time: string) =>
      `A new device was set up to confirm your identity at ${time}. If this was not you, call us on the number on our website.`,
    other: (time: string) =>
      `Your helpdesk has news for you (${time}). Open the app to see your devices and history.`,
    callTitle: 'Call notice',
    callBody: 'Is your helpdesk calling you? Tap to check who is calling, before you say anything.',
    testTitle: 'Test notification',
    testBody: 'Your helpdesk checked that this device receives notifications. Nothing to do.',
  },
  de: {
    title: 'Anfrage zur Bestätigung',
    body: 'Ihr Helpdesk bittet Sie zu bestätigen, dass Sie es sind. Tippen zum Öffnen.',
    noticeTitle: 'Hinweis Ihres Helpdesks',
    verified: (time: string) =>
      `Unser Kundendienst hat Sie um ${time} verifiziert. Wenn Sie das nicht waren, rufen Sie uns unter der Nummer auf unserer Website an.`,
    fraud_reported: (time: string) =>
      `Sie haben gemeldet, dass eine Verifizierungsanfrage um ${time} nicht von Ihnen kam. Wir haben solche Anfragen gesperrt und melden uns bei Ihnen.`,
    device_enrolled: (time: string) =>
      `Um ${time} wurde ein neues Gerät zur Bestätigung Ihrer Identität eingerichtet. Wenn Sie das nicht waren, rufen Sie uns unter der Nummer auf unserer Website an.`,
    other: (time: string) =>
      `Ihr Helpdesk hat eine Nachricht für Sie (${time}). Öffnen Sie die App, um Ihre Geräte und den Verlauf zu sehen.`,
    callTitle: 'Hinweis auf einen Anruf',
    callBody: 'Ruft Ihr Helpdesk Sie an? Tippen Sie, um zu prüfen, wer anruft, bevor Sie etwas sagen.',
    testTitle: 'Testbenachrichtigung',
    testBody:
      'Ihr Helpdesk hat geprüft, dass dieses Gerät Benachrichtigungen empfängt. Sie müssen nichts tun.',
  },
};

function language(): keyof typeof texts {
  return sw.navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en';
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.add(shellUrl))
      .catch(() => undefined)
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== cacheName) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

/** Static files of the app: the shell, hashed assets, icons, manifest. Never the API. */
function isAppFile(url: URL): boolean {
  return url.origin === scope.origin && url.pathname.startsWith(scope.pathname);
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!isAppFile(url)) return;
  if (request.mode === 'navigate') {
    // Network first, so a new version shows at once; the cached shell when offline.
    event.respondWith(fetch(request).catch(async () => (await caches.match(shellUrl)) ?? Response.error()));
    return;
  }
  if (
    url.pathname.startsWith(`${scope.pathname}assets/`) ||
    url.pathname.startsWith(`${scope.pathname}icons/`)
  ) {
    // Hashed or static files: cache first.
    event.respondWith(
      (async () => {
        const cached = await caches.match(request);
        if (cached) return cached;
        const response = await fetch(request);
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(cacheName).then((cache) => cache.put(request, copy)));
        }
        return response;
      })(),
    );
  }
});

const noticeEvents = ['verified', 'fraud_reported', 'device_enrolled'] as const;
/** `other`: an event this version does not know yet (a newer server); it still gets a sentence. */
type NoticeEvent = (typeof noticeEvents)[number] | 'other';

type PushMessage =
  | { type: 'verification'; id: string }
  | { type: 'notice'; event: NoticeEvent; at: number }
  | { type: 'test' }
  | { type: 'call_notice' | 'call_notice_ended'; id: string };

function readPush(event: PushEvent): PushMessage | null {
  try {
    const data = event.data?.json() as Record<string, unknown> | undefined;
    if (data?.type === 'verification' && typeof data.id === 'string' && /^ver_[A-Za-z0-9]+$/.test(data.id)) {
      return { type: 'verification', id: data.id };
    }
    if (
      data?.type === 'notice' &&
      typeof data.event === 'string' &&
      typeof data.at === 'number' &&
      Number.isFinite(data.at)
    ) {
      // The event's name is never shown: an unknown one gets the general sentence.
      const known = (noticeEvents as readonly string[]).includes(data.event);
      return { type: 'notice', event: known ? (data.event as NoticeEvent) : 'other', at: data.at };
    }
    if (data?.type === 'test') return { type: 'test' };
    if (
      (data?.type === 'call_notice' || data?.type === 'call_notice_ended') &&
      typeof data.id === 'string' &&
      /^cal_[A-Za-z0-9]+$/.test(data.id)
    ) {
      return { type: data.type, id: data.id };
    }
  } catch {
    // Not JSON: ignore it below.
  }
  return null;
}

/** A customer notification: the device writes the sentence, with the time in its own zone. */
function showNotice(event: PushEvent, message: { event: NoticeEvent; at: number }) {
  const lang = language();
  const time = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(message.at * 1000),
  );
  event.waitUntil(
    sw.registration.showNotification(texts[lang].noticeTitle, {
      body: texts[lang][message.event](time),
      tag: `notice-${message.event}-${message.at}`,
      icon: new URL('icons/icon-192.png', scope).href,
      // A new device is seen on the devices screen; everything else in the history.
      data: { url: new URL(message.event === 'device_enrolled' ? 'device' : 'history', scope).href },
    }),
  );
}

/** A call notice opens the app's call screen; an ended one takes its notification away. */
function showCallNotice(
  event: PushEvent,
  message: { type: 'call_notice' | 'call_notice_ended'; id: string },
) {
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: false });
      for (const client of windows) client.postMessage({ type: message.type, id: message.id });
      if (message.type === 'call_notice_ended') {
        for (const shown of await sw.registration.getNotifications({ tag: message.id })) shown.close();
        return;
      }
      const text = texts[language()];
      await sw.registration.showNotification(text.callTitle, {
        body: text.callBody,
        tag: message.id,
        icon: new URL('icons/icon-192.png', scope).href,
        badge: new URL('icons/icon-192.png', scope).href,
        data: { url: new URL(`#call=${message.id}`, scope).href },
        requireInteraction: true,
      });
    })(),
  );
}

sw.addEventListener('push', (event) => {
  const message = readPush(event);
  if (!message) return;
  if (message.type === 'notice') {
    showNotice(event, message);
    return;
  }
  if (message.type === 'call_notice' || message.type === 'call_notice_ended') {
    showCallNotice(event, message);
    return;
  }
  if (message.type === 'test') {
    const text = texts[language()];
    event.waitUntil(
      sw.registration.showNotification(text.testTitle, {
        body: text.testBody,
        tag: 'test',
        icon: new URL('icons/icon-192.png', scope).href,
      }),
    );
    return;
  }
  const text = texts[language()];
  const url = new URL(`request/${message.id}`, scope).href;
  event.waitUntil(
    (async () => {
      // An open app hears of the request on its live channel too; tell it anyway, in case that
      // channel is down.
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: false });
      for (const client of windows) client.postMessage({ type: 'verification', id: message.id });
      await sw.registration.showNotification(text.title, {
        body: text.body,
        tag: message.id,
        icon: new URL('icons/icon-192.png', scope).href,
        badge: new URL('icons/icon-192.png', scope).href,
        data: { url },
        requireInteraction: true,
      });
    })(),
  );
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: string } | null)?.url;
  if (typeof url !== 'string' || !url.startsWith(scope.href)) return;
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => client.url.startsWith(scope.href));
      if (open) {
        // Focusing can be refused (no user activation); opening the request matters more.
        await open.focus().catch(() => undefined);
        const navigated = await open.navigate(url).catch(() => null);
        if (navigated) return;
      }
      await sw.clients.openWindow(url);
    })(),
  );
});
