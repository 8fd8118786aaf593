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
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
