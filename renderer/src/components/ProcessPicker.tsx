// The processes and threads of the profile as shown (after redaction: anonymized processes
// appear as their masks and new numbers): tick to show or hide one, "only" to focus on it.
import { useMemo } from 'react';
import { listProcesses, type Profile, type ProfileTransform } from '../../../core/profile';
import { useStore } from '../store';
import { formatCount, percent } from '../model/flame';

/** Processes listed; the rest are counted. */
const MAX_LISTED = 200;

export function ProcessPicker({ profile, transforms, viewKey }: { readonly profile: Profile; readonly transforms: readonly ProfileTransform[]; readonly viewKey: string }) {
  const setRowFilter = useStore((s) => s.setRowFilter);
  const procs = useMemo(() => listProcesses(profile), [profile]);
  const total = useMemo(() => procs.reduce((s, p) => s + p.samples, 0), [procs]);
  const onlyPids = transforms.find((t) => t.type === 'only-processes');
  const onlyTids = transforms.find((t) => t.type === 'only-threads');
  const shownPids = new Set(onlyPids?.type === 'only-processes' ? onlyPids.pids : procs.map((p) => p.pid));
  const shownTids = onlyTids?.type === 'only-threads' ? new Set(onlyTids.tids) : null;

  const toggle = (pid: number, on: boolean): void => {
    const next = procs.map((p) => p.pid).filter((p) => (p === pid ? on : shownPids.has(p)));
    setRowFilter(viewKey, 'only-processes', next.length === procs.length ? null : next);
  };

  return (
    <details className="panel process-picker" data-testid="process-picker">
      <summary>
        Processes and threads: {shownPids.size === procs.length ? `all ${formatCount(procs.length)}` : `${formatCount(shownPids.size)} of ${formatCount(procs.length)}`}
        {shownTids ? `, ${formatCount(shownTids.size)} threads` : ''}
      </summary>
      <div className="actions">
        <button type="button" className="link" onClick={() => { setRowFilter(viewKey, 'only-processes', null); setRowFilter(viewKey, 'only-threads', null); }}>
          Show all
        </button>
      </div>
      <ul>
        {procs.slice(0, MAX_LISTED).map((p) => (
          <li key={p.pid} data-testid="process-row">
            <div>
              <label>
                <input type="checkbox" checked={shownPids.has(p.pid)} onChange={(e) => toggle(p.pid, e.target.checked)} aria-label={`Show process ${p.comm} ${p.pid}`} />{' '}
                <span className="mono">{p.comm || '(no name)'}</span> <span className="muted">pid {p.pid}</span> {percent(p.samples, total)}%
              </label>{' '}
              <button type="button" className="link" onClick={() => setRowFilter(viewKey, 'only-processes', [p.pid])} aria-label={`Only process ${p.comm} ${p.pid}`}>
                only
              </button>
              {p.threads.length > 1 ? (
                <ul>
                  {p.threads.slice(0, MAX_LISTED).map((t) => (
                    <li key={t.tid}>
                      <span className="mono">{t.comm || '(no name)'}</span> <span className="muted">tid {t.tid}</span> {percent(t.samples, total)}%{shownTids?.has(t.tid) ? ' ✓' : ''}{' '}
                      <button type="button" className="link" onClick={() => setRowFilter(viewKey, 'only-threads', [t.tid])} aria-label={`Only thread ${t.comm} ${t.tid}`}>
                        only
                      </button>
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
      {procs.length > MAX_LISTED ? <p className="muted">{formatCount(procs.length - MAX_LISTED)} smaller processes not listed.</p> : null}
    </details>
  );
}
