// Tests of the server-sent events parser, however the stream is cut into chunks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser, type SseEvent } from '../sse.ts';

function parse(...chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

/** Every way of cutting `text` into two chunks must give the same events as one chunk. */
function assertSplitInvariant(text: string, expected: SseEvent[]): void {
  assert.deepEqual(parse(text), expected);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(parse(text.slice(0, i), text.slice(i)), expected, `split at ${i}`);
  }
  assert.deepEqual(parse(...text.split('')), expected, 'one character at a time');
}

describe('createSseParser', () => {
  it('dispatches named events with their data', () => {
    assert.deepEqual(parse('event: verification\ndata: {"id":"ver_1","status":"pending"}\n\n'), [
      { type: 'verification', data: '{"id":"ver_1","status":"pending"}', lastEventId: '' },
    ]);
  });

  it('defaults the type to message and joins data lines with LF', () => {
    assert.deepEqual(parse('data: one\ndata:two\ndata\n\n'), [
      { type: 'message', data: 'one\ntwo\n', lastEventId: '' },
    ]);
  });

  it('ignores comments, unknown fields and retry, and drops only one leading space', () => {
    assert.deepEqual(parse(': keep-alive\n\nretry: 10\nfoo: bar\ndata:  two spaces\n\n'), [
      { type: 'message', data: ' two spaces', lastEventId: '' },
    ]);
  });

  it('does not dispatch an event without data, and resets the type after each event', () => {
    assert.deepEqual(parse('event: lonely\n\ndata: x\n\n'), [
      { type: 'message', data: 'x', lastEventId: '' },
    ]);
  });

  it('keeps the last event id across events and ignores ids containing NUL', () => {
    assert.deepEqual(parse('id: 7\ndata: a\n\nid: 8\0\ndata: b\n\n'), [
      { type: 'message', data: 'a', lastEventId: '7' },
      { type: 'message', data: 'b', lastEventId: '7' },
    ]);
  });

  it('accepts CRLF, CR and LF line endings, mixed', () => {
    assert.deepEqual(parse('event: a\r\ndata: 1\r\rdata: 2\n\r\n'), [
      { type: 'a', data: '1', lastEventId: '' },
      { type: 'message', data: '2', lastEventId: '' },
    ]);
  });

  it('gives the same events wherever the chunks split lines, including between CR and LF', () => {
    assertSplitInvariant(
      'event: verification\r\ndata: {"id":"ver_1"}\r\n\r\n: keep-alive\r\n\r\ndata: x\r\n\r\n',
      [
        { type: 'verification', data: '{"id":"ver_1"}', lastEventId: '' },
        { type: 'message', data: 'x', lastEventId: '' },
      ],
    );
    assertSplitInvariant('data: a\r\rdata: b\n\n', [
      { type: 'message', data: 'a', lastEventId: '' },
      { type: 'message', data: 'b', lastEventId: '' },
    ]);
  });

  it('treats CR then an empty chunk then LF as one line break', () => {
    assert.deepEqual(parse('data: a\r', '', '\n', '\r\n'), [{ type: 'message', data: 'a', lastEventId: '' }]);
  });

  it('strips a byte order mark at the start of the stream only', () => {
    assert.deepEqual(parse('\uFEFFdata: a\n\n'), [{ type: 'message', data: 'a', lastEventId: '' }]);
    assert.deepEqual(parse('\uFEFF', 'data: a\n\n'), [{ type: 'message', data: 'a', lastEventId: '' }]);
    // A BOM later on is part of the field name, so the line is an unknown field.
    assert.deepEqual(parse('data: a\n\n', '\uFEFFdata: b\n\n'), [
      { type: 'message', data: 'a', lastEventId: '' },
    ]);
  });

  it('never dispatches an unfinished event', () => {
    assert.deepEqual(parse('data: a\n'), []);
    assert.deepEqual(parse('data: a'), []);
  });
});
