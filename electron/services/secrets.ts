// Secrets in the OS keychain: @napi-rs/keyring pinned to the Secret Service on Linux. Its
// default would silently fall back to the kernel keyutils store, which keeps secrets only in
// memory until logout: that is refused (keychain-unavailable) instead. A secret is never written
// to a file, a log, a command line or an environment.
import { randomBytes } from 'node:crypto';
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { EmberError } from '../../core/errors';
import type { SecretsStatus } from './types';

export interface SecretStore {
  status(): Promise<SecretsStatus>;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

const OPTIONS: EntryOptions = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : {};

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}

export function keychainAccount(kind: 'passphrase' | 'password' | 'sudo', subject: string): string {
  return `${kind}:${subject}`;
}

export function createSecretStore(service = 'emberscope'): SecretStore {
  let cached: SecretsStatus | undefined;
  const entry = (account: string): AsyncEntry => new AsyncEntry(service, account, OPTIONS);
  const status = async (): Promise<SecretsStatus> => {
    if (cached) return cached;
    if (process.platform === 'linux' && !process.env['DBUS_SESSION_BUS_ADDRESS']) {
      cached = { available: false, reason: 'no D-Bus session: the Secret Service (GNOME Keyring, KWallet) cannot be reached' };
      return cached;
    }
    try {
      await entry('probe:availability').getPassword();
      cached = { available: true, reason: '' };
    } catch (error) {
      cached = { available: false, reason: `the Secret Service did not answer (${reasonOf(error)})` };
    }
    return cached;
  };
  const require = async (): Promise<void> => {
    const s = await status();
    if (!s.available) throw new EmberError('KEYCHAIN_UNAVAILABLE', `No OS keychain: ${s.reason}; secrets cannot be remembered.`);
  };
  return {
    status,
    async get(account) {
      if (!(await status()).available) return null;
      try {
        return await entry(account).getPassword();
      } catch {
        return null;
      }
    },
    async set(account, secret) {
      await require();
      try {
        await entry(account).setPassword(secret);
      } catch (error) {
        throw new EmberError('KEYCHAIN_UNAVAILABLE', `The keychain refused to store the secret (${reasonOf(error)}).`);
      }
    },
    async delete(account) {
      if (!(await status()).available) return false;
      try {
        return await entry(account).deleteCredential();
      } catch {
        return false;
      }
    },
  };
}

/** The team's redaction hash key (issue 6): kept in the keychain only, created on first use. */
export async function redactionTeamKey(store: SecretStore): Promise<Uint8Array> {
  const account = 'redaction-team-key';
  const existing = await store.get(account);
  if (existing !== null && /^[0-9a-f]{64}$/.test(existing)) return Buffer.from(existing, 'hex');
  const status = await store.status();
  if (!status.available) throw new EmberError('KEYCHAIN_UNAVAILABLE', `The team redaction key lives in the OS keychain, which is not available (${status.reason}); export with a random key instead.`);
  const key = randomBytes(32).toString('hex');
  await store.set(account, key);
  return Buffer.from(key, 'hex');
}
