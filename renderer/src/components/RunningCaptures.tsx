// Every capture the app runs, always in view (the top bar), each with its own Stop: a capture
// started before a reload, or on another host than the live view's, is never out of reach.
// And the question Disconnect asks while a capture runs on the host.
import { useStore } from '../store';
import { Modal } from './Modal';

function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function RunningCaptures() {
  const running = useStore((s) => s.running);
  const live = useStore((s) => (s.screen.kind === 'profile' ? s.capture?.captureId : undefined));
  const stopRunning = useStore((s) => s.stopRunning);
  const attach = useStore((s) => s.attach);
  if (running.length === 0) return null;
  return (
    <ul className="running-captures" aria-label="Running captures" data-testid="running-captures">
      {running.map((r) => (
        <li key={r.captureId} className="running-capture">
          <span className="dot" aria-hidden="true" />
          {r.captureId === live ? (
            <span>Capturing on {r.hostLabel}</span>
          ) : (
            <button type="button" className="link" onClick={() => attach(r.captureId)} title="Show its live view">
              Capturing on {r.hostLabel}
            </button>
          )}
          <span className="muted">{elapsed(r.elapsedMs)}</span>
          <button type="button" className="small danger" onClick={() => void stopRunning(r.captureId)} disabled={r.stopping} data-testid="running-stop" aria-label={`Stop the capture on ${r.hostLabel}`}>
            {r.stopping ? 'Stopping…' : 'Stop'}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function DisconnectConfirm() {
  const hostId = useStore((s) => s.pendingDisconnect);
  const all = useStore((s) => s.running);
  const label = useStore((s) => s.hosts.find((h) => h.id === s.pendingDisconnect)?.label ?? s.pendingDisconnect ?? '');
  const disconnect = useStore((s) => s.disconnect);
  if (!hostId) return null;
  const running = all.filter((r) => r.hostId === hostId);
  const cancel = (): void => useStore.setState({ pendingDisconnect: null });
  return (
    <Modal title="Stop the capture and disconnect?" onClose={cancel} className="prompt">
      <p>
        {running.length === 1 ? 'A capture is running' : `${running.length} captures are running`} on <strong>{label}</strong>. Disconnecting stops {running.length === 1 ? 'it' : 'them'} on the
        host and saves what was received in the library.
      </p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={cancel} autoFocus>
          Keep capturing
        </button>
        <button type="button" className="danger" onClick={() => void disconnect(hostId, true)} data-testid="disconnect-confirm">
          Stop and disconnect
        </button>
      </div>
    </Modal>
  );
}
