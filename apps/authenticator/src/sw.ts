// The authenticator's service worker, served as /app/sw.js with scope /app/.
//
// - Push: a message carries only {"type": "verification", "id": "ver_…"} (docs/device-protocol.md,
//   "Push"). The notification says nothing personal either; the app fetches and checks the signed
//   request when it opens.
// - Cache: only the app's own static files (the shell), so the app opens offline and can say so.
//   API answers (/v1/…) never pass through the cache: they hold personal data.
const sw = self as unknown as ServiceWorkerGlobalScope;

const cacheName = 'authenticator-shell-v1';
const scope = new URL(sw.registration.scope);
const shellUrl = new URL('./', scope).href;

const texts = {
  en: { title: 'Verification request', body: 'Your helpdesk asks you to confirm it is you. Tap to open.' },
  de: {
    title: 'Anfrage zur Bestätigung',
    body: 'Ihr Helpdesk bittet Sie zu bestätigen, dass Sie es sind. Tippen zum Öffnen.',
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

interface PushMessage {
  type: string;
  id: string;
}

function readPush(event: PushEvent): PushMessage | null {
  try {
    const data = event.data?.json() as Partial<PushMessage> | undefined;
    if (data?.type === 'verification' && typeof data.id === 'string' && /^ver_[A-Za-z0-9]+$/.test(data.id)) {
      return { type: data.type, id: data.id };
    }
  } catch {
    // Not JSON: ignore it below.
  }
  return null;
}

sw.addEventListener('push', (event) => {
  const message = readPush(event);
  if (!message) return;
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
