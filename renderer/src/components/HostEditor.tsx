// Add or edit a host added in the app (ssh_config hosts are edited in ~/.ssh/config).
import { useState } from 'react';
import type { HostInput } from '../../../core/api';
import { useStore } from '../store';
import { Modal } from './Modal';

const HOSTNAME = /^[A-Za-z0-9.:_[\]%-]+$/;
const USER = /^[A-Za-z0-9._-]*$/;

export function HostEditor({ initial, onClose }: { readonly initial: HostInput | null; readonly onClose: () => void }) {
  const saveHost = useStore((s) => s.saveHost);
  const [label, setLabel] = useState(initial?.label ?? '');
  const [hostName, setHostName] = useState(initial?.hostName ?? '');
  const [user, setUser] = useState(initial?.user ?? '');
  const [port, setPort] = useState(initial?.port ? String(initial.port) : '22');
  const [identityFile, setIdentityFile] = useState(initial?.identityFile ?? '');
  const [proxyJump, setProxyJump] = useState(initial?.proxyJump ?? '');
  const [problem, setProblem] = useState('');

  const save = async (): Promise<void> => {
    if (!HOSTNAME.test(hostName)) return setProblem('Enter a host name or IP address (letters, digits, dots, dashes).');
    if (!USER.test(user)) return setProblem('The user name may contain letters, digits, dot, dash and underscore.');
    const portN = Number(port || '22');
    if (!Number.isInteger(portN) || portN < 1 || portN > 65535) return setProblem('The port must be a number from 1 to 65535.');
    setProblem('');
    const input: HostInput = {
      ...(initial?.id ? { id: initial.id } : {}),
      label: label.trim() || hostName,
      hostName,
      user,
      port: portN,
      identityFile: identityFile.trim(),
      proxyJump: proxyJump.trim(),
    };
    const saved = await saveHost(input);
    if (saved) onClose();
  };

  return (
    <Modal title={initial ? `Edit ${initial.label}` : 'Add a host'} onClose={onClose}>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. api-prod-3" autoFocus />
        </label>
        <label className="field">
          <span>Host name or address</span>
          <input value={hostName} onChange={(e) => setHostName(e.target.value)} placeholder="10.0.4.17" required />
        </label>
        <label className="field">
          <span>User</span>
          <input value={user} onChange={(e) => setUser(e.target.value)} placeholder="your SSH user" />
        </label>
        <label className="field">
          <span>Port</span>
          <input inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
        </label>
        <label className="field wide">
          <span>Identity file (optional)</span>
          <input className="mono" value={identityFile} onChange={(e) => setIdentityFile(e.target.value)} placeholder="~/.ssh/id_ed25519" />
        </label>
        <label className="field wide">
          <span>Jump host (optional)</span>
          <input className="mono" value={proxyJump} onChange={(e) => setProxyJump(e.target.value)} placeholder="user@bastion:22" />
        </label>
        {problem ? (
          <p className="field-error wide" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="dialog-actions wide">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save host
          </button>
        </div>
      </form>
    </Modal>
  );
}
