// Capture: target (all / pid / process name / cgroup), frequency, duration or manual stop;
// Start and Stop; live sample and lost counters.
import { useId, useState } from 'react';
import type { CaptureTarget } from '../../../core/api';
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
  const [problem, setProblem] = useState('');

  const submit = (): void => {
    const hzN = Number(hz);
    if (!Number.isInteger(hzN) || hzN < 1 || hzN > 10000) return setProblem('Frequency must be a whole number of Hz between 1 and 10000 (99 is a good default).');
    const secN = untilStopped ? 0 : Number(seconds);
    if (!Number.isInteger(secN) || secN < 0 || secN > 86400) return setProblem('Duration must be a whole number of seconds, at most 86400.');
    let target: CaptureTarget;
    if (kind === 'pid') {
      const p = Number(pid);
      if (!Number.isInteger(p) || p < 1) return setProblem('Enter the process id (a positive whole number).');
      target = { kind, pid: p };
    } else if (kind === 'comm') {
      if (!comm.trim() || comm.length > 15) return setProblem('Enter the process name as the kernel shows it (at most 15 characters).');
      target = { kind, name: comm.trim() };
    } else if (kind === 'cgroup') {
      if (!cgroup.startsWith('/')) return setProblem('Enter the cgroup path starting with /, e.g. /system.slice/nginx.service.');
      target = { kind, path: cgroup };
    } else {
      target = { kind: 'all' };
    }
    setProblem('');
    void startCapture(hostId, { hz: hzN, seconds: secN, target, strict });
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
            <input value={comm} maxLength={15} onChange={(e) => setComm(e.target.value)} placeholder="e.g. nginx" data-testid="capture-comm" />
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
      {capture.running ? (
        <button type="button" className="danger" onClick={() => void stopCapture()} disabled={capture.stopping} data-testid="capture-stop">
          {capture.stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : null}
    </div>
  );
}
