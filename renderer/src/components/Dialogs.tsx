// The questions the app must ask: host-key fingerprint, key passphrase, password, and the
// confirmation of an unredacted export.
import { useEffect, useState } from 'react';
import type { Prompt } from '../../../core/api';
import { useStore } from '../store';
import { Modal } from './Modal';

function PromptDialog({ prompt }: { readonly prompt: Prompt }) {
  const answer = useStore((s) => s.answerPrompt);
  const hostLabel = useStore((s) => s.hosts.find((h) => h.id === prompt.hostId)?.label ?? prompt.hostId);
  const [secret, setSecret] = useState('');
  const [remember, setRemember] = useState(false);
  const decline = (): void => void answer({ promptId: prompt.promptId, accept: false, secret: '', remember: false });

  if (prompt.kind === 'host-key') {
    return (
      <Modal title="Is this the right host?" onClose={decline} className="prompt">
        <p>
          Emberscope has never connected to <strong>{prompt.hostLabel || hostLabel}</strong>. Compare this {prompt.keyType} key fingerprint with the one the
          host's administrator gives you (on the host: <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>).
        </p>
        <p className="fingerprint mono" data-testid="fingerprint">{prompt.fingerprint}</p>
        <p className="muted">If it does not match, someone may be intercepting the connection: do not continue.</p>
        <div className="dialog-actions">
          <button type="button" onClick={decline}>Cancel</button>
          <button type="button" className="primary" data-testid="fingerprint-accept" onClick={() => void answer({ promptId: prompt.promptId, accept: true, secret: '', remember: false })}>
            The fingerprint matches — trust it
          </button>
        </div>
      </Modal>
    );
  }
  const title = prompt.kind === 'passphrase' ? 'Key passphrase' : prompt.purpose === 'sudo' ? 'sudo password' : 'Password';
  const text =
    prompt.kind === 'passphrase'
      ? `The key ${prompt.keyPath} is encrypted. Enter its passphrase to connect to ${hostLabel}.`
      : prompt.purpose === 'sudo'
        ? `Setup needs sudo on ${hostLabel}. The password goes to sudo on the host and is never stored in a file.`
        : `Enter the password for ${hostLabel}.`;
  return (
    <Modal title={title} onClose={decline} className="prompt">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void answer({ promptId: prompt.promptId, accept: true, secret, remember });
        }}
      >
        <p>{text}</p>
        <label className="field">
          <span>{title}</span>
          <input type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} autoFocus />
        </label>
        {prompt.canRemember ? (
          <label className="check">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            Remember in the system keychain
          </label>
        ) : null}
        <div className="dialog-actions">
          <button type="button" onClick={decline}>Cancel</button>
          <button type="submit" className="primary">Continue</button>
        </div>
      </form>
    </Modal>
  );
}

export function Prompts() {
  const prompt = useStore((s) => s.prompts[0]);
  return prompt ? <PromptDialog key={prompt.promptId} prompt={prompt} /> : null;
}

export function ExportConfirm() {
  const pending = useStore((s) => s.pendingExport);
  const confirm = useStore((s) => s.confirmExport);
  if (!pending) return null;
  return (
    <Modal title="Export without redaction?" onClose={() => void confirm(false)} className="prompt">
      <p>
        Every redaction rule is off. The {pending.format === 'pprof' ? 'pprof' : 'folded'} file will contain the original function names, file paths and process
        names — including those of authentication and crypto code.
      </p>
      <p className="muted">To share it, turn on a preset such as “standard” in the Redaction panel first.</p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={() => void confirm(false)} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm(true)} data-testid="export-unredacted">
          Export unredacted
        </button>
      </div>
    </Modal>
  );
}

export function ErrorBanner() {
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  const notice = useStore((s) => s.notice);
  const setNotice = useStore((s) => s.setNotice);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), 8000);
    return () => clearTimeout(t);
  }, [notice, setNotice]);
  return (
    <>
      {error ? (
        <div className="banner error" role="alert" data-testid="error">
          <div>
            <strong>{error.title}.</strong> <span>{error.message}</span> <code className="muted">{error.code}</code>
          </div>
          <button type="button" className="link" onClick={dismiss}>Dismiss</button>
        </div>
      ) : null}
      {notice ? (
        <div className="banner notice" role="status" data-testid="notice">
          <span>{notice}</span>
          <button type="button" className="link" onClick={() => setNotice(null)}>Dismiss</button>
        </div>
      ) : null}
    </>
  );
}
