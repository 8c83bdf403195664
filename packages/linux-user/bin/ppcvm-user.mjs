#!/usr/bin/env node
// The `ppcvm-user` executable as npm links it. It is a committed file because npm
// links a package's bin only when the target exists at install time, and
// dist/ is built after `npm ci` in a checkout.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('ppcvm-user: the package is not built yet: run `npm run build` first\n');
  process.exit(1);
}
await import(cli.href);
