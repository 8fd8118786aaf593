export * from './client.ts';
export * from './errors.ts';
export type { Operations, Schemas } from './generated/api-types.ts';
export * from './webhook-signature.ts';
