// The details pane of the selected frame: name, this node's total and self with its share of
// the capture and of its parent, the function's totals over the capture, the frames behind the
// name (module, file:line, kind, symbolization), and the actions: copy the name, sandwich,
// focus, merge, collapse recursion. Every value is rendered as text.
import { useMemo, useState } from 'react';
import { functionDetails, type Profile, type ProfileTransform } from '../../../core/profile';
import { useStore, type SelectedFrame } from '../store';
import { formatCount, percent } from '../model/flame';

const KIND: Readonly<Record<string, string>> = { user: 'user', kernel: 'kernel', jit: 'JIT', unknown: 'unresolved', root: 'all samples', process: 'process' };
const STATUS: Readonly<Record<string, string>> = {
  symbolized: 'symbolized',
  'no-symbols': 'no symbols (address only)',
  unreadable: 'unreadable (binary not readable)',
  jit: 'JIT (perf map)',
  'kernel-hidden': 'kernel (hidden)',
};

export interface FrameDetailsProps {
  readonly frame: SelectedFrame;
  /** The profile as shown (redacted, transformed). */
  readonly profile: Profile;
  readonly viewKey: string;
  /** The process level is on: the first name of a call-tree path is a process. */
  readonly byProcess: boolean;
}

export function FrameDetails({ frame, profile, viewKey, byProcess }: FrameDetailsProps) {
  const addTransform = useStore((s) => s.addTransform);
  const showSandwich = useStore((s) => s.showSandwich);
  const selectFrame = useStore((s) => s.selectFrame);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const isProcess = frame.kind === 'process' || frame.kind === 'root';
  const fn = useMemo(() => (isProcess ? null : functionDetails(profile, frame.name)), [profile, frame.name, isProcess]);
  const capture = fn?.totalSamples ?? profile.meta.sampleCount;

  const subtree = (): ProfileTransform | null => {
    if (frame.tree !== 'call-tree') return null;
    if (byProcess) {
      const [comm, ...path] = frame.path;
      return comm === undefined ? null : { type: 'focus-subtree', comm, path };
    }
    return { type: 'focus-subtree', path: frame.path };
  };
  const subtreeTransform = subtree();
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(frame.name);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <section className="panel frame-details" aria-labelledby="frame-details-title" data-testid="frame-details">
      <h2 id="frame-details-title">
        Frame details{' '}
        <button type="button" className="link" onClick={() => selectFrame(viewKey, null)} aria-label="Close the frame details">
          ×
        </button>
      </h2>
      <dl>
        <dt>Name</dt>
        <dd className="mono" data-testid="details-name">{frame.name}</dd>
        <dt>Kind</dt>
        <dd>{KIND[frame.kind] ?? frame.kind}</dd>
        <dt>This frame</dt>
        <dd data-testid="details-node">
          total {formatCount(frame.value)} ({percent(frame.value, capture)}% of the capture
          {frame.parentValue !== null ? `, ${percent(frame.value, frame.parentValue)}% of its parent` : ''}), self {formatCount(frame.self)}
        </dd>
        {fn ? (
          <>
            <dt>Function</dt>
            <dd data-testid="details-function">
              total {formatCount(fn.total)} ({percent(fn.total, fn.totalSamples)}%), self {formatCount(fn.self)} ({percent(fn.self, fn.totalSamples)}%)
            </dd>
            {fn.frames.map((f, i) => (
              <FrameRow key={i} module={f.module} file={f.file} line={f.line} address={f.address} status={f.status} kind={f.kind} />
            ))}
            {fn.moreFrames > 0 ? (
              <>
                <dt>More</dt>
                <dd>{formatCount(fn.moreFrames)} other frames with this name</dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy name'}</button>
        {!isProcess ? (
          <>
            <button type="button" onClick={() => showSandwich(frame.name)}>Callers and callees</button>
            <button type="button" onClick={() => addTransform(viewKey, { type: 'focus-function', name: frame.name })}>Focus on function</button>
            {subtreeTransform ? <button type="button" onClick={() => addTransform(viewKey, subtreeTransform)}>Focus on subtree</button> : null}
            <button type="button" onClick={() => addTransform(viewKey, { type: 'merge-function', name: frame.name })}>Merge into callers</button>
            <button type="button" onClick={() => addTransform(viewKey, { type: 'collapse-recursion', name: frame.name })}>Collapse recursion</button>
          </>
        ) : frame.kind === 'process' && subtreeTransform ? (
          <button type="button" onClick={() => addTransform(viewKey, subtreeTransform)}>Focus on process</button>
        ) : null}
      </div>
    </section>
  );
}

function FrameRow(f: { module: string; file: string; line: number; address: string; status: string; kind: string }) {
  return (
    <>
      <dt>Module</dt>
      <dd className="mono">{f.module || '—'}</dd>
      <dt>Source</dt>
      <dd className="mono">{f.file ? `${f.file}${f.line > 0 ? `:${f.line}` : ''}` : 'unknown'}{f.address ? ` @ ${f.address}` : ''}</dd>
      <dt>Symbols</dt>
      <dd>{KIND[f.kind] ?? f.kind}, {STATUS[f.status] ?? f.status}</dd>
    </>
  );
}
