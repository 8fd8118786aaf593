// The device routes: activations, enrollment, the device's requests and its decision, WebAuthn
// keys.
import { devicePlatforms, noncePatternSource, verificationDecisions } from '@helpdesk-auth/core';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { Type } from 'typebox';
import { deviceProofHeader, requireDevice, requirePrincipal } from '../../http/authenticate.ts';
import { type EventStreams, eventStream } from '../../http/event-stream.ts';
import {
  errorResponses,
  idParam,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
  WebAuthnAssertionResponse,
  WebAuthnRegistrationResponse,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { topics } from '../../platform/live-events.ts';
import type { DecisionProof } from '../push/index.ts';
import { type Device, type PushChannel, pushKinds } from './devices.ts';

const deviceOnly = [{ deviceProof: [] }];

const DeviceSchema = Type.Object(
  {
    id: Type.String(),
    customerId: Type.String(),
    label: Type.String(),
    platform: Type.String({ enum: [...devicePlatforms] }),
    status: Type.String({ enum: ['active', 'revoked'] }),
    push: Type.Union([Type.String({ enum: [...pushKinds] }), Type.Null()], {
      description:
        'How the device is reached when its app is closed (Web Push, FCM or APNs); null: only while open.',
    }),
    createdAt: Timestamp,
    lastSeenAt: Timestamp,
    revokedAt: Type.Union([Timestamp, Type.Null()]),
    webauthn: Type.Boolean({
      description: 'A WebAuthn credential is registered: the device can approve with biometrics.',
    }),
  },
  { $id: 'Device', title: 'Device' },
);

const deviceView = (d: Device) => ({
  ...d,
  createdAt: toIso(d.createdAt),
  lastSeenAt: toIso(d.lastSeenAt),
  revokedAt: toIsoOrNull(d.revokedAt),
});

const base64url = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+=*$' });

const PushInput = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('webpush'),
      subscription: Type.Object(
        {
          endpoint: Type.String({ format: 'uri', pattern: '^https://', maxLength: 2048 }),
          keys: Type.Object({ p256dh: base64url(128), auth: base64url(64) }, { additionalProperties: false }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('fcm'),
      token: Type.String({
        minLength: 16,
        maxLength: 4096,
        pattern: '^[A-Za-z0-9_:.-]+$',
        description: "The app installation's FCM registration token.",
      }),
    },
    {
      additionalProperties: false,
      description: 'Firebase Cloud Messaging (Android, or an iOS app behind FCM).',
    },
  ),
  Type.Object(
    {
      kind: Type.Literal('apns'),
      token: Type.String({
        minLength: 64,
        maxLength: 200,
        pattern: '^[0-9A-Fa-f]+$',
        description: 'The APNs device token, in hexadecimal.',
      }),
      environment: Type.Optional(
        Type.String({
          enum: ['production', 'sandbox'],
          description:
            "The APNs environment the token was issued for (development builds: sandbox); the tenant's default when left out.",
        }),
      ),
    },
    { additionalProperties: false, description: 'Apple Push Notification service (iOS).' },
  ),
  Type.Null(),
]);

const Label = Type.String({ minLength: 1, maxLength: 100 });

const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String(),
          crv: Type.String(),
          x: Type.String(),
          y: Type.String(),
          kid: Type.String(),
          alg: Type.String(),
          use: Type.String(),
          exp: Type.Optional(
            Type.Integer({
              description: 'Only on a key replaced by a rotation: when it retires (seconds since the epoch).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'Jwks', title: 'JSON Web Key Set' },
);

const SignedRequest = Type.Object(
  {
    id: Type.String(),
    status: Type.String(),
    request: Type.String({ description: 'The request, a JWS signed by the server (typ hda-request+jwt).' }),
  },
  { $id: 'SignedRequest', title: 'SignedRequest' },
);

/**
 * What enrollment's proof header holds. The OpenAPI generator leaves a header out of an
 * operation's parameters when a security scheme of the same name covers it, and the scheme
 * describes the proof of an enrolled device, so this goes in the operation's description.
 */
const enrollmentProofDescription =
  'The `device-proof` header is required: a compact JWS with protected header `{"alg": "ES256", "typ": ' +
  '"hda-proof+jwt", "jwk": <the new public key>}` (no `kid`: the device has no id yet) and claims `htm` ' +
  '(`POST`), `htu` (PUBLIC_URL + `/v1/device/enroll`), `iat` (within DEVICE_PROOF_MAX_AGE_SECONDS of the ' +
  "server's time) and `jti`, signed by the private half of that key. A missing, invalid, stale or replayed " +
  'proof answers 401 `DEVICE_PROOF_INVALID` or `DEVICE_PROOF_REPLAYED`, before the activation code is looked ' +
  'at (docs/device-protocol.md, "Proof of possession" and "Enrollment").';

/**
 * Enrollment's proof header: optional in the schema so that a missing proof answers 401
 * DEVICE_PROOF_INVALID, not 400.
 */
const enrollmentProofHeader = Type.Object({
  [deviceProofHeader]: Type.Optional(Type.String({ maxLength: 4096 })),
});

export function registerDeviceRoutes(
  app: TypedApp,
  { services }: AppDependencies,
  streams: EventStreams,
): void {
  // -------------------------------------------------------------------------------------------
  // Operators and integrations: activations and the customer's devices
  // -------------------------------------------------------------------------------------------

  app.post(
    '/v1/customers/:id/activations',
    {
      config: { auth: 'devices:write' },
      // The body is optional (integrations send none): an absent one is validated as {}.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        tags: ['devices'],
        summary: "Create a one-time activation (code, link, QR payload) to enrol a customer's device.",
        description:
          'Valid for 10 minutes, single use. The code is shown only in this answer. An operator (not an API key) ' +
          "gets it only when the customer passed a verification in the last 15 minutes at the assurance the policy's " +
          '`enroll_device` action requires, or when the operator states an identity check in person in a branch ' +
          '(`inBranchCheck`, audited with its note); otherwise 403 IDENTITY_CHECK_REQUIRED, and the link should go ' +
          'to the phone number or e-mail address on file (POST /v1/customers/{id}/activations/send). Docs: docs/policy.md, "Enrolling a device".',
        operationId: 'createActivation',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        body: Type.Optional(
          Type.Object(
            {
              inBranchCheck: Type.Optional(
                Type.Object(
                  {
                    note: Type.String({
                      minLength: 3,
                      maxLength: 500,
                      pattern: '\\S',
                      description:
                        'How the identity was checked in person (the document seen, for example); goes into the audit entry.',
                    }),
                  },
                  {
                    additionalProperties: false,
                    description: "The operator checked the customer's identity in person, in a branch.",
                  },
                ),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            customerId: Type.String(),
            code: Type.String({
              description: '16 characters in four groups; shown once. For typing in, never to read out.',
            }),
            link: Type.String({ description: 'Opens the authenticator with the code (in the fragment).' }),
            qrPayload: Type.String({ description: 'What to encode in the QR code: the link.' }),
            expiresAt: Timestamp,
            basis: Type.String({
              enum: ['verification', 'in_branch', 'integration'],
              description:
                'Why the code was handed out: a recent verification, an in-branch identity check, or an API key (an integration answers for its own checks).',
            }),
          }),
          ...errorResponses(401, 403, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      // An operator is checked against the enrollment rule; an integration answers for its own checks.
      const activation =
        principal.actor.type === 'operator'
          ? await services.devices.handOutActivation(
              principal.tenantId,
              request.params.id,
              principal.actor,
              request.body?.inBranchCheck?.note.trim(),
            )
          : {
              ...(await services.devices.createActivation(
                principal.tenantId,
                request.params.id,
                principal.actor,
              )),
              basis: null,
            };
      reply.status(201);
      return {
        ...activation,
        expiresAt: toIso(activation.expiresAt),
        basis: activation.basis?.kind ?? 'integration',
      };
    },
  );

  app.post(
    '/v1/customers/:id/activations/send',
    {
      config: { auth: 'devices:write' },
      schema: {
        tags: ['devices'],
        summary: "Send a new activation link to the customer's phone (SMS) or mailbox (e-mail).",
        description:
          "Creates a one-time activation like POST /v1/customers/{id}/activations and sends its link through the configured provider in the customer's language. The code and link are never returned or logged; the answer says where it went, masked.",
        operationId: 'sendActivation',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        body: Type.Object(
          { channel: Type.String({ enum: ['sms', 'email'], description: 'How to send the link.' }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            customerId: Type.String(),
            channel: Type.String({ enum: ['sms', 'email'] }),
            sentTo: Type.String({ description: 'The phone number or e-mail address, masked.' }),
            expiresAt: Timestamp,
          }),
          ...errorResponses(401, 403, 404, 409, 413, 415, 502),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const sent = await services.activationDelivery.send(
        principal.tenantId,
        request.params.id,
        request.body.channel as 'sms' | 'email',
        principal.actor,
      );
      reply.status(201);
      return {
        id: sent.id,
        customerId: sent.customerId,
        expiresAt: toIso(sent.expiresAt),
        channel: sent.channel,
        sentTo: sent.sentTo,
      };
    },
  );

  app.get(
    '/v1/customers/:id/devices',
    {
      config: { auth: 'devices:read' },
      schema: {
        tags: ['devices'],
        summary: "The customer's devices, revoked ones included.",
        operationId: 'listCustomerDevices',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 200: Type.Object({ items: Type.Array(DeviceSchema) }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const devices = await services.devices.list(tenantId, request.params.id);
      return { items: devices.map(deviceView) };
    },
  );

  app.get(
    '/v1/customers/:id/device-events',
    {
      config: { auth: 'devices:read' },
      schema: {
        tags: ['devices'],
        summary:
          "Live changes to the customer's devices (server-sent events): `device-enrolled` and `device-revoked`.",
        description:
          'What the console listens to while it shows an activation: the new device appears as it enrolls. Each event carries the device id (and, when enrolled, its label and platform); read the device for the rest.',
        operationId: 'customerDeviceEvents',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: { 200: eventStream, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      await services.customers.get(tenantId, request.params.id);
      streams.open(request, reply, { topics: [topics.customerDevices(tenantId, request.params.id)] });
    },
  );

  app.get(
    '/v1/devices/:id',
    {
      config: { auth: 'devices:read' },
      schema: {
        tags: ['devices'],
        summary: 'One device.',
        operationId: 'getDevice',
        security: operatorOrApiKey,
        params: idParam('device', 'Device id.'),
        response: { 200: DeviceSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      deviceView(await services.devices.get(requirePrincipal(request).tenantId, request.params.id)),
  );

  app.patch(
    '/v1/devices/:id',
    {
      config: { auth: 'devices:write' },
      schema: {
        tags: ['devices'],
        summary: 'Rename a device.',
        operationId: 'updateDevice',
        security: operatorOrApiKey,
        params: idParam('device', 'Device id.'),
        body: Type.Object({ label: Label }, { additionalProperties: false }),
        response: { 200: DeviceSchema, ...errorResponses(401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return deviceView(
        await services.devices.update(principal.tenantId, request.params.id, request.body, principal.actor),
      );
    },
  );

  app.delete(
    '/v1/devices/:id',
    {
      config: { auth: 'devices:write' },
      schema: {
        tags: ['devices'],
        summary: 'Revoke a device. It can do nothing afterwards; the record stays.',
        operationId: 'revokeDevice',
        security: operatorOrApiKey,
        params: idParam('device', 'Device id.'),
        response: { 200: DeviceSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return deviceView(
        await services.devices.revoke(principal.tenantId, request.params.id, principal.actor),
      );
    },
  );

  // -------------------------------------------------------------------------------------------
  // The device's own API (docs/device-protocol.md)
  // -------------------------------------------------------------------------------------------

  app.get(
    '/.well-known/jwks.json',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['device'],
        summary: "The server's public request-signing keys.",
        operationId: 'getJwks',
        response: { 200: Jwks, ...errorResponses() },
      },
    },
    async () => services.serverKeys.jwks(),
  );

  app.get(
    '/v1/device/push-config',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['device'],
        summary: 'What a device needs to subscribe to push: the VAPID public key.',
        operationId: 'getPushConfig',
        response: {
          200: Type.Object({ webPush: Type.Object({ vapidPublicKey: Type.String() }) }),
          ...errorResponses(),
        },
      },
    },
    async () => ({ webPush: { vapidPublicKey: (await services.serverKeys.vapidKeys()).publicKey } }),
  );

  app.post(
    '/v1/device/enroll',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['device'],
        summary: 'Enrol a device with an activation code; the proof header carries the new public key.',
        description: enrollmentProofDescription,
        operationId: 'enrollDevice',
        // The proof is signed by the new key, which it carries in its header (jwk).
        security: deviceOnly,
        headers: enrollmentProofHeader,
        body: Type.Object(
          {
            activationCode: Type.String({ minLength: 16, maxLength: 40, pattern: '^[0-9A-Za-z -]+$' }),
            label: Label,
            platform: Type.String({ enum: [...devicePlatforms] }),
            push: Type.Optional(PushInput),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            device: DeviceSchema,
            tenant: Type.Object({ id: Type.String(), name: Type.String() }),
            issuer: Type.String(),
            jwks: Jwks,
            offlineCode: Type.Ref('OfflineSecret', {
              description:
                'The offline-code secret (RFC 6238), returned this once: the app shows codes from it without a network (docs/device-protocol.md, "Offline codes").',
            }),
            keySetVersion: Type.Integer({
              description:
                'The key set version `jwks` belongs to (0 before the first rotation): a device asks for the key sets after it.',
            }),
          }),
          ...errorResponses(401, 409, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const proof = request.headers[deviceProofHeader];
      const key = await services.deviceAuth.verifyEnrollmentProof(
        typeof proof === 'string' ? proof : undefined,
        request.method,
        request.url,
      );
      const { device, tenant, offlineCode } = await services.devices.enroll({
        activationCode: request.body.activationCode,
        label: request.body.label,
        platform: request.body.platform as Device['platform'],
        push: (request.body.push ?? null) as PushChannel | null,
        publicJwk: key.publicJwk,
        thumbprint: key.thumbprint,
        clientAddress: request.ip,
      });
      reply.status(201);
      return {
        device: deviceView(device),
        tenant,
        issuer: new URL(services.context.config.publicUrl).origin,
        // Read before the keys: a rotation in between then only makes the device fetch a set it
        // already has the keys of, never miss one.
        keySetVersion: await services.serverKeys.keySetVersion(),
        jwks: await services.serverKeys.jwks(),
        offlineCode,
      };
    },
  );

  app.get(
    '/v1/device',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: "The calling device's own record.",
        operationId: 'getOwnDevice',
        security: deviceOnly,
        response: { 200: Type.Object({ device: DeviceSchema }), ...errorResponses(401) },
      },
    },
    async (request) => {
      const device = requireDevice(request);
      return { device: deviceView(await services.devices.get(device.tenantId, device.id)) };
    },
  );

  app.get(
    '/v1/device/server-keys',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary:
          "The signed key sets after the device's version, oldest first: how a device learns the server's new signing keys.",
        operationId: 'getServerKeySets',
        security: deviceOnly,
        querystring: Type.Object(
          {
            after: Type.Integer({
              minimum: 0,
              maximum: 2_147_483_647,
              default: 0,
              description:
                'The key set version the device holds (0: the keys from enrollment before any rotation).',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            version: Type.Integer({ description: 'The newest key set version.' }),
            keySets: Type.Array(
              Type.String({
                description: 'A key set, a JWS (typ hda-keyset+jwt) signed by a key of the set before it.',
              }),
            ),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
      requireDevice(request);
      return services.serverKeys.keySetsAfter(request.query.after);
    },
  );

  app.patch(
    '/v1/device',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary:
          'Rename the calling device or replace its push channel (Web Push subscription, FCM or APNs token).',
        operationId: 'updateOwnDevice',
        security: deviceOnly,
        body: Type.Object(
          { label: Type.Optional(Label), push: Type.Optional(PushInput) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ device: DeviceSchema }), ...errorResponses(401, 413, 415) },
      },
    },
    async (request) => {
      const device = requireDevice(request);
      const updated = await services.devices.update(
        device.tenantId,
        device.id,
        { label: request.body.label, push: request.body.push as PushChannel | null | undefined },
        { type: 'device', id: device.id },
      );
      return { device: deviceView(updated) };
    },
  );

  app.delete(
    '/v1/device',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: 'The calling device revokes itself (the customer removes it from the app).',
        operationId: 'revokeOwnDevice',
        security: deviceOnly,
        response: { 204: Type.Null(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const device = requireDevice(request);
      await services.devices.revoke(device.tenantId, device.id, { type: 'device', id: device.id });
      reply.status(204);
      return null;
    },
  );

  app.post(
    '/v1/device/webauthn/registration-options',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: 'Options for registering a WebAuthn credential (biometric approval) on this device.',
        operationId: 'webauthnRegistrationOptions',
        security: deviceOnly,
        response: {
          200: Type.Object({
            options: Type.Record(Type.String(), Type.Unknown(), {
              description:
                'PublicKeyCredentialCreationOptionsJSON; the challenge is valid for 5 minutes, once.',
            }),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
      const options = await services.webauthn.registrationOptions(requireDevice(request));
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/v1/device/webauthn/registration',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: "Register this device's WebAuthn credential; replaces an earlier one.",
        operationId: 'webauthnRegister',
        security: deviceOnly,
        body: Type.Object({ response: WebAuthnRegistrationResponse }, { additionalProperties: false }),
        response: { 201: Type.Object({ device: DeviceSchema }), ...errorResponses(401, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const device = await services.webauthn.register(
        requireDevice(request),
        request.body.response as unknown as RegistrationResponseJSON,
      );
      reply.status(201);
      return { device: deviceView(device) };
    },
  );

  app.get(
    '/v1/device/verifications',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: "The customer's pending requests, newest first, each signed by the server.",
        operationId: 'listDeviceRequests',
        security: deviceOnly,
        response: {
          200: Type.Object({ verifications: Type.Array(SignedRequest) }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => ({
      verifications: await services.verifications.pendingForDevice(requireDevice(request)),
    }),
  );

  app.get(
    '/v1/device/verifications/:id',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: 'One request, signed by the server; records that it was opened.',
        operationId: 'getDeviceRequest',
        security: deviceOnly,
        params: idParam('verification', 'Verification id.'),
        response: { 200: SignedRequest, ...errorResponses(401, 404) },
      },
    },
    async (request) => services.verifications.openOnDevice(requireDevice(request), request.params.id),
  );

  app.post(
    '/v1/device/verifications/:id/decision',
    {
      // The signed decision is its own proof of possession (docs/device-protocol.md, "Decisions").
      config: { auth: 'public' },
      schema: {
        tags: ['device'],
        summary:
          "The customer's decision, signed by the device key or proven by a WebAuthn assertion: approve (with the code), deny, report fraud.",
        operationId: 'decideRequest',
        params: idParam('verification', 'Verification id.'),
        body: Type.Union([
          Type.Object(
            {
              signedDecision: Type.String({
                minLength: 1,
                maxLength: 4096,
                description:
                  'Compact JWS (typ hda-decision+jwt, ES256, kid: the device id) over the decision payload, ' +
                  'JSON in any form; its members are compared with the request (docs/device-protocol.md, "Decisions").',
              }),
            },
            { additionalProperties: false, title: 'Decision signed by the device key' },
          ),
          Type.Object(
            {
              decision: Type.Object(
                {
                  decision: Type.String({ enum: [...verificationDecisions] }),
                  code: Type.Union([Type.String({ pattern: '^[0-9]{1,6}$' }), Type.Null()]),
                  nonce: Type.String({ pattern: noncePatternSource }),
                  iat: Type.Integer({ minimum: 0 }),
                },
                { additionalProperties: false },
              ),
              webauthn: WebAuthnAssertionResponse,
            },
            { additionalProperties: false, title: 'Decision proven by a WebAuthn assertion' },
          ),
        ]),
        response: {
          200: Type.Object({ id: Type.String(), status: Type.String() }),
          ...errorResponses(401, 403, 404, 409, 413, 415, 422),
        },
      },
    },
    async (request) => services.verifications.decide(request.params.id, request.body as DecisionProof),
  );

  app.get(
    '/v1/device/events',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: 'Live channel (server-sent events): new and finished requests, new devices, revocation.',
        operationId: 'deviceEvents',
        security: deviceOnly,
        response: {
          200: eventStream,
          ...errorResponses(401),
        },
      },
    },
    async (request, reply) => {
      const device = requireDevice(request);
      streams.open(request, reply, {
        topics: [topics.customer(device.tenantId, device.customerId), topics.device(device.id)],
        // The device's own revocation ends its stream; another device's is only news.
        end: (event) => event.type === 'device-revoked' && event.data.deviceId === device.id,
      });
    },
  );
}
