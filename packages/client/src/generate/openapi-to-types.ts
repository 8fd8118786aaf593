/**
 * Turns the server's OpenAPI 3.1 document into the TypeScript types this client uses, so the
 * request and response shapes are written once, as the server's route schemas. Only the JSON
 * Schema the server emits is handled (TypeBox output: objects, arrays, unions, enums, records,
 * $refs); anything else becomes `unknown` rather than a wrong type.
 *
 * Why not openapi-typescript: it drives the TypeScript compiler API, which the TypeScript
 * version of this repository (7, the native compiler) no longer offers.
 */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  description?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
  description?: string;
}

interface Operation {
  operationId: string;
  summary?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (identifier.test(name) ? name : JSON.stringify(name));

function comment(text: string | undefined, indent: string): string {
  if (!text) return '';
  return `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim()} */\n`;
}

export function schemaToType(schema: JsonSchema, indent = ''): string {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return `Schemas[${JSON.stringify(name)}]`;
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return branches.map((b) => wrap(schemaToType(b, indent))).join(' | ');
  const types = [schema.type ?? []].flat();
  if (types.length > 1) return types.map((t) => schemaToType({ ...schema, type: t }, indent)).join(' | ');
  switch (types[0]) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${schemaToType(schema.items ?? {}, indent)}>`;
    case 'object':
      return objectType(schema, indent);
    default:
      return schema.properties ? objectType(schema, indent) : 'unknown';
  }
}

function wrap(type: string): string {
  return type.includes('=>') ? `(${type})` : type;
}

function objectType(schema: JsonSchema, indent: string): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    lines.push(
      `${comment(property.description, inner)}${inner}${key(name)}${required.has(name) ? '' : '?'}: ${schemaToType(property, inner)};\n`,
    );
  }
  const pattern = Object.values(schema.patternProperties ?? {})[0];
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : pattern;
  if (additional) {
    if (lines.length === 0) return `Record<string, ${schemaToType(additional, indent)}>`;
    lines.push(`${inner}[key: string]: unknown;\n`);
  }
  if (lines.length === 0) return 'Record<string, never>';
  return `{\n${lines.join('')}${indent}}`;
}

function paramsObject(parameters: Parameter[], indent: string): string {
  if (parameters.length === 0) return 'undefined';
  const inner = `${indent}  `;
  const lines = parameters.map(
    (p) =>
      `${comment(p.description ?? p.schema.description, inner)}${inner}${key(p.name)}${p.required ? '' : '?'}: ${schemaToType(p.schema, inner)};\n`,
  );
  return `{\n${lines.join('')}${indent}}`;
}

export interface GenerateOptions {
  /** Operations with one of these tags (and a JSON answer) are included. */
  tags: string[];
}

/** The generated module's text. Deterministic: the same document gives the same bytes. */
export function generateClientTypes(doc: OpenApiDocument, options: GenerateOptions): string {
  const operations: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op.tags?.some((t) => options.tags.includes(t))) continue;
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
      const content = success?.[1].content;
      // Event streams are not request/response calls.
      if (content && !content['application/json']) continue;
      operations.push({ method: method.toUpperCase(), path, op });
    }
  }
  operations.sort((a, b) => a.op.operationId.localeCompare(b.op.operationId));

  const out: string[] = [
    '// Generated from the server’s OpenAPI document by `npm run generate -w @helpdesk-auth/client`.',
    '// Do not edit: change the route schemas in packages/server and generate again.',
    '',
    '/** Named schemas of the API (components.schemas). */',
    'export interface Schemas {',
  ];
  for (const name of Object.keys(doc.components.schemas).sort()) {
    const schema = doc.components.schemas[name]!;
    out.push(`${comment(schema.description, '  ')}  ${key(name)}: ${schemaToType(schema, '  ')};`);
  }
  out.push(
    '}',
    '',
    '/** Every operation the client calls, by operationId. */',
    'export interface Operations {',
  );
  for (const { method, path, op } of operations) {
    const parameters = op.parameters ?? [];
    const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))!;
    const body = op.requestBody?.content['application/json']?.schema;
    const response = success[1].content?.['application/json']?.schema;
    out.push(
      `${comment(op.summary, '  ')}  ${op.operationId}: {`,
      `    method: ${JSON.stringify(method)};`,
      `    path: ${JSON.stringify(path)};`,
      `    status: ${success[0]};`,
      `    pathParams: ${paramsObject(
        parameters.filter((p) => p.in === 'path'),
        '    ',
      )};`,
      `    query: ${paramsObject(
        parameters.filter((p) => p.in === 'query'),
        '    ',
      )};`,
      `    body: ${body ? schemaToType(body, '    ') : 'undefined'};`,
      `    response: ${response ? schemaToType(response, '    ') : 'undefined'};`,
      '  };',
    );
  }
  out.push(
    '}',
    '',
    '/** Method and path of each operation, for the request function. */',
    'export const operations = {',
  );
  for (const { method, path, op } of operations) {
    out.push(`  ${op.operationId}: { method: ${JSON.stringify(method)}, path: ${JSON.stringify(path)} },`);
  }
  out.push('} as const;', '');
  return out.join('\n');
}

/** The tags whose operations the client covers. */
export const clientTags = ['customers', 'devices', 'verifications', 'calls', 'webhooks'];
