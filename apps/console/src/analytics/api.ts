// The supervisor dashboard's API calls and shapes (docs/analytics.md).
import { createTransport } from '../api/client.ts';

export const fallbackReasons = ['no_device', 'unreachable', 'denied', 'locked', 'not_tried'] as const;
export type FallbackReason = (typeof fallbackReasons)[number];

interface Counts {
  total: number;
  approved: number;
  fallbacks: number;
  denied: number;
  fraudReported: number;
}

export interface Dashboard {
  from: string;
  to: string;
  total: number;
  daily: { day: string; method: string; status: string; count: number }[];
  timeToVerify: { method: string; approved: number; medianSeconds: number; p90Seconds: number }[];
  baselineSeconds: number;
  secondsSaved: number;
  fallback: { push: number; fallbacks: number; rate: number; reasons: Record<FallbackReason, number> };
  devices: { customers: number; reachable: number; share: number };
  fraud: { fraudReports: number; denials: number; casesOpened: number };
  agents: (Counts & { agentId: string; name: string | null; team: string | null })[];
  teams: (Counts & { team: string | null })[];
}

export interface DashboardFilter {
  from: string;
  to: string;
  team?: string;
  agentId?: string;
  method?: string;
}

export function query(filter: DashboardFilter): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value) params.set(name, value);
  return params.toString();
}

export function createAnalyticsApi(csrfToken: string) {
  const { json } = createTransport(() => ({ 'x-csrf-token': csrfToken }));
  return {
    dashboard: (filter: DashboardFilter) =>
      json<Dashboard>('GET', `/v1/analytics/dashboard?${query(filter)}`),
    settings: () => json<{ questionsBaselineSeconds: number }>('GET', '/v1/analytics/settings'),
    saveSettings: (questionsBaselineSeconds: number) =>
      json<{ questionsBaselineSeconds: number }>('PUT', '/v1/analytics/settings', {
        questionsBaselineSeconds,
      }),
  };
}
