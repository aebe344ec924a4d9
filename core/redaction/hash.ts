// The keyed hash behind masked names: HMAC-SHA-256 (@noble/hashes, audited, pure JS) over a
// domain tag and the original string. Without the key nobody can confirm a guessed name
// ("is fn:3f9a1c2b VerifyToken?"), which a plain hash would allow.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { EmberError } from '../errors';

export const MIN_KEY_BYTES = 16;
/** Hex digits of a masked name: 32 bits, so collisions stay unlikely below tens of thousands of masked names. */
export const MASK_HEX_DIGITS = 8;

export type MaskDomain = 'fn' | 'file' | 'lib' | 'proc';

/** Matches a string this module produced, so that redacting twice changes nothing. */
export const MASKED = new RegExp(`^(?:fn|file|lib|proc):[0-9a-f]{${MASK_HEX_DIGITS}}$`);

export function checkKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < MIN_KEY_BYTES) {
    throw new EmberError('BAD_OPTIONS', `the redaction key must be at least ${MIN_KEY_BYTES} random bytes`);
  }
  return key;
}

/**
 * A fresh random key (32 bytes) from the platform's CSPRNG (Web Crypto, present in Node,
 * Electron and browsers): the default per export, so exports cannot be linked to each other.
 */
export function randomRedactionKey(): Uint8Array {
  const cryptoApi = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof cryptoApi?.getRandomValues !== 'function') throw new EmberError('INTERNAL', 'no secure random number generator is available for the redaction key');
  return cryptoApi.getRandomValues(new Uint8Array(32));
}

/** Reads a team key kept as hex (the keychain stores text). */
export function keyFromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new EmberError('BAD_OPTIONS', 'the redaction key must be written in hex');
  return checkKey(hexToBytes(hex.toLowerCase()));
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
}

export function sha256Hex(message: Uint8Array): string {
  return bytesToHex(sha256(message));
}

/** `fn:3f9a1c2b`: the first hex digits of HMAC-SHA-256(key, domain ‖ 0x00 ‖ value). */
export function maskedName(key: Uint8Array, domain: MaskDomain, value: string): string {
  const mac = hmacSha256(key, utf8ToBytes(`${domain}\u0000${value}`));
  return `${domain}:${bytesToHex(mac).slice(0, MASK_HEX_DIGITS)}`;
}

export { bytesToHex, hexToBytes, utf8ToBytes };
