// The app's view of call notices ("Is my bank calling me?"): what the screens need from the
// device SDK, which fetches each notice and verifies its signature against the pinned keys.
import type { DeviceClient } from '@helpdesk-auth/device-sdk';

export type MutualCode = 'none' | 'agent_reads' | 'customer_reads';

/** A notice whose signature the SDK verified: only such a notice is ever shown as genuine. */
export interface CallNotice {
  id: string;
  tenantName: string;
  agentName: string;
  team: string | null;
  reason: string;
  fromNumber: string | null;
  mutualCode: MutualCode;
  /** agent_reads: the code the caller should say; customer_reads: the code to read to the caller. */
  code: string | null;
  issuedAt: Date;
  expiresAt: Date;
}

/** The verified answer to "is the company calling me now?". */
export interface CallCheck {
  notice: CallNotice | null;
  checkedAt: Date;
}

export interface CallReport {
  noticeId?: string;
  numberSeen?: string;
  note?: string;
}

/** The SDK's call-notice methods, as the app uses them. */
interface CallNoticeSdk {
  currentCallNotice(): Promise<CallCheck>;
  fetchCallNotice(id: string): Promise<CallNotice>;
  confirmCallNotice(id: string, outcome: 'confirmed' | 'mismatch'): Promise<unknown>;
  reportCall(report: CallReport): Promise<unknown>;
}

function sdk(client: DeviceClient): CallNoticeSdk {
  return client as unknown as CallNoticeSdk;
}

export const callNotices = {
  current: (client: DeviceClient) => sdk(client).currentCallNotice(),
  fetch: (client: DeviceClient, id: string) => sdk(client).fetchCallNotice(id),
  confirm: (client: DeviceClient, id: string, outcome: 'confirmed' | 'mismatch') =>
    sdk(client).confirmCallNotice(id, outcome),
  report: (client: DeviceClient, report: CallReport) => sdk(client).reportCall(report),
};

/** Error codes of the SDK that mean "this notice is not genuine": never shown as a real call. */
export const refusedNoticeCodes = new Set([
  'CALL_NOTICE_SIGNATURE_INVALID',
  'CALL_NOTICE_INVALID',
  'CALL_NOTICE_REPLAYED',
  'CALL_NOTICE_EXPIRED',
  'CALL_STATEMENT_INVALID',
  'REQUEST_SIGNATURE_INVALID',
  'KEY_SET_INVALID',
]);

/** Notice ids as the server writes them (push messages and routes carry nothing else). */
export const callNoticeIdPattern = /^cn_[A-Za-z0-9_-]+$/;
