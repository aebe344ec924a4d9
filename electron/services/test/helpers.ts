// Test helpers for the services' integration tests (not shipped).
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Prompts, SecretAnswer } from '../types';

export const run = promisify(execFile);

export interface PromptLog {
  hostKeys: string[];
  passphrases: string[];
  passwords: string[];
}

/** Prompts that answer from fixed values and record what was asked. */
export function scriptedPrompts(answers: { hostKey?: boolean; passphrase?: SecretAnswer | null; password?: SecretAnswer | null } = {}): Prompts & { log: PromptLog } {
  const log: PromptLog = { hostKeys: [], passphrases: [], passwords: [] };
  return {
    log,
    confirmHostKey: async (q) => {
      log.hostKeys.push(q.fingerprint);
      return answers.hostKey ?? false;
    },
    askPassphrase: async (q) => {
      log.passphrases.push(q.keyPath);
      return answers.passphrase ?? null;
    },
    askPassword: async (q) => {
      log.passwords.push(`${q.purpose}:${q.user}`);
      return answers.password ?? null;
    },
  };
}

/** Every regular file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = join(dir, name);
    const s = await stat(p);
    if (s.isDirectory()) out.push(...(await filesUnder(p)));
    else if (s.isFile()) out.push(p);
  }
  return out;
}

export async function anyFileContains(dir: string, needle: string): Promise<string | undefined> {
  for (const f of await filesUnder(dir)) {
    const bytes = await readFile(f);
    if (bytes.includes(Buffer.from(needle))) return f;
  }
  return undefined;
}
