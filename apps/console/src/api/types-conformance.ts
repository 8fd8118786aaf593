/**
 * The console's API types (types.ts) are written for the console's screens; the client SDK's
 * are generated from the server's OpenAPI document. This file holds no code: it makes
 * `npm run typecheck:console` fail when the server's answers stop fitting what the console
 * reads, for every shape both describe. The check is one way on purpose: the server may send
 * fields the console does not use, but every field the console reads must be there, with a
 * type the console handles.
 */
import type { Operations, Schemas } from '../../../../packages/client/src/generated/api-types.ts';
import type { CallNotice, StartCallNotice } from '../calls/api.ts';
import type {
  Activation,
  ApiKey,
  AuditEvent,
  Customer,
  Device,
  OidcClient,
  Operator,
  Page,
  SentActivation,
  StartVerification,
  Verification,
  VerificationDetail,
} from './types.ts';

/** Compiles only when `Given` can be used where the console expects `Expected`. */
type Fits<Given extends Expected, Expected> = [Given, Expected];

type Response<Name extends keyof Operations> = Operations[Name]['response'];
type Body<Name extends keyof Operations> = Exclude<Operations[Name]['body'], undefined>;

export type Conformance = [
  // What the server sends fits what the console reads.
  Fits<Schemas['Customer'], Customer>,
  Fits<Schemas['Device'], Device>,
  Fits<Schemas['Operator'], Operator>,
  Fits<Schemas['OidcClient'], OidcClient>,
  Fits<Schemas['ApiKey'], ApiKey>,
  Fits<Schemas['AuditEvent'], AuditEvent>,
  Fits<Schemas['Verification'], Verification>,
  Fits<Response<'getVerification'>, VerificationDetail>,
  Fits<Response<'startVerification'>, Verification>,
  Fits<Response<'listVerifications'>, Page<Verification>>,
  Fits<Response<'listCustomers'>, Page<Customer>>,
  Fits<Response<'createActivation'>, Activation>,
  Fits<Response<'sendActivation'>, SentActivation>,
  Fits<Schemas['CallNotice'], CallNotice>,
  Fits<Response<'startCallNotice'>, CallNotice>,
  Fits<Response<'listCallNotices'>, { items: CallNotice[] }>,
  Fits<Response<'getActiveCallNotice'>, { notice: CallNotice | null }>,
  // What the console sends fits what the server accepts.
  Fits<StartVerification, Body<'startVerification'>>,
  Fits<StartCallNotice, Body<'startCallNotice'>>,
];
