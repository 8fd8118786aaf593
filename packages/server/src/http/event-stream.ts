// Server-sent event streams: a live event subscription as a text/event-stream response.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EventHub, LiveEvent } from '../platform/live-events.ts';

/** The response schema of a streaming route, so the API document names the media type. */
export const eventStream = {
  description: 'Server-sent events (text/event-stream).',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const keepAliveMs = 15_000;

export interface EventStreams {
  /**
   * Answers the request with a `text/event-stream` that carries every event published on
   * `topicNames` until the client goes away, `end(event)` returns true for an event, or the
   * server shuts down. `initial` events are written first (the current state, so a client that
   * connects late misses nothing).
   */
  open(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { topics: string[]; initial?: LiveEvent[]; end?: (event: LiveEvent) => boolean },
  ): void;
  /** Open streams: shutdown ends them, so that closing the server does not wait on them. */
  readonly size: number;
  /** Whether the request was answered with a stream (its "response time" is the stream's life). */
  answeredWithStream(request: FastifyRequest): boolean;
}

function format(event: LiveEvent): string {
  // JSON never contains a raw newline, so one data line carries the whole event.
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export function installEventStreams(app: FastifyInstance, hub: EventHub): EventStreams {
  const open = new Set<() => void>();
  const streamed = new WeakSet<FastifyRequest>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  return {
    get size() {
      return open.size;
    },
    answeredWithStream(request) {
      return streamed.has(request);
    },
    open(request, reply, options) {
      streamed.add(request);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Tells nginx not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      const unsubscribes: (() => void)[] = [];
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(keepAlive);
        for (const unsubscribe of unsubscribes) unsubscribe();
        open.delete(close);
        raw.end();
      };
      const write = (event: LiveEvent) => {
        if (closed) return;
        raw.write(format(event));
        if (options.end?.(event)) close();
      };
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
      keepAlive.unref();
      open.add(close);
      // The response closes when the client goes away (or when we end it).
      raw.on('close', close);
      raw.on('error', close);
      for (const topic of options.topics) unsubscribes.push(hub.subscribe(topic, write));
      // A first comment flushes the headers so the client knows the stream is open.
      raw.write(': open\n\n');
      for (const event of options.initial ?? []) write(event);
    },
  };
}
