/**
 * Writes src/generated/api-types.ts from the server's OpenAPI document. The document is built
 * from the server's route schemas by starting the app on a scratch SQLite database, so no server
 * needs to run: `npm run generate -w @helpdesk-auth/client`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestHarness } from '../../../server/src/test-support/harness.ts';
import { clientTags, generateClientTypes, type OpenApiDocument } from './openapi-to-types.ts';

export const generatedFile = fileURLToPath(new URL('../generated/api-types.ts', import.meta.url));

/** The server's OpenAPI document, as `/openapi.json` serves it. */
export async function serverOpenApiDocument(): Promise<OpenApiDocument> {
  const h = await startTestHarness('sqlite', { logLevel: 'silent' });
  try {
    const response = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    return response.json() as OpenApiDocument;
  } finally {
    await h.close();
  }
}

/** Formatted as the repository's formatter would, so `biome check` and the staleness test agree. */
function format(source: string): string {
  const biome = fileURLToPath(new URL('../../../../node_modules/.bin/biome', import.meta.url));
  return execFileSync(biome, ['format', `--stdin-file-path=${generatedFile}`], {
    input: source,
    encoding: 'utf8',
  });
}

export async function generatedSource(): Promise<string> {
  return format(generateClientTypes(await serverOpenApiDocument(), { tags: clientTags }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(generatedFile, await generatedSource());
  process.stdout.write(`Wrote ${generatedFile}\n`);
}
