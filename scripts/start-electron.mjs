// `npm start`: launches the Electron app. Electron's binary is downloaded by the electron
// package's install step; where it is missing (machines that cannot download it, or npm set to
// skip install scripts), this says so and starts the same UI in browser mode instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const [command, args] = binary
  ? [binary, ['dist/electron/main.cjs', ...process.argv.slice(2)]]
  : [process.execPath, ['bin/emberscope.cjs', 'ui', ...process.argv.slice(2)]];

if (!binary) {
  console.error(
    'emberscope: the Electron binary is not installed (run `node node_modules/electron/install.js` where it can be downloaded); starting the same UI in browser mode instead.',
  );
}
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
