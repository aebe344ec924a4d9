// Host view: connect; privilege review (warnings by severity with evidence, why and the exact
// remediation; the capabilities a capture will use); one-time setup, commands shown first,
// with progress; then the capture form.
import { useState } from 'react';
import { SEVERITY_WORST_FIRST, type SetupOptions, type WarningView } from '../../../core/api';

import { useStore } from '../store';
import { hostAddress, toInput } from './HostList';
import { HostEditor } from './HostEditor';
import { CaptureForm } from './CapturePanel';

const SEVERITY_TITLE: Readonly<Record<string, string>> = {
  blocker: 'Blockers — a capture cannot run',
  critical: 'Critical',
  high: 'High',
  warn: 'Warnings',
  info: 'Information',
};

function WarningItem({ w }: { readonly w: WarningView }) {
  return (
    <li className={`warning sev-${w.severity}`} data-testid={`warning-${w.id}`}>
      <details>
        <summary>
          <span className={`sev-badge sev-${w.severity}`}>{w.severity}</span>
          <span className="warning-title">{w.title}</span>
          <code className="warning-id">{w.id}</code>
        </summary>
        <dl>
          <dt>Evidence</dt>
          <dd className="mono">{w.evidence}</dd>
          <dt>Why it matters</dt>
          <dd>{w.why}</dd>
          <dt>Remediation</dt>
          <dd>
            <pre className="command">{w.remediation}</pre>
          </dd>
        </dl>
      </details>
    </li>
  );
}

export function HostView({ hostId }: { readonly hostId: string }) {
  const host = useStore((s) => s.hosts.find((h) => h.id === hostId) ?? null);
  const state = useStore((s) => s.hostStates[hostId]);
  const connect = useStore((s) => s.connect);
  const disconnect = useStore((s) => s.disconnect);
  const check = useStore((s) => s.check);
  const planSetup = useStore((s) => s.planSetup);
  const runSetup = useStore((s) => s.runSetup);
  const removeHost = useStore((s) => s.removeHost);
  const [editing, setEditing] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [options, setOptions] = useState<SetupOptions>({ kernelSymbols: false, allowSysAdmin: false });

  if (!host) {
    return (
      <section className="host-view">
        <p className="muted">This host is no longer in the list.</p>
      </section>
    );
  }
  const phase = state?.phase ?? 'idle';
  const report = state?.check ?? null;
  const blockers = report?.warnings.filter((w) => w.severity === 'blocker').length ?? 0;
  const canCapture = phase === 'connected' && report !== null && report.setupInstalled && blockers === 0;

  return (
    <section className="host-view" aria-labelledby="host-title">
      <header className="host-header">
        <div>
          <h1 id="host-title">{host.label}</h1>
          <p className="muted mono">{hostAddress(host)}{host.proxyJump ? ` via ${host.proxyJump}` : ''}</p>
        </div>
        <div className="actions">
          {host.editable ? (
            <>
              <button type="button" onClick={() => setEditing(true)}>Edit</button>
              {confirmRemove ? (
                <>
                  <button type="button" className="danger" onClick={() => void removeHost(host.id)}>Really remove</button>
                  <button type="button" onClick={() => setConfirmRemove(false)} data-focus-fallback>Keep</button>
                </>
              ) : (
                <button type="button" onClick={() => setConfirmRemove(true)}>Remove</button>
              )}
            </>
          ) : null}
          {phase === 'connected' ? (
            <button type="button" onClick={() => void disconnect(host.id)}>Disconnect</button>
          ) : (
            <button type="button" className="primary" onClick={() => void connect(host.id)} disabled={phase === 'connecting'} data-testid="connect">
              {phase === 'connecting' ? 'Connecting…' : 'Connect'}
            </button>
          )}
        </div>
      </header>

      {state?.connection ? (
        <dl className="facts connection">
          <div><dt>User</dt><dd>{state.connection.user}</dd></div>
          <div><dt>Kernel</dt><dd>{state.connection.kernel || '—'}</dd></div>
          {state.connection.hostKeyFingerprint ? (
            <div><dt>Host key</dt><dd className="mono">{state.connection.hostKeyFingerprint}</dd></div>
          ) : null}
        </dl>
      ) : phase === 'idle' || phase === 'failed' ? (
        <p className="muted">Connect to review what a capture would ask of this host. Nothing runs on the host before you see it.</p>
      ) : null}

      {state?.checking && !report ? (
        <div className="progress" aria-live="polite">
          {state.upload ? (
            <>
              <progress max={Math.max(1, state.upload.total)} value={state.upload.transferred} aria-label="Upload progress" />
              <span>
                Uploading {state.upload.file} ({Math.round(state.upload.transferred / 1024)} of {Math.round(state.upload.total / 1024)} KiB), then checking its hash on the host…
              </span>
            </>
          ) : (
            <span className="muted">Reading the host's security posture…</span>
          )}
        </div>
      ) : null}

      {report ? (
        <section className="panel review" aria-labelledby="review-title">
          <div className="section-head">
            <h2 id="review-title">Privilege review</h2>
            <button type="button" className="small" onClick={() => void check(host.id)} disabled={state?.checking}>
              {state?.checking ? 'Checking…' : 'Check again'}
            </button>
          </div>
          <p>
            A capture runs the sampler with <strong>{report.capabilities.length ? report.capabilities.join(' + ') : 'no capabilities'}</strong> and nothing else, as {report.user || 'your user'}.
          </p>
          {report.warnings.length === 0 ? <p className="ok">No warnings.</p> : null}
          {SEVERITY_WORST_FIRST.map((sev) => {
            const items = report.warnings.filter((w) => w.severity === sev);
            if (items.length === 0) return null;
            return (
              <div key={sev} className="severity-group">
                <h3>
                  {SEVERITY_TITLE[sev]} <span className="count-badge">{items.length}</span>
                </h3>
                <ul className="warnings">
                  {items.map((w) => (
                    <WarningItem key={w.id} w={w} />
                  ))}
                </ul>
              </div>
            );
          })}
        </section>
      ) : null}

      {report && (!report.setupInstalled || state?.setupResult) ? (
        <section className="panel setup" aria-labelledby="setup-title">
          <h2 id="setup-title">One-time host setup</h2>
          {report.setupInstalled ? null : <p>The sampler must be installed root-owned with only its capabilities. Review the exact commands before anything runs.</p>}
          {report.setupInstalled ? null : (<>
          <label className="check">
            <input type="checkbox" checked={options.kernelSymbols} onChange={(e) => setOptions({ ...options, kernelSymbols: e.target.checked })} />
            Also resolve kernel symbols (adds CAP_SYSLOG)
          </label>
          {report.warnings.some((w) => w.id === 'kernel-too-old') ? (
            <label className="check danger-text">
              <input type="checkbox" checked={options.allowSysAdmin} onChange={(e) => setOptions({ ...options, allowSysAdmin: e.target.checked })} />
              I accept CAP_SYS_ADMIN on this old kernel (broad privilege)
            </label>
          ) : null}
          <div className="actions">
            <button type="button" onClick={() => void planSetup(host.id, options)} data-testid="setup-plan">
              Show setup commands
            </button>
          </div>
          </>)}
          {state?.plan && !report.setupInstalled ? (
            <>
              <p className="muted">{state.plan.via === 'root' ? 'These commands run as root (you are connected as root):' : state.plan.via === 'sudo-n' ? 'These commands run through sudo (no password needed):' : 'These commands run through sudo; you will be asked for the password:'}</p>
              <pre className="command" data-testid="setup-commands">{state.plan.commands.join('\n')}</pre>
              {state.plan.notes.map((n) => (
                <p key={n} className="muted">{n}</p>
              ))}
              <div className="actions">
                <button type="button" className="primary" onClick={() => void runSetup(host.id, options)} disabled={state.setupRunning} data-testid="setup-run">
                  {state.setupRunning ? 'Running setup…' : 'Run these commands'}
                </button>
              </div>
            </>
          ) : null}
          {state?.setupProgress && (state.setupRunning || !state.setupResult) ? (
            <div className="progress" aria-live="polite">
              <progress max={Math.max(1, state.setupProgress.total)} value={state.setupProgress.step} aria-label="Setup progress" />
              <span>{state.setupProgress.message}</span>
            </div>
          ) : null}
          {state?.setupResult ? (
            <div className={state.setupResult.ok ? 'ok' : 'field-error'}>
              <p>{state.setupResult.ok ? 'Setup finished and verified.' : 'Setup did not finish.'}</p>
              <pre className="command">{state.setupResult.report.join('\n')}</pre>
            </div>
          ) : null}
        </section>
      ) : null}

      {phase === 'connected' ? (
        <section className="panel" aria-labelledby="capture-title">
          <h2 id="capture-title">Capture</h2>
          {!canCapture ? (
            <p className="muted">
              {blockers > 0 ? 'Resolve the blockers above first.' : report && !report.setupInstalled ? 'Run the one-time setup first.' : 'Waiting for the privilege review.'}
            </p>
          ) : null}
          <CaptureForm hostId={host.id} disabled={!canCapture} />
        </section>
      ) : null}

      {editing ? <HostEditor initial={toInput(host)} onClose={() => setEditing(false)} /> : null}
    </section>
  );
}
