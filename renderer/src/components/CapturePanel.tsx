// Capture: target (all / pid / process name / cgroup), frequency, duration or manual stop;
// Start and Stop; live sample and lost counters.
import { useId, useState } from 'react';
import type { CaptureTarget } from '../../../core/api';
import { CAPTURE_LIMITS, captureOptionsProblem } from '../../../core/capture/options';
import { useStore } from '../store';
import { formatCount } from '../model/flame';

type TargetKind = CaptureTarget['kind'];

export function CaptureForm({ hostId, disabled }: { readonly hostId: string; readonly disabled: boolean }) {
  const startCapture = useStore((s) => s.startCapture);
  const running = useStore((s) => s.capture?.running ?? false);
  const ids = useId();
  const [kind, setKind] = useState<TargetKind>('all');
  const [pid, setPid] = useState('');
  const [comm, setComm] = useState('');
  const [cgroup, setCgroup] = useState('');
  const [hz, setHz] = useState('99');
  const [untilStopped, setUntilStopped] = useState(true);
  const [seconds, setSeconds] = useState('30');
  const [strict, setStrict] = useState(false);
  const [kernelSymbols, setKernelSymbols] = useState<'host' | 'on' | 'off'>('host');
  const [problem, setProblem] = useState('');

  const submit = (): void => {
    const target: CaptureTarget =
      kind === 'pid' ? { kind, pid: Number(pid) } : kind === 'comm' ? { kind, name: comm.trim() } : kind === 'cgroup' ? { kind, path: cgroup.trim() } : { kind: 'all' };
    const options = {
      hz: Number(hz),
      seconds: untilStopped ? 0 : Number(seconds),
      target,
      strict,
      // 'host': resolve kernel frames when the setup granted CAP_SYSLOG (the services decide).
      ...(kernelSymbols === 'host' ? {} : { kernelSymbols: kernelSymbols === 'on' }),
    };
    // The same checks and words as the API, the services and the CLI (core/capture/options.ts).
    const why = captureOptionsProblem(options);
    if (why) return setProblem(`${why.charAt(0).toUpperCase()}${why.slice(1)}`);
    setProblem('');
    void startCapture(hostId, options);
  };

  return (
    <form
      className="capture-form"
      aria-label="Capture"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <fieldset className="target" disabled={disabled}>
        <legend>Target</legend>
        <div className="segmented" role="radiogroup" aria-label="What to profile">
          {(['all', 'pid', 'comm', 'cgroup'] as const).map((k) => (
            <label key={k} className={kind === k ? 'on' : ''}>
              <input type="radio" name={`${ids}-target`} value={k} checked={kind === k} onChange={() => setKind(k)} />
              {k === 'all' ? 'All processes' : k === 'pid' ? 'Process id' : k === 'comm' ? 'Process name' : 'Cgroup'}
            </label>
          ))}
        </div>
        {kind === 'pid' ? (
          <label className="field">
            <span>Process id</span>
            <input inputMode="numeric" value={pid} onChange={(e) => setPid(e.target.value)} placeholder="e.g. 4242" data-testid="capture-pid" />
          </label>
        ) : null}
        {kind === 'comm' ? (
          <label className="field">
            <span>Process name</span>
            <input value={comm} maxLength={CAPTURE_LIMITS.processNameLength} onChange={(e) => setComm(e.target.value)} placeholder="e.g. nginx" data-testid="capture-comm" />
          </label>
        ) : null}
        {kind === 'cgroup' ? (
          <label className="field">
            <span>Cgroup path</span>
            <input className="mono" value={cgroup} onChange={(e) => setCgroup(e.target.value)} placeholder="/system.slice/app.service" />
          </label>
        ) : null}
      </fieldset>
      <fieldset className="timing" disabled={disabled}>
        <legend>Sampling</legend>
        <label className="field">
          <span>Frequency (Hz)</span>
          <input inputMode="numeric" value={hz} onChange={(e) => setHz(e.target.value)} data-testid="capture-hz" />
        </label>
        <label className="check">
          <input type="checkbox" checked={untilStopped} onChange={(e) => setUntilStopped(e.target.checked)} />
          Until I stop it
        </label>
        {!untilStopped ? (
          <label className="field">
            <span>Duration (s)</span>
            <input inputMode="numeric" value={seconds} onChange={(e) => setSeconds(e.target.value)} data-testid="capture-seconds" />
          </label>
        ) : null}
        <label className="check" title="The agent redacts on the host: unredacted names never cross the network">
          <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.target.checked)} />
          Redact on the host (strict)
        </label>
        <label className="field" title="Kernel frames are named when the host's setup granted CAP_SYSLOG to the sampler">
          <span>Kernel symbols</span>
          <select value={kernelSymbols} onChange={(e) => setKernelSymbols(e.target.value as 'host' | 'on' | 'off')} data-testid="capture-kernel-symbols">
            <option value="host">As the host's setup allows</option>
            <option value="on">Resolve kernel frames</option>
            <option value="off">Hide kernel frame names</option>
          </select>
        </label>
      </fieldset>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={disabled || running} data-testid="capture-start">
          Start capture
        </button>
        {running ? <span className="muted">A capture is running.</span> : null}
      </div>
    </form>
  );
}

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function LiveCaptureBar() {
  const capture = useStore((s) => s.capture);
  const stopCapture = useStore((s) => s.stopCapture);
  if (!capture) return null;
  return (
    <div className={`live-bar${capture.running ? ' running' : ''}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <strong>{capture.running ? 'Capturing' : 'Capture finished'}</strong>
      <span className="muted">on {capture.hostLabel}</span>
      <span className="counter">
        <span className="label">Samples</span> <span data-testid="live-samples">{formatCount(capture.samples)}</span>
      </span>
      <span className={`counter${capture.lost > 0 ? ' warn' : ''}`}>
        <span className="label">Lost</span> <span data-testid="live-lost">{formatCount(capture.lost)}</span>
      </span>
      <span className="counter">
        <span className="label">Elapsed</span> {formatElapsed(capture.elapsedMs)}
        {capture.options.seconds > 0 ? ` / ${formatElapsed(capture.options.seconds * 1000)}` : ''}
      </span>
      <span className="spacer" />
      {capture.running || capture.stopping ? (
        // aria-disabled, not disabled: a disabled button would drop the keyboard focus to <body>.
        <button
          type="button"
          className="danger"
          onClick={() => (capture.stopping ? undefined : void stopCapture())}
          aria-disabled={capture.stopping}
          data-focus-fallback
          data-testid="capture-stop"
        >
          {capture.stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : null}
    </div>
  );
}
