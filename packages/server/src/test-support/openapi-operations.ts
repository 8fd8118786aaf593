// The OpenAPI document's operations, for suites that must cover every route.
import assert from 'node:assert/strict';
import type { App } from '../http/types.ts';
import { startTestHarness } from './harness.ts';

/**
 * The operations of the OpenAPI document, for suites that must cover every route: a route added
 * later is picked up (and must be covered) without editing the suite.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  minProperties?: number;
}

export interface DocumentedParameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  schema: JsonSchema;
}

export interface DocumentedOperation {
  id: string;
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  pathParams: DocumentedParameter[];
  queryParams: DocumentedParameter[];
  body: JsonSchema | undefined;
  /** Names of the security schemes the operation accepts; empty for public ones. */
  security: string[];
  /** Answers with a server-sent event stream, which stays open. */
  streams: boolean;
}

interface RawOperation {
  operationId: string;
  parameters?: DocumentedParameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

const httpMethods = ['get', 'put', 'post', 'patch', 'delete'] as const;

export async function documentedOperations(app: App): Promise<DocumentedOperation[]> {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const doc = response.json() as { paths: Record<string, Partial<Record<string, RawOperation>>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    httpMethods.flatMap((method) => {
      const op = item[method];
      if (!op) return [];
      const parameters = op.parameters ?? [];
      return [
        {
          id: op.operationId,
          method: method.toUpperCase() as DocumentedOperation['method'],
          path,
          pathParams: parameters.filter((p) => p.in === 'path'),
          queryParams: parameters.filter((p) => p.in === 'query'),
          body: op.requestBody?.content['application/json']?.schema,
          security: (op.security ?? []).flatMap((s) => Object.keys(s)),
          streams: Object.values(op.responses ?? {}).some(
            (r) => r.content?.['text/event-stream'] !== undefined,
          ),
        },
      ];
    }),
  );
}

/** The document is the same whatever the database: read it once from a throwaway app. */
export async function loadDocumentedOperations(): Promise<DocumentedOperation[]> {
  const h = await startTestHarness('sqlite');
  try {
    return await documentedOperations(h.app);
  } finally {
    await h.close();
  }
}
