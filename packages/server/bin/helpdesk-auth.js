#!/usr/bin/env node
// Entry point for `npx helpdesk-auth`. The CLI is TypeScript run by Node 24's type stripping;
// an older Node (such as a system Node 20 outside npm scripts) gets a clear message instead.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 7)) {
  process.stderr.write(
    `helpdesk-auth needs Node.js 24.7 or newer; this is ${process.version}.\n` +
      'Run it through npm, which uses the Node 24 installed with the project: npm run cli -- <command>\n',
  );
  process.exit(2);
}
// Node's compile cache keeps each module's type-stripped and compiled code between starts (in
// NODE_COMPILE_CACHE, which the container image sets to the cache its build warmed, or else in a
// folder under the system's temporary folder). A start that finds it neither strips types nor
// compiles again: faster, and about 30 MiB less resident memory (docs/benchmarks.md, "Idle memory").
// Set in the environment too, so the signature worker thread uses it as well.
const { enableCompileCache } = await import('node:module');
const { tmpdir } = await import('node:os');
process.env.NODE_COMPILE_CACHE ||= `${tmpdir()}/node-compile-cache`;
enableCompileCache?.(process.env.NODE_COMPILE_CACHE);
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
