// The CLI's questions: on the terminal (/dev/tty) when there is one, refused otherwise.
// Secrets are read without echo and never printed.
import { openSync, closeSync, createWriteStream } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { Prompts } from '../services/types';

export function haveTerminal(): boolean {
  if (process.env['EMBERSCOPE_NO_TTY'] === '1') return false;
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return Boolean(process.stdin.isTTY || process.stderr.isTTY);
  } catch {
    return false;
  }
}

async function ask(question: string, secret: boolean): Promise<string | null> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return null;
  }
  const input = new ReadStream(fd);
  const output = createWriteStream('', { fd, autoClose: false });
  output.write(question);
  if (secret) input.setRawMode(true);
  return new Promise((resolve) => {
    let buf = '';
    const done = (value: string | null): void => {
      if (secret) input.setRawMode(false);
      output.write('\n');
      input.pause();
      input.destroy();
      resolve(value);
    };
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(buf);
        if (ch === '\u0003' || ch === '\u0004') return done(null);
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    });
  });
}

export async function confirm(question: string): Promise<boolean> {
  const a = await ask(`${question} [y/N] `, false);
  return a !== null && /^y(es)?$/i.test(a.trim());
}

export function cliPrompts(): Prompts {
  const tty = haveTerminal();
  return {
    confirmHostKey: async (q) => {
      if (!tty) return false;
      process.stderr.write(
        `The authenticity of ${q.hostLabel} (${q.hostPattern}) can't be established.\n${q.keyType} key fingerprint is ${q.fingerprint}.\n`,
      );
      return confirm('Are you sure you want to continue connecting (the key is added to the known hosts)?');
    },
    askPassphrase: async (q) => {
      if (!tty) return null;
      const secret = await ask(`${q.retry ? 'Wrong passphrase. ' : ''}Passphrase for ${q.keyPath}: `, true);
      if (secret === null) return null;
      const remember = q.canRemember ? await confirm('Remember it in the OS keychain?') : false;
      return { secret, remember };
    },
    askPassword: async (q) => {
      if (!tty) return null;
      const what = q.purpose === 'sudo' ? `sudo password for ${q.user} on ${q.hostLabel}` : `Password for ${q.user}@${q.hostLabel}`;
      const secret = await ask(`${q.retry ? 'Try again. ' : ''}${what}: `, true);
      if (secret === null) return null;
      const remember = q.canRemember ? await confirm('Remember it in the OS keychain?') : false;
      return { secret, remember };
    },
  };
}
