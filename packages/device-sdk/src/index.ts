// Browser-safe entry: nothing here touches Node APIs. The Node file store is a separate entry,
// `@helpdesk-auth/device-sdk/node-file-key-store`.
export { createIndexedDbKeyStore } from './browser-key-store.ts';
export {
  type CallNoticeTrust,
  callClockSkewSeconds,
  type VerifiedCallNotice,
  type VerifiedCallStatus,
  verifyCallNotice,
  verifyCallStatus,
} from './call-notice.ts';
export { type DecisionPayloadInput, decisionAssertionChallenge, signDecision } from './decision.ts';
export {
  type Activation,
  type ApnsEnvironment,
  type CallCheck,
  type CallReportInput,
  createDeviceClient,
  type DecideOptions,
  type DecisionOutcome,
  type DeviceClient,
  type DeviceClientOptions,
  type DeviceEvent,
  type DevicePush,
  type DeviceRecord,
  type EnrollOptions,
  type ListenOptions,
  type PushKind,
  parseActivation,
  type VerifiedRequest,
  type WebPushSubscription,
} from './device-client.ts';
export {
  DeviceSdkError,
  type DeviceSdkErrorCode,
  type DeviceSdkErrorDetails,
  type DeviceSdkErrorOptions,
  isDeviceSdkError,
  type SdkErrorCode,
  sdkErrorCodes,
} from './errors.ts';
export {
  type CryptoKey,
  type CryptoKeyPair,
  createMemoryKeyStore,
  type DeviceKeyStore,
  type DevicePlatform,
  type DeviceState,
  deviceKeyAlgorithm,
  generateDeviceKeyPair,
  type JsonWebKey,
} from './key-store.ts';
export {
  base32ToBytes,
  hotp,
  isOfflineSecret,
  type OfflineCode,
  type OfflineSecret,
  offlineCodeAt,
} from './offline-code.ts';
export {
  applyKeySet,
  applyKeySetChain,
  keySetVersionOf,
  knowsServerKey,
  signingKeyIdOf,
  usableServerKeys,
} from './server-key-sets.ts';
export { type RequestTrust, verifySignedRequest } from './signed-request.ts';
export { createSseParser, type SseEvent, type SseParser } from './sse.ts';
export {
  type AuthenticationResponseJson,
  type CreationOptionsJson,
  type CredentialsContainerLike,
  createCredential,
  getAssertion,
  type RegistrationResponseJson,
  type WebAuthnCredentialRef,
} from './webauthn.ts';
