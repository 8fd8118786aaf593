// The fraud queue: what other features may use. A fraud source records its signal with
// openFraudCase in its own transaction; the policy resolves a customer's open case with its report.
export {
  type FraudCaseResolution,
  type FraudSignal,
  type FraudSignalKind,
  fraudCaseResolutions,
  fraudSignalKinds,
  openFraudCase,
  resolveOpenCaseOfCustomer,
} from './case-records.ts';
export { type CaseLocks, createFraudCaseService, type FraudCaseService } from './cases.ts';
