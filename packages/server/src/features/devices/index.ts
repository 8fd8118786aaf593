// Devices: enrollment, activation links, device proofs and WebAuthn keys. What other features,
// and the HTTP layer's authentication (types only), may use.

export type { ActivationChannel, ActivationDelivery } from './activation-delivery.ts';
export type { AuthenticatedDevice, DeviceAuth } from './device-auth.ts';
export type { DeliveryTarget, DeviceService, PushChannel } from './devices.ts';
export type { WebAuthnService } from './webauthn.ts';
