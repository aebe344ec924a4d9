// The headless OS keychain that the test command starts (gnome-keyring's Secret Service inside
// dbus-run-session) answers: a secret stored over D-Bus can be read back with secret-tool.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

function store(attributes: string[], secret: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('secret-tool', ['store', '--label=emberscope-smoke', ...attributes], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`secret-tool store failed: ${stderr}`))));
    child.stdin.end(secret);
  });
}

describe('Secret Service for tests', () => {
  it('stores, reads back and clears a secret', async () => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run the tests through `npm test`, which starts the keychain').toBeTruthy();
    const attributes = ['service', 'emberscope-smoke', 'account', randomBytes(4).toString('hex')];
    const secret = randomBytes(16).toString('hex');
    await store(attributes, secret);
    const { stdout } = await run('secret-tool', ['lookup', ...attributes]);
    expect(stdout).toBe(secret);
    await run('secret-tool', ['clear', ...attributes]);
    await expect(run('secret-tool', ['lookup', ...attributes])).rejects.toThrow();
  });
});
