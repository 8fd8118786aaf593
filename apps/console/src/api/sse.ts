import type { VerificationEvent } from './types.ts';

/**
 * Reads a server-sent event stream over fetch rather than EventSource, so the same code works
 * with the session cookie (console) and with a bearer token (the embedded widget, where an
 * EventSource could not send the Authorization header). Resolves when the server ends the
 * stream or `signal` aborts.
 */
export async function readEventStream(
  response: Response,
  onEvent: (event: VerificationEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const abort = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', abort, { once: true });
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) onEvent({ type, data: JSON.parse(data) as VerificationEvent['data'] });
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
