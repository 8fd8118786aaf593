// A TypeScript integrator's file, compiled with moduleResolution NodeNext against the installed
// tarballs' declarations (skipLibCheck off). The @ts-expect-error lines prove the types are real.
import {
  createHelpdeskAuthClient,
  type HelpdeskAuthClient,
  HelpdeskAuthError,
  type Schemas,
} from '@helpdesk-auth/client';
import { type ErrorCode, errorStatus, type VerificationStatus } from '@helpdesk-auth/core';
import { type ChainVerdict, verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import {
  createDeviceClient,
  createIndexedDbKeyStore,
  createMemoryKeyStore,
  type DeviceKeyStore,
  DeviceSdkError,
  type VerifiedRequest,
} from '@helpdesk-auth/device-sdk';
import { createFileKeyStore } from '@helpdesk-auth/device-sdk/node-file-key-store';
import type { HelpdeskVerifyElement } from '@helpdesk-auth/widget';

export const client: HelpdeskAuthClient = createHelpdeskAuthClient({
  baseUrl: 'https://auth.example.com',
  apiKey: 'hda_key_example',
});

// @ts-expect-error the client needs its base URL and key
createHelpdeskAuthClient({});

export async function start(customerId: string): Promise<string> {
  const started = await client.verifications.start({ customerId, reason: 'Card', agentName: 'Sam' });
  const status: VerificationStatus = started.status;
  // @ts-expect-error a verification has no such field
  started.notAField;
  return `${started.code} ${status}`;
}

export function customerName(customer: Schemas['Customer']): string {
  return customer.displayName;
}

export function describe(error: unknown): string {
  if (error instanceof HelpdeskAuthError) return `${error.status} ${error.code}`;
  if (error instanceof DeviceSdkError) return error.code;
  return 'unknown';
}

const code: ErrorCode = 'WRONG_CODE';
export const status: number = errorStatus[code];
// @ts-expect-error not an error code
export const wrong: ErrorCode = 'NOT_A_CODE';

export const stores: DeviceKeyStore[] = [
  createMemoryKeyStore(),
  createIndexedDbKeyStore(),
  createFileKeyStore('/tmp/device.json'),
];
export const phone = createDeviceClient({
  store: createMemoryKeyStore(),
  baseUrl: 'https://auth.example.com',
});

export async function approve(request: VerifiedRequest, typed: string): Promise<string> {
  const { status } = await phone.decide(request, { decision: 'approve', code: typed });
  // @ts-expect-error decisions are approve, deny or report_fraud
  await phone.decide(request, { decision: 'maybe' });
  return status;
}

export const verdict: ChainVerdict = verifyAuditChain('ten_x', []);

export function frame(element: HelpdeskVerifyElement): HTMLIFrameElement {
  return element.frame;
}
