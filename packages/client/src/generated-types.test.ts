/**
 * The client's types are generated from the server's OpenAPI document; this fails when a route
 * schema changed and the generated file was not regenerated (`npm run generate -w @helpdesk-auth/client`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generatedFile, generatedSource } from './generate/generate.ts';
import { schemaToType } from './generate/openapi-to-types.ts';

describe('generated API types', () => {
  it('match the server’s current OpenAPI document', async () => {
    const current = readFileSync(generatedFile, 'utf8');
    assert.ok(
      current === (await generatedSource()),
      'src/generated/api-types.ts is stale: run `npm run generate -w @helpdesk-auth/client`',
    );
  });

  it('translate the JSON Schema the server emits', () => {
    assert.equal(schemaToType({ anyOf: [{ type: 'string' }, { type: 'null' }] }), 'string | null');
    assert.equal(schemaToType({ type: 'string', enum: ['a', 'b'] }), '"a" | "b"');
    assert.equal(schemaToType({ $ref: '#/components/schemas/Device' }), 'Schemas["Device"]');
    assert.equal(schemaToType({ type: 'array', items: { type: 'integer' } }), 'Array<number>');
    assert.equal(
      schemaToType({ type: 'object', patternProperties: { '^.*$': {} } }),
      'Record<string, unknown>',
    );
    assert.equal(
      schemaToType({
        type: 'object',
        required: ['a'],
        properties: { a: { type: 'boolean' }, b: { type: 'string' } },
      }),
      '{\n  a: boolean;\n  b?: string;\n}',
    );
    assert.equal(
      schemaToType({ not: {} } as never),
      'unknown',
      'an unknown construct is unknown, not a wrong type',
    );
  });
});
