// The view's redaction: the panel's settings (core/redaction/settings.ts, the same module the
// export and the backend use) applied to the open profile with core's rules.
import type { Profile } from '../../../core/profile/types';
import { isRedactionOff, redactProfile, redactionOptionsOf, summarizeRedaction, type RedactionSettings } from '../../../core/redaction';

export interface ViewRedaction {
  readonly profile: Profile;
  /** e.g. "23 functions masked, 140 paths stripped" or "No redaction". */
  readonly summary: string;
  readonly active: boolean;
}

let viewKey: Uint8Array | null = null;
/** A random key for this window's masks: stable while toggling, never the export's key. */
function key(): Uint8Array {
  if (!viewKey) viewKey = crypto.getRandomValues(new Uint8Array(32));
  return viewKey;
}

export function redactForView(profile: Profile, settings: RedactionSettings): ViewRedaction {
  if (isRedactionOff(settings)) return { profile, summary: 'No redaction: names and paths are shown as captured', active: false };
  const result = redactProfile(profile, redactionOptionsOf(settings, key()));
  return { profile: result.profile, summary: summarizeRedaction(result.report), active: true };
}
