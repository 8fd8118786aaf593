// The SCIM discovery documents: what this service provider supports.
import { maxPageSize, userSchemaUrn } from './scim-users.ts';

/**
 * The SCIM discovery documents (RFC 7644 section 4, RFC 7643 sections 5-7): what this service
 * provider supports, so a client (or a person) can check before provisioning.
 */
export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    // The guide (docs/integrations/scim.md) is not served by the server; the API reference is.
    documentationUri: `${baseUrl}/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: maxPageSize },
    changePassword: { supported: false },
    sort: { supported: false },
    // meta.version and the ETag header; If-Match on PUT, PATCH and DELETE (412 when it is stale).
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'API key',
        description: 'An API key with the scim scope, sent as Authorization: Bearer <key>.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/scim/v2/ServiceProviderConfig` },
  };
}

export function userResourceType(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'A customer of the helpdesk: the person who calls and is verified.',
    schema: userSchemaUrn,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/scim/v2/ResourceTypes/User` },
  };
}

const attribute = (
  name: string,
  description: string,
  extra: Partial<{
    type: string;
    multiValued: boolean;
    required: boolean;
    caseExact: boolean;
    mutability: string;
    uniqueness: string;
    subAttributes: unknown[];
    returned: string;
  }> = {},
) => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const multiValuedParts = (what: string) => [
  attribute('value', `The ${what}.`),
  attribute('type', `A label: work, home, mobile, other.`),
  attribute('primary', 'Whether this is the one to use; only the primary value is kept.', {
    type: 'boolean',
  }),
];

export function userSchema(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: userSchemaUrn,
    name: 'User',
    description: 'A customer. Only the attributes listed are stored; others are accepted and ignored.',
    attributes: [
      attribute('userName', 'Unique in the tenant, compared case-insensitively.', {
        required: true,
        uniqueness: 'server',
      }),
      attribute(
        'externalId',
        "The identity provider's id; also the customer's external id. Unique in the tenant.",
        {
          caseExact: true,
          uniqueness: 'server',
        },
      ),
      attribute('name', 'The parts of the name.', {
        type: 'complex',
        subAttributes: [
          attribute('formatted', 'The full name.'),
          attribute('givenName', 'Given name.'),
          attribute('familyName', 'Family name.'),
        ],
      }),
      attribute('displayName', 'The name agents see.'),
      attribute('emails', 'E-mail addresses; the primary one is kept.', {
        type: 'complex',
        multiValued: true,
        subAttributes: multiValuedParts('e-mail address'),
      }),
      attribute(
        'phoneNumbers',
        'Phone numbers; the primary one is kept when it is a valid number in international form (+ and the country code). Another number is not kept, and the user is stored without it.',
        {
          type: 'complex',
          multiValued: true,
          subAttributes: multiValuedParts('phone number, E.164'),
        },
      ),
      attribute('locale', 'Language tag, for example en-US: the language of messages to the customer.'),
      attribute(
        'preferredLanguage',
        'Accepted on writes for the same purpose (its first language tag sets locale); read back as locale.',
      ),
      attribute('active', 'Whether the customer is active.', { type: 'boolean' }),
    ],
    meta: { resourceType: 'Schema', location: `${baseUrl}/scim/v2/Schemas/${userSchemaUrn}` },
  };
}
