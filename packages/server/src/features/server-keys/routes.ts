// The server's signing keys for operators: list them, and rotate them (docs/api.md).
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, operatorOrApiKey, Timestamp, toIso, toIsoOrNull } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';

const ServerKeyStatusSchema = Type.Object(
  {
    kid: Type.String(),
    status: Type.String({
      enum: ['signing', 'retiring'],
      description:
        '`signing` signs new requests; `retiring` is still published and trusted until `retiresAt`.',
    }),
    createdAt: Timestamp,
    retiresAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ServerKeyStatus', title: 'ServerKeyStatus' },
);

const ServerKeyList = Type.Object(
  {
    version: Type.Integer({ description: "The newest key set's version; 0 before the first rotation." }),
    overlapSeconds: Type.Integer({
      description: 'How long a replaced key stays trusted (SERVER_KEY_OVERLAP_SECONDS).',
    }),
    keys: Type.Array(ServerKeyStatusSchema),
  },
  { $id: 'ServerKeyList', title: 'ServerKeyList' },
);

export function registerServerKeyRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/server-keys',
    {
      config: { auth: 'server-keys:read' },
      schema: {
        tags: ['server-keys'],
        summary:
          "The server's request-signing keys: the one that signs, and those retiring after a rotation.",
        operationId: 'listServerKeys',
        security: operatorOrApiKey,
        response: { 200: ServerKeyList, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const status = await services.serverKeys.status();
      return {
        version: status.version,
        overlapSeconds: status.overlapSeconds,
        keys: status.keys.map((key) => ({
          kid: key.kid,
          status: key.status,
          createdAt: toIso(key.createdAt),
          retiresAt: toIsoOrNull(key.retiresAt),
        })),
      };
    },
  );

  app.post(
    '/v1/server-keys/rotate',
    {
      config: { auth: 'server-keys:write' },
      schema: {
        tags: ['server-keys'],
        summary:
          'Make a new request-signing key. The replaced key stays trusted for the overlap; enrolled devices learn the new one from a key set it signs.',
        operationId: 'rotateServerKeys',
        security: operatorOrApiKey,
        response: {
          201: Type.Object(
            {
              kid: Type.String({ description: 'The key that signs new requests.' }),
              replaced: Type.Array(Type.String(), { description: 'The keys it replaced.' }),
              version: Type.Integer({ description: 'The new key set version.' }),
              retiresAt: Timestamp,
            },
            { $id: 'ServerKeyRotation', title: 'ServerKeyRotation' },
          ),
          ...errorResponses(401, 403, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const rotation = await services.serverKeys.rotate({
        tenantIds: [principal.tenantId],
        actor: principal.actor,
      });
      reply.status(201);
      return { ...rotation, retiresAt: toIso(rotation.retiresAt) };
    },
  );
}
