// The verification policy: which methods a customer may use, failure counting, when push is
// refused, and the notices a customer gets. What other features may use.
export { type CustomerMethodService, createCustomerMethodService, findCustomer } from './customer-methods.ts';
export { type AttemptReservation, recordFailedAttempt, reserveAttempt } from './failures.ts';
export { type CustomerNotifier, createCustomerNotifier, type NoticePush } from './notifications.ts';
export { createPolicyService, loadPolicy, policyCache } from './policies.ts';
export { assertPushAllowed } from './push-guard.ts';
