export * from './errors.ts';
export * from './ids.ts';
export * from './permissions.ts';
export * from './verification.ts';
