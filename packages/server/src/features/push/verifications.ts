// Push verification, one step per file: start.ts, deliver.ts (the pushes), decide.ts (the code
// check), expire.ts (expiry and cancel), view.ts; record.ts is what they share. This file composes
// them into the one service the routes and the other features use.

import type { ServiceContext } from '../../platform/context.ts';
import { createDecide } from './decide.ts';
import { createDeliver } from './deliver.ts';
import { createExpiry } from './expire.ts';
import { createRecord, type VerificationDependencies } from './record.ts';
import { createStart } from './start.ts';
import { createView } from './view.ts';

export {
  type DecisionProof,
  type DeliveryState,
  decisionType,
  requestType,
  type StartVerificationInput,
  type Verification,
  type VerificationEvent,
  type VerificationEventType,
  type VerificationFilter,
} from './model.ts';

export function createVerificationService(context: ServiceContext, deps: VerificationDependencies) {
  const record = createRecord(context, deps);
  const view = createView(record);
  const expiry = createExpiry(record, view);
  const deliver = createDeliver(record);
  return {
    ...createStart(record, { ...deliver, scheduleExpiry: expiry.scheduleExpiry }),
    ...view,
    ...expiry.methods,
    ...createDecide(record, { expireOne: expiry.expireOne }),
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
