// The client package's entry: the typed client, its errors, the API's types and the webhook signature check.
export * from './client.ts';
export * from './errors.ts';
export type { Operations, Schemas } from './generated/api-types.ts';
export * from './webhook-signature.ts';
