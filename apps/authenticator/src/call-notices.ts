// The app's view of call notices ("Is my bank calling me?"): the device SDK fetches each notice
// and the answer to "is anyone calling?" and verifies them against the pinned keys; the app only
// shows what verified.
import type { VerifiedCallNotice } from '@helpdesk-auth/device-sdk';

export type CallNotice = VerifiedCallNotice;

/** SDK refusals that mean "not genuine": never shown as a call, the customer is told to hang up. */
export const refusedNoticeCodes = new Set([
  'CALL_NOTICE_INVALID',
  'CALL_STATUS_INVALID',
  'KEY_SET_INVALID',
  'REQUEST_SIGNATURE_INVALID',
]);

/** SDK answers that a notice is over (ended by the agent, or its time is up, or an old one again). */
export const endedNoticeCodes = new Set(['CALL_NOTICE_ENDED', 'CALL_NOTICE_EXPIRED', 'NOT_FOUND']);

/** Notice ids as the server writes them (push messages and routes carry nothing else). */
export const callNoticeIdPattern = /^cal_[A-Za-z0-9]+$/;
