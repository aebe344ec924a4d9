#!/usr/bin/env node
// `emberscope` (package.json bin): runs the bundled CLI from dist/cli/.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli', 'emberscope.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('emberscope: the CLI is not built yet: run npm run build first.\n');
  process.exit(1);
}
require(bundle);
