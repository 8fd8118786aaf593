// WebAuthn for the device SDK: the JSON forms of WebAuthn Level 3 (section 5.1.8, 5.4 and 5.5)
// to and from what `navigator.credentials` takes and gives. The caller passes its credentials
// container, so this module touches no browser global and loads in Node as well; browsers pass
// `navigator.credentials`, tests may pass a software authenticator of their own.
import { base64url } from 'jose';
import { DeviceSdkError } from './errors.ts';

/** The slice of the DOM's `CredentialsContainer` the SDK uses. `navigator.credentials` satisfies it. */
export interface CredentialsContainerLike {
  // The DOM's option types do not exist in a Node build; `any` lets `navigator.credentials` fit
  // without this package depending on the DOM library. The SDK passes `{ publicKey }`.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  create(options: any): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  get(options: any): Promise<unknown>;
}

/** `PublicKeyCredentialCreationOptionsJSON` (WebAuthn Level 3, section 5.4), as the server sends it. */
export interface CreationOptionsJson {
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  pubKeyCredParams: { type: string; alg: number }[];
  timeout?: number;
  excludeCredentials?: { id: string; type: string; transports?: string[] }[];
  authenticatorSelection?: Record<string, unknown>;
  attestation?: string;
  extensions?: Record<string, unknown>;
  [member: string]: unknown;
}

/** `RegistrationResponseJSON` (WebAuthn Level 3, section 5.1.8). */
export interface RegistrationResponseJson {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment?: string | null;
  clientExtensionResults: Record<string, unknown>;
  response: {
    clientDataJSON: string;
    attestationObject: string;
    transports?: string[];
    [member: string]: unknown;
  };
}

/** `AuthenticationResponseJSON` (WebAuthn Level 3, section 5.1.8). */
export interface AuthenticationResponseJson {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment?: string | null;
  clientExtensionResults: Record<string, unknown>;
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle?: string | null;
  };
}

/** What a device remembers of its WebAuthn credential, next to its key. */
export interface WebAuthnCredentialRef {
  /** The credential id, base64url. */
  credentialId: string;
  /** The relying party id the credential is scoped to (the host name of the server's PUBLIC_URL). */
  rpId: string;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bytes(text: string): Uint8Array<ArrayBuffer> {
  return base64url.decode(text) as Uint8Array<ArrayBuffer>;
}

function text(buffer: unknown): string {
  if (buffer instanceof ArrayBuffer) return base64url.encode(new Uint8Array(buffer));
  if (ArrayBuffer.isView(buffer)) {
    return base64url.encode(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  }
  throw new DeviceSdkError('WEBAUTHN_FAILED', 'The authenticator answered without the expected bytes.');
}

/** The creation options with their base64url members as bytes, for `credentials.create`. */
export function creationOptionsFromJson(json: CreationOptionsJson): Json {
  return {
    ...json,
    challenge: bytes(json.challenge),
    user: { ...json.user, id: bytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials ?? []).map((c) => ({ ...c, id: bytes(c.id) })),
  };
}

/**
 * Maps what the browser throws to SDK codes. WebAuthn Level 3, section 5.1.3 and 5.1.4: the
 * browser answers `NotAllowedError` both when the person cancels and when the time runs out,
 * and does not say which, on purpose.
 */
function fromBrowserError(error: unknown, during: 'registration' | 'assertion'): DeviceSdkError {
  if (error instanceof DeviceSdkError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return new DeviceSdkError('WEBAUTHN_CANCELLED', 'The unlock was cancelled or timed out on this device.', {
      cause: error,
    });
  }
  if (name === 'NotSupportedError' || name === 'SecurityError') {
    return new DeviceSdkError(
      'WEBAUTHN_UNAVAILABLE',
      'This browser or page cannot use a platform authenticator (it needs https or localhost, and a device unlock).',
      { cause: error },
    );
  }
  return new DeviceSdkError(
    'WEBAUTHN_FAILED',
    during === 'registration' ? 'The device unlock could not be set up.' : 'The device unlock failed.',
    { cause: error },
  );
}

// PublicKeyCredential objects are DOM objects, not plain records: any object will do here.
function credentialBase(credential: unknown): { credential: Json; response: Json } {
  const value = credential as Json | null;
  if (typeof value !== 'object' || value === null || typeof value.response !== 'object' || !value.response) {
    throw new DeviceSdkError('WEBAUTHN_FAILED', 'The authenticator returned no credential.');
  }
  return { credential: value, response: value.response as Json };
}

function extensionResults(credential: Json): Json {
  const get = credential.getClientExtensionResults;
  if (typeof get !== 'function') return {};
  const results = get.call(credential) as unknown;
  return isRecord(results) ? results : {};
}

/** The credential as `RegistrationResponseJSON`, with `toJSON()` when the browser has it. */
export function registrationResponseToJson(created: unknown): RegistrationResponseJson {
  const { credential, response } = credentialBase(created);
  const toJson = credential.toJSON;
  if (typeof toJson === 'function') return toJson.call(credential) as RegistrationResponseJson;
  const getTransports = response.getTransports;
  return {
    id: String(credential.id),
    rawId: text(credential.rawId),
    type: 'public-key',
    authenticatorAttachment: (credential.authenticatorAttachment as string | null | undefined) ?? null,
    clientExtensionResults: extensionResults(credential),
    response: {
      clientDataJSON: text(response.clientDataJSON),
      attestationObject: text(response.attestationObject),
      ...(typeof getTransports === 'function'
        ? { transports: getTransports.call(response) as string[] }
        : {}),
    },
  };
}

/** The assertion as `AuthenticationResponseJSON`, with `toJSON()` when the browser has it. */
export function authenticationResponseToJson(asserted: unknown): AuthenticationResponseJson {
  const { credential, response } = credentialBase(asserted);
  const toJson = credential.toJSON;
  if (typeof toJson === 'function') return toJson.call(credential) as AuthenticationResponseJson;
  return {
    id: String(credential.id),
    rawId: text(credential.rawId),
    type: 'public-key',
    authenticatorAttachment: (credential.authenticatorAttachment as string | null | undefined) ?? null,
    clientExtensionResults: extensionResults(credential),
    response: {
      clientDataJSON: text(response.clientDataJSON),
      authenticatorData: text(response.authenticatorData),
      signature: text(response.signature),
      userHandle: response.userHandle ? text(response.userHandle) : null,
    },
  };
}

/** Creates the credential for `options` (user verification as the options ask). */
export async function createCredential(
  credentials: CredentialsContainerLike,
  options: CreationOptionsJson,
): Promise<RegistrationResponseJson> {
  let created: unknown;
  try {
    created = await credentials.create({ publicKey: creationOptionsFromJson(options) });
  } catch (error) {
    throw fromBrowserError(error, 'registration');
  }
  if (created === null || created === undefined) {
    throw new DeviceSdkError('WEBAUTHN_CANCELLED', 'No credential was created.');
  }
  return registrationResponseToJson(created);
}

export interface AssertionOptions {
  /** base64url; for a decision, core's `decisionChallenge(fields)` (SHA-256 of the RFC 8785 payload). */
  challenge: string;
  credential: WebAuthnCredentialRef;
  /**
   * Milliseconds the browser waits for the person. The default, 55 seconds, ends the prompt before
   * the decision's `iat` leaves the server's freshness window (DEVICE_PROOF_MAX_AGE_SECONDS, 60 by
   * default): an unlock that takes longer would be refused anyway.
   */
  timeout?: number;
}

/** Asks the authenticator to sign `challenge` with the credential, user verification required. */
export async function getAssertion(
  credentials: CredentialsContainerLike,
  { challenge, credential, timeout = 55_000 }: AssertionOptions,
): Promise<AuthenticationResponseJson> {
  let asserted: unknown;
  try {
    asserted = await credentials.get({
      publicKey: {
        challenge: bytes(challenge),
        rpId: credential.rpId,
        allowCredentials: [{ type: 'public-key', id: bytes(credential.credentialId) }],
        userVerification: 'required',
        timeout,
      },
    });
  } catch (error) {
    throw fromBrowserError(error, 'assertion');
  }
  if (asserted === null || asserted === undefined) {
    throw new DeviceSdkError('WEBAUTHN_CANCELLED', 'No assertion was made.');
  }
  return authenticationResponseToJson(asserted);
}
