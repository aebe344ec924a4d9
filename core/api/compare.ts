// "Compare with the previous capture of this host": which library entry that is.
import { EmberError } from '../errors';
import type { CaptureSummary } from './types';

/** The latest capture of the same host that started before `target` (imports have no host and no previous). */
export function previousCaptureOf(captures: readonly CaptureSummary[], target: CaptureSummary): CaptureSummary {
  if (target.source !== 'capture' || target.host === '') {
    throw new EmberError('NOT_FOUND', `"${target.title}" is an imported file, not a capture of a host: choose a base from the library.`);
  }
  let best: CaptureSummary | undefined;
  for (const c of captures) {
    if (c.id === target.id || c.source !== 'capture' || c.host !== target.host) continue;
    if (c.startedMs > target.startedMs || (c.startedMs === target.startedMs && c.id >= target.id)) continue;
    if (!best || c.startedMs > best.startedMs || (c.startedMs === best.startedMs && c.id > best.id)) best = c;
  }
  if (!best) throw new EmberError('NOT_FOUND', `The library has no earlier capture of ${target.host} to compare with.`);
  return best;
}
