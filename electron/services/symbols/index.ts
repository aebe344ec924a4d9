// Symbols on the desktop: what the app adds to a capture's names after the host is done
// (debuginfod today). Configured by DEBUGINFOD_URLS or the app's setting; off when neither names
// a server.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Frame, Profile } from '../../../core/profile/types';
import { Redactor, isPreset } from '../../../core/redaction';
import { DebuginfodClient, parseDebuginfodUrls } from './debuginfod';
import { hasFunctionSymbols, nameOnDesktop, type DesktopNaming } from './desktop-names';

export interface DesktopSymbolsConfig {
  readonly dataDir: string;
  /** Server URLs (the app's setting); default: DEBUGINFOD_URLS. */
  readonly debuginfodUrls?: readonly string[];
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** How the host redacted the capture: names found on the desktop get the same preset. */
export interface HostRedaction {
  readonly strict: boolean;
  readonly preset: string;
  readonly patterns: readonly string[];
}

export class DesktopSymbols {
  readonly debuginfod: DebuginfodClient;

  constructor(private readonly config: DesktopSymbolsConfig) {
    const env = parseDebuginfodUrls(process.env['DEBUGINFOD_URLS']);
    for (const r of env.refused) config.log?.(`debuginfod: ignoring ${JSON.stringify(r)} in DEBUGINFOD_URLS (not an http or https URL)`);
    this.debuginfod = new DebuginfodClient({
      urls: config.debuginfodUrls ?? env.urls,
      cacheDir: join(config.dataDir, 'debuginfod'),
      ...(config.maxBytes !== undefined ? { maxBytes: config.maxBytes } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.log ? { log: config.log } : {}),
    });
  }

  /** Names what the host could not, where a configured source has the symbols. */
  async name(profile: Profile, host: HostRedaction = { strict: false, preset: '', patterns: [] }): Promise<DesktopNaming> {
    if (!this.debuginfod.configured) return { profile, named: 0, unnamed: {}, problems: [] };
    let redact: (f: Frame) => Frame = (f) => f;
    if (host.strict) {
      const preset = isPreset(host.preset) && host.preset !== 'none' ? host.preset : 'strict';
      const r = new Redactor({ preset, patterns: host.patterns, key: randomBytes(32) });
      redact = (f) => r.redactFrame(f);
    }
    const result = await nameOnDesktop(
      profile,
      async (buildId) => {
        const r = await this.debuginfod.find(buildId, hasFunctionSymbols);
        return r.ok ? { ok: true, path: r.path } : { ok: false, why: r.why, detail: r.detail };
      },
      'debuginfod',
      redact,
    );
    for (const p of result.problems.slice(0, 20)) this.config.log?.(`debuginfod: ${p}`);
    return result;
  }
}
