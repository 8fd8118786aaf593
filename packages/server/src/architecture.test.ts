// The dependency rules of docs/architecture.md ("Layers and folders"), checked on every import
// in the server's sources so a new file cannot quietly break them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./', import.meta.url));

export interface Import {
  /** Source file, relative to packages/server/src, with forward slashes. */
  from: string;
  /** Imported file, relative to packages/server/src. */
  to: string;
  /** `import type`, or every named binding marked `type`: gone at run time. */
  typeOnly: boolean;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (/\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out;
}

const staticImport = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*'([^']+)'/g;
const dynamicImport = /\bimport\(\s*'([^']+)'\s*\)/g;

/** Every relative import of one file's text, as paths relative to packages/server/src. */
export function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    const to = path
      .relative(root, path.resolve(root, path.dirname(file), spec))
      .split(path.sep)
      .join('/');
    found.push({ from: file, to, typeOnly });
  };
  for (const [, , typeKeyword, clause = '', spec = ''] of text.matchAll(staticImport)) {
    const named = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
    const bindings = named
      ?.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const allTypes =
      bindings !== undefined && bindings.length > 0 && bindings.every((b) => b.startsWith('type '));
    add(spec, typeKeyword !== undefined || allTypes);
  }
  for (const [, spec = ''] of text.matchAll(dynamicImport)) add(spec, false);
  return found;
}

const layerOf = (file: string) => file.split('/')[0] ?? '';
const featureOf = (file: string) => (file.startsWith('features/') ? file.split('/')[1] : undefined);

/** The rules; each broken one is a sentence naming the import. */
export function violations(imports: Import[]): string[] {
  const broken: string[] = [];
  for (const { from, to, typeOnly } of imports) {
    const source = layerOf(from);
    const target = layerOf(to);
    const edge = `${from} imports ${to}`;
    // Tests may assemble the whole application (as test-support does) to try the code beside them;
    // only the rule between features binds them too.
    const test = from.endsWith('.test.ts');
    if (!test && ['platform', 'storage', 'providers', 'config'].includes(source)) {
      if (['features', 'app', 'http', 'cli'].includes(target)) {
        broken.push(`${edge}: ${source}/ is infrastructure and never depends on ${target}/`);
      }
    }
    if (!test && source === 'http') {
      if (target === 'features' && !(typeOnly && to === `features/${featureOf(to)}/index.ts`)) {
        broken.push(
          `${edge}: http/ takes services from the composition (app/), at most types from a feature's index.ts`,
        );
      }
      if (target === 'app' && !typeOnly) broken.push(`${edge}: http/ uses app/ for types only`);
    }
    if (source === 'features') {
      if (!test && (target === 'app' || target === 'cli')) {
        broken.push(`${edge}: features are composed by app/, never the reverse`);
      }
      const own = featureOf(from);
      const other = featureOf(to);
      if (other !== undefined && other !== own && to !== `features/${other}/index.ts`) {
        broken.push(`${edge}: features/${other}/ is reached only through features/${other}/index.ts`);
      }
    }
  }
  return broken;
}

describe('architecture: dependency rules', () => {
  it('every import in packages/server/src keeps the rules', () => {
    const imports = sourceFiles(root).flatMap((full) => {
      const file = path.relative(root, full).split(path.sep).join('/');
      return importsOf(file, readFileSync(full, 'utf8'));
    });
    assert.ok(imports.length > 500, `found only ${imports.length} imports: the parser lost track`);
    assert.deepEqual(violations(imports), []);
  });

  it('names a broken rule', () => {
    const cases: Array<[string, string]> = [
      ['platform/audit-log.ts', "import { x } from '../features/push/index.ts';"],
      ['storage/database.ts', "import { x } from '../features/push/index.ts';"],
      ['http/app.ts', "import { createDeviceService } from '../features/devices/devices.ts';"],
      ['features/push/verifications.ts', "import { findCustomer } from '../policy/customer-methods.ts';"],
      ['features/widget/routes.ts', "export { buildApp } from '../../app/build-app.ts';"],
    ];
    for (const [file, text] of cases) {
      assert.equal(violations(importsOf(file, text)).length, 1, `${file}: ${text}`);
    }
    const allowed: Array<[string, string]> = [
      ['features/push/verifications.ts', "import { findCustomer } from '../policy/index.ts';"],
      ['features/push/verifications.ts', "import { x } from './queries.ts';"],
      ['http/authenticate.ts', "import type { DeviceAuth } from '../features/devices/index.ts';"],
      ['http/types.ts', "import type { Services } from '../app/services.ts';"],
    ];
    for (const [file, text] of allowed)
      assert.deepEqual(violations(importsOf(file, text)), [], `${file}: ${text}`);
  });
});
