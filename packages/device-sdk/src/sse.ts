/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event` field, or `message` when there was none. */
  type: string;
  data: string;
  lastEventId: string;
}

export interface SseParser {
  /** Feeds decoded text; chunks may split lines anywhere, including between CR and LF. */
  push(chunk: string): void;
}

/**
 * Event-stream interpretation per the HTML standard (section 9.2.6): lines end in CRLF, LF or
 * CR; `:` starts a comment; one space after the colon is dropped; data lines join with LF; an
 * empty line dispatches. `retry` is ignored (reconnecting is the caller's business), and an
 * unfinished event at the end of the stream is never dispatched.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  let buffer = '';
  let skipLeadingLf = false; // the previous chunk ended in CR, which may be half of a CRLF
  let started = false;
  let type = '';
  let data = '';
  let lastEventId = '';

  function processLine(line: string): void {
    if (line === '') {
      if (data !== '') onEvent({ type: type || 'message', data: data.slice(0, -1), lastEventId });
      type = '';
      data = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data += `${value}\n`;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
  }

  return {
    push(chunk) {
      if (chunk === '') return;
      if (!started) {
        started = true;
        if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
      }
      if (skipLeadingLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
      buffer += chunk;
      let start = 0;
      for (const match of buffer.matchAll(/\r\n|\r|\n/g)) {
        processLine(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      skipLeadingLf = buffer.endsWith('\r');
      buffer = buffer.slice(start);
    },
  };
}
