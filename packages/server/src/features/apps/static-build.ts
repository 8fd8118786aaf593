// Reads a web app's build into memory once, so serving it never touches the file system.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, where the web apps' builds (apps/<name>/dist) are found. */
export const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** The only kinds of file a web app's build may serve; anything else in the folder is ignored. */
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Reads a built web app (the console, the authenticator) into memory once. Only files found here
 * are ever served: a request path is a key in this map, never a path on disk, so it cannot reach
 * outside the build. Empty when the app is not built.
 */
export function loadBuild(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
      else {
        const type = contentTypes[path.extname(entry.name)];
        if (type) files.set(`${prefix}${entry.name}`, { body: readFileSync(full), type });
      }
    }
  };
  walk(dir, '');
  return files;
}
