export * from './activation-message.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './permissions.ts';
export * from './policy.ts';
export * from './policy-answers.ts';
export * from './policy-notifications.ts';
export * from './verification.ts';
