// Outbound call notices: what other features may use. A fraud-case queue hooks in at reportFakeCall.
export type { CallNoticeService } from './calls.ts';
export type { CallDelivery, CallNotice } from './model.ts';
export { type FakeCallReport, reportFakeCall } from './report.ts';
