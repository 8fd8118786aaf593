import type { VerifiedRequest } from '@helpdesk-auth/device-sdk';

/**
 * Past requests, kept on this device only (the protocol gives a device its pending requests,
 * not a history). Only what the request screen showed, for the customer's own record.
 */
export interface HistoryEntry {
  id: string;
  tenantName: string;
  agentName: string;
  reason: string;
  startedAt: string;
  /** Absent in entries written by earlier versions. */
  expiresAt?: string;
  status: string;
}

const limit = 50;

function key(deviceId: string): string {
  return `helpdesk-auth.authenticator.history.${deviceId}`;
}

export function loadHistory(deviceId: string): HistoryEntry[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(key(deviceId)) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as HistoryEntry[]) : [];
  } catch {
    return [];
  }
}

function save(deviceId: string, entries: HistoryEntry[]): void {
  try {
    localStorage.setItem(key(deviceId), JSON.stringify(entries.slice(0, limit)));
  } catch {
    // Storage full or refused: history is a convenience, not a record.
  }
}

export function recordRequest(deviceId: string, request: VerifiedRequest): HistoryEntry[] {
  const entries = loadHistory(deviceId).filter((e) => e.id !== request.id);
  const existing = loadHistory(deviceId).find((e) => e.id === request.id);
  const entry: HistoryEntry = {
    id: request.id,
    tenantName: request.tenantName,
    agentName: request.agentName,
    reason: request.reason,
    startedAt: request.issuedAt.toISOString(),
    expiresAt: request.expiresAt.toISOString(),
    status:
      existing && existing.status !== 'pending' && request.status === 'pending'
        ? existing.status
        : request.status,
  };
  const next = [entry, ...entries].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  save(deviceId, next);
  return next;
}

export function recordStatus(deviceId: string, id: string, status: string): HistoryEntry[] {
  const entries = loadHistory(deviceId);
  const next = entries.map((e) => (e.id === id ? { ...e, status } : e));
  save(deviceId, next);
  return next;
}

export function clearHistory(deviceId: string): void {
  try {
    localStorage.removeItem(key(deviceId));
  } catch {
    // Nothing to clear.
  }
}
