// The app's SSH_ASKPASS helper for the OpenSSH transport. OpenSSH runs SSH_ASKPASS (with
// SSH_ASKPASS_REQUIRE=force) for every question it has: unknown host key, key passphrase,
// password, keyboard-interactive, FIDO PIN and touch. The helper is a tiny node script that
// sends the prompt over a private UNIX socket (in the app's 0700 control directory, one socket
// per ssh process that may ask) and prints the answer it gets back on its stdout, which is a
// pipe to ssh. No secret is ever in argv, the environment or a file: the environment holds only
// the socket's path; the answer travels socket → helper → pipe.
import { randomBytes } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

/** What OpenSSH asked, as the helper got it: argv[1] and $SSH_ASKPASS_PROMPT. */
export interface AskpassRequest {
  readonly prompt: string;
  /** '' (a question), 'confirm' (yes/no), 'none' (a notice such as a FIDO touch; no answer is read). */
  readonly hint: string;
}

export type ClassifiedPrompt =
  | { readonly kind: 'host-key'; readonly hostPattern: string; readonly keyType: string; readonly fingerprint: string }
  | { readonly kind: 'passphrase'; readonly keyPath: string }
  | { readonly kind: 'password'; readonly user: string; readonly host: string }
  | { readonly kind: 'pin'; readonly key: string }
  | { readonly kind: 'notice'; readonly text: string }
  | { readonly kind: 'confirm'; readonly text: string }
  | { readonly kind: 'other'; readonly user: string; readonly host: string; readonly text: string };

const MAX_PROMPT = 4096;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

const KEY_TYPES: Readonly<Record<string, string>> = {
  ED25519: 'ssh-ed25519',
  ECDSA: 'ecdsa-sha2',
  RSA: 'ssh-rsa',
  DSA: 'ssh-dss',
  'ED25519-SK': 'sk-ssh-ed25519@openssh.com',
  'ECDSA-SK': 'sk-ecdsa-sha2-nistp256@openssh.com',
};

/** Reads OpenSSH 8.x/9.x prompt texts (ssh's own wording; keyboard-interactive text is the server's). */
export function classifyPrompt(req: AskpassRequest): ClassifiedPrompt {
  const prompt = req.prompt.slice(0, MAX_PROMPT).replace(CONTROL, '');
  if (req.hint === 'none') return { kind: 'notice', text: prompt.trim() };
  const host = /The authenticity of host '([^' ]+)(?: \([^)]*\))?' can't be established\.[\s\S]*?\n(\S+) key fingerprint is (SHA256:[A-Za-z0-9+/]+)/.exec(prompt);
  if (host) {
    const type = host[2] ?? '';
    return { kind: 'host-key', hostPattern: host[1] ?? '', keyType: KEY_TYPES[type] ?? type.toLowerCase(), fingerprint: host[3] ?? '' };
  }
  if (req.hint === 'confirm') return { kind: 'confirm', text: prompt.trim() };
  const pass = /^Enter passphrase for (?:key )?'?(.+?)'?:$/.exec(prompt.trim());
  if (pass) return { kind: 'passphrase', keyPath: pass[1] ?? '' };
  const pin = /^Enter PIN for (.+?):$/.exec(prompt.trim());
  if (pin) return { kind: 'pin', key: pin[1] ?? '' };
  const pw = /^(\S+)@(\S+)'s password: ?$/.exec(prompt.trim());
  if (pw) return { kind: 'password', user: pw[1] ?? '', host: pw[2] ?? '' };
  // Keyboard-interactive: OpenSSH prefixes the server's prompt with "(user@host) ".
  const kbd = /^\((\S+?)@(\S+?)\) ([\s\S]*)$/.exec(prompt.trim());
  if (kbd) {
    const text = (kbd[3] ?? '').trim();
    if (/^password:?$/i.test(text)) return { kind: 'password', user: kbd[1] ?? '', host: kbd[2] ?? '' };
    return { kind: 'other', user: kbd[1] ?? '', host: kbd[2] ?? '', text };
  }
  return { kind: 'other', user: '', host: '', text: prompt.trim() };
}

/** The helper: its answer on stdout, exit 1 when declined; waits (until ssh ends it) on a notice. */
const HELPER = `'use strict';
const net = require('node:net');
const path = process.env.EMBERSCOPE_ASKPASS_SOCKET;
if (!path) process.exit(1);
const c = net.connect(path);
let buf = '';
c.setEncoding('utf8');
c.on('connect', () => c.write(JSON.stringify({ prompt: String(process.argv[2] || ''), hint: String(process.env.SSH_ASKPASS_PROMPT || '') }) + '\\n'));
c.on('data', (d) => {
  buf += d;
  const i = buf.indexOf('\\n');
  if (i < 0) return;
  let m;
  try { m = JSON.parse(buf.slice(0, i)); } catch { process.exit(1); }
  c.destroy();
  if (m && typeof m.answer === 'string') process.stdout.write(m.answer + '\\n', () => process.exit(0));
  else process.exit(1);
});
c.on('error', () => process.exit(1));
c.on('close', () => { if (buf.indexOf('\\n') < 0) process.exit(1); });
`;

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes the helper into the app's private control directory (0700, made by the caller) and
 * returns the path of its executable wrapper (what SSH_ASKPASS names).
 */
export async function writeAskpassHelper(dir: string, nodePath: string = process.execPath): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const id = randomBytes(6).toString('hex');
  const script = join(dir, `askpass-${id}.cjs`);
  const wrapper = join(dir, `askpass-${id}`);
  await writeFile(script, HELPER, { mode: 0o600 });
  // In Electron, process.execPath is the app: ELECTRON_RUN_AS_NODE makes it a plain node.
  await writeFile(wrapper, `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec ${shQuote(nodePath)} ${shQuote(script)} "$@"\n`, { mode: 0o700 });
  await chmod(wrapper, 0o700);
  return {
    path: wrapper,
    remove: async () => {
      await rm(script, { force: true });
      await rm(wrapper, { force: true });
    },
  };
}

/** Answers one question: the text to give ssh, null to decline, 'hold' to never answer (a notice). */
export type AskpassHandler = (req: AskpassRequest) => Promise<string | null | 'hold'>;

/** One ssh process's askpass socket; questions are answered one at a time, in order. */
export class AskpassServer {
  private readonly sockets = new Set<Socket>();
  private queue: Promise<void> = Promise.resolve();
  /** Questions asked so far (tests and diagnostics; no answers). */
  readonly asked: AskpassRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly socketPath: string,
  ) {}

  static async start(dir: string, handler: AskpassHandler): Promise<AskpassServer> {
    const socketPath = join(dir, `ask-${randomBytes(6).toString('hex')}.sock`);
    const holder: { self?: AskpassServer } = {};
    const server = createServer((conn) => {
      holder.self?.sockets.add(conn);
      conn.on('close', () => holder.self?.sockets.delete(conn));
      conn.on('error', () => undefined);
      conn.setEncoding('utf8');
      let buf = '';
      conn.on('data', (d: string) => {
        buf += d;
        if (buf.length > MAX_PROMPT * 2) return conn.destroy();
        const i = buf.indexOf('\n');
        if (i < 0) return;
        let req: AskpassRequest;
        try {
          const raw = JSON.parse(buf.slice(0, i)) as { prompt?: unknown; hint?: unknown };
          req = { prompt: typeof raw.prompt === 'string' ? raw.prompt : '', hint: typeof raw.hint === 'string' ? raw.hint : '' };
        } catch {
          return conn.destroy();
        }
        buf = '';
        holder.self?.asked.push(req);
        const previous = holder.self?.queue ?? Promise.resolve();
        const answered = previous.then(async () => {
          const answer = await handler(req).catch(() => null);
          if (answer === 'hold') return;
          if (!conn.destroyed) conn.end(`${JSON.stringify(answer === null ? { declined: true } : { answer })}\n`);
        });
        if (holder.self) holder.self.queue = answered.catch(() => undefined);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o600);
    const self = new AskpassServer(server, socketPath);
    holder.self = self;
    return self;
  }

  /** The environment an ssh process needs to ask through this socket (no secret in it). */
  env(helper: string): Record<string, string> {
    return { SSH_ASKPASS: helper, SSH_ASKPASS_REQUIRE: 'force', EMBERSCOPE_ASKPASS_SOCKET: this.socketPath };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.socketPath, { force: true });
  }
}
