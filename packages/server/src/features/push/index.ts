// Push verification: start, deliver, decide (the code check), expire and view. What other
// features may use.
export { type PushDelivery, pushAddressRules } from './channels/delivery.ts';
export { createVerificationFollowers } from './followers.ts';
export type {
  DecisionProof,
  Verification,
  VerificationEvent,
  VerificationService,
} from './verifications.ts';
