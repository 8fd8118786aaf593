// Supervisor analytics: what the composition uses.
export { type AnalyticsService, createAnalyticsService } from './analytics.ts';
