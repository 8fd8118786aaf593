// Push verification: start, deliver, decide (the code check), expire and view. What other
// features may use.
export { pushAddressRules } from './delivery.ts';
export {
  type DecisionProof,
  policyOf,
  type Verification,
  type VerificationEvent,
  type VerificationService,
} from './verifications.ts';
