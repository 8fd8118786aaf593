// Page cursors of the list routes: the id a page ends at, base64url-encoded, checked against the
// id's pattern when it comes back, so a cursor is only ever one this API gave out.
import { AppError } from '@helpdesk-auth/core';

/** The cursor that continues a list after (or before) the row with this id. */
export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

/** The id inside a cursor, or `400 INVALID_CURSOR` when it is not an id of the listed kind. */
export function decodeCursor(cursor: string, idPattern: RegExp): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!idPattern.test(id)) throw new AppError('INVALID_CURSOR', 'The cursor is not one this API gave out.');
  return id;
}
