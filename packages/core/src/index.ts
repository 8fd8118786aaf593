// The core package's main entry: the domain rules the server, the SDKs and the apps share (the
// audit chain is a separate entry, @helpdesk-auth/core/audit-chain, as it hashes with node:crypto).
export * from './activation-message.ts';
export * from './call-notices.ts';
export * from './customer-messages.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './masking.ts';
export * from './permissions.ts';
export * from './policy.ts';
export * from './policy-answers.ts';
export * from './policy-notifications.ts';
export * from './protocol.ts';
export * from './random.ts';
export * from './verification.ts';
export * from './webhook-events.ts';
