// Operators: accounts, sign-in sessions, API keys and single sign-on. What other features, and
// the HTTP layer's authentication (types only), may use.
export type { ApiKeyService } from './api-keys.ts';
export type { SessionService, SignedInOperator } from './sessions.ts';
