// An event stream reader for tests, over real HTTP.
import { createSseParser } from '@helpdesk-auth/device-sdk';

export interface ReceivedEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Reads a server-sent event stream over real HTTP, as an agent's browser would, and lets a test
 * wait for the event it expects. Never asserts on time: a wait that runs out fails with what
 * did arrive.
 */
export async function openEventStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  const parser = createSseParser((event) => {
    events.push({ type: event.type, data: JSON.parse(event.data) as Record<string, unknown> });
    for (const wake of [...waiters]) wake();
  });
  let ended = false;
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body)
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
      for (const wake of [...waiters]) wake();
    }
  })();

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    get ended() {
      return ended;
    },
    /** Resolves with the first event that matches; rejects when the stream ends or `timeoutMs` passes. */
    async waitFor(match: (event: ReceivedEvent) => boolean, timeoutMs = 5000): Promise<ReceivedEvent> {
      const deadline = setTimeout(() => {
        for (const wake of [...waiters]) wake();
      }, timeoutMs);
      const started = Date.now();
      try {
        for (;;) {
          const found = events.find(match);
          if (found) return found;
          if (ended || Date.now() - started >= timeoutMs) {
            throw new Error(`event not received; got ${JSON.stringify(events.map((e) => e.type))}`);
          }
          await new Promise<void>((resolve) => {
            const wake = () => {
              waiters.delete(wake);
              resolve();
            };
            waiters.add(wake);
          });
        }
      } finally {
        clearTimeout(deadline);
      }
    },
    /** Resolves when the server ends the stream. */
    async untilEnded(): Promise<void> {
      await reading;
    },
    async close(): Promise<void> {
      controller.abort();
      await reading;
    },
  };
}
