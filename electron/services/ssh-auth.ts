// The authentication steps of one hop, in OpenSSH's order: ssh-agent, each identity file
// (passphrase from the keychain or asked, remembered on request), then password.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { utils, type AnyAuthMethod } from 'ssh2';
import { keychainAccount } from './secrets';
import { portOf } from './ssh-socket';
import type { SshDeps, SshEndpoint } from './ssh';

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export type AuthStep = () => Promise<AnyAuthMethod | null>;

export function identityCandidates(e: SshEndpoint): string[] {
  if (e.identityFiles.length > 0) return [...e.identityFiles];
  return DEFAULT_IDENTITIES.map((n) => join(homedir(), '.ssh', n)).filter((p) => existsSync(p));
}

export function authSteps(e: SshEndpoint, deps: SshDeps): { steps: AuthStep[]; commit: () => Promise<void> } {
  const steps: AuthStep[] = [];
  const user = e.user;
  const configured = e.identityAgent ?? '';
  const agentSock = configured === 'none' ? undefined : configured === '' || configured === 'SSH_AUTH_SOCK' ? process.env['SSH_AUTH_SOCK'] : configured;
  if (agentSock && !(e.identitiesOnly && e.identityFiles.length > 0)) {
    steps.push(async () => ({ type: 'agent', username: user, agent: agentSock }));
  }
  for (const keyPath of identityCandidates(e)) {
    steps.push(async () => {
      let data: Buffer;
      try {
        data = readFileSync(keyPath);
      } catch {
        return null;
      }
      const plain = utils.parseKey(data);
      if (!(plain instanceof Error)) return { type: 'publickey', username: user, key: data };
      if (!/encrypted|passphrase/i.test(plain.message)) {
        deps.log(`ssh: ${keyPath} is not a usable private key (${plain.message})`);
        return null;
      }
      const account = keychainAccount('passphrase', keyPath);
      const remembered = await deps.secrets.get(account);
      if (remembered !== null && !(utils.parseKey(data, remembered) instanceof Error)) {
        return { type: 'publickey', username: user, key: data, passphrase: remembered };
      }
      const canRemember = (await deps.secrets.status()).available;
      let retry = remembered !== null;
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await deps.prompts.askPassphrase({ hostLabel: e.label, keyPath, canRemember, retry });
        if (answer === null) return null;
        if (!(utils.parseKey(data, answer.secret) instanceof Error)) {
          if (answer.remember && canRemember) await deps.secrets.set(account, answer.secret);
          return { type: 'publickey', username: user, key: data, passphrase: answer.secret };
        }
        retry = true;
      }
      return null;
    });
  }
  const passwordAccount = keychainAccount('password', `${user}@${e.host}:${portOf(e)}`);
  let usedRemembered = false;
  const passwordStep = (retry: boolean): AuthStep => async () => {
    if (!usedRemembered && !retry) {
      const remembered = await deps.secrets.get(passwordAccount);
      if (remembered !== null) {
        usedRemembered = true;
        return { type: 'password', username: user, password: remembered };
      }
    }
    const canRemember = (await deps.secrets.status()).available;
    const answer = await deps.prompts.askPassword({ hostLabel: e.label, user, purpose: 'login', canRemember, retry: retry || usedRemembered });
    if (answer === null) return null;
    if (answer.remember && canRemember) pendingPassword = answer.secret;
    return { type: 'password', username: user, password: answer.secret };
  };
  let pendingPassword: string | undefined;
  steps.push(passwordStep(false), passwordStep(true), passwordStep(true));
  // After a successful login the asked password is stored (only if the user asked for it).
  const commit = async (): Promise<void> => {
    if (pendingPassword !== undefined) await deps.secrets.set(passwordAccount, pendingPassword);
  };
  return { steps, commit };
}

/** Certificates OpenSSH would offer: CertificateFile entries and KEY-cert.pub next to each key, that exist. */
export function certificatesOf(e: SshEndpoint): string[] {
  const candidates = [...(e.certificateFiles ?? []), ...e.identityFiles.map((k) => `${k}-cert.pub`)];
  return [...new Set(candidates)].filter((p) => existsSync(p));
}
