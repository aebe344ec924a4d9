// Compare two captures: choose a base and a target from the library (or the previous capture
// of the target's host), then a differential flame graph and the biggest regressions and
// improvements by self and total. Both profiles go through the view's redaction with the same
// key, so a masked function keeps one mask on both sides and still compares; the diff is
// normalized as `go tool pprof -normalize` does (core/profile/diff.ts), and the page says so.
import { useEffect, useMemo, useState } from 'react';
import type { CaptureSummary } from '../../../core/api';
import { buildDiffFlameTree, comparisonTable, diffProfiles, type FunctionDiff } from '../../../core/profile';
import { useStore } from '../store';
import { redactForView } from '../model/redaction';
import { formatCount } from '../model/flame';
import { FULL_AT, diffColour, points, signedSamples } from '../model/diff-colour';
import { DiffFlameGraph } from './DiffFlameGraph';
import { RedactionPanel } from './RedactionPanel';
import { Modal } from './Modal';

const PRUNE_FRACTION = 1 / 50_000;
const MAX_NODES = 20_000;
const ROWS = 25;

function label(c: CaptureSummary): string {
  const when = c.startedMs ? new Date(c.startedMs).toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' }) : '';
  return `${c.title} · ${c.source === 'import' ? 'imported' : c.host}${when ? ` · ${when}` : ''} · ${formatCount(c.samples)} samples`;
}

function ChangeTable({ title, rows, by, testId, onPick }: { readonly title: string; readonly rows: readonly FunctionDiff[]; readonly by: 'self' | 'total'; readonly testId: string; readonly onPick: (name: string) => void }) {
  return (
    <div className="change-table">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <div className="table-scroll">
          <table data-testid={testId}>
            <thead>
              <tr>
                <th scope="col" className="name-col">Function</th>
                <th scope="col" className="num" title="target × scale − base, in base samples">Δ samples</th>
                <th scope="col" className="num" title="Change of the share of all samples">Δ share</th>
                <th scope="col" className="num">Base</th>
                <th scope="col" className="num">Target</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => {
                const delta = by === 'self' ? f.selfDelta : f.totalDelta;
                const share = by === 'self' ? f.selfShareDelta : f.totalShareDelta;
                return (
                  <tr key={f.name}>
                    <td className="name-col">
                      <span className="swatch diff" style={{ background: diffColour(share) }} aria-hidden="true" />
                      <button type="button" className="link mono" title={`Zoom the graph to ${f.name}`} onClick={() => onPick(f.name)}>
                        {f.name}
                      </button>
                    </td>
                    <td className="num">{signedSamples(delta)}</td>
                    <td className="num">{points(share)}</td>
                    <td className="num">{formatCount(by === 'self' ? f.baseSelf : f.baseTotal)}</td>
                    <td className="num">{formatCount(by === 'self' ? f.targetSelf : f.targetTotal)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Pickers() {
  const library = useStore((s) => s.library);
  const open = useStore((s) => s.open);
  const comparison = useStore((s) => s.comparison);
  const openComparison = useStore((s) => s.openComparison);
  const [targetId, setTargetId] = useState<string>(() => comparison?.target.summary.id ?? open?.summary?.id ?? library[0]?.id ?? '');
  const [baseId, setBaseId] = useState<string>(() => comparison?.base.summary.id ?? library.find((c) => c.id !== targetId)?.id ?? '');
  useEffect(() => {
    if (comparison) {
      setBaseId(comparison.base.summary.id);
      setTargetId(comparison.target.summary.id);
    }
  }, [comparison]);
  const target = library.find((c) => c.id === targetId);
  const canPrevious = target !== undefined && target.source === 'capture' && target.host !== '';
  return (
    <div className="compare-pickers" role="group" aria-label="Captures to compare">
      <label>
        <span>Base (before)</span>
        <select value={baseId} onChange={(e) => setBaseId(e.target.value)} data-testid="compare-base">
          {library.map((c) => (
            <option key={c.id} value={c.id}>
              {label(c)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Target (after)</span>
        <select value={targetId} onChange={(e) => setTargetId(e.target.value)} data-testid="compare-target">
          {library.map((c) => (
            <option key={c.id} value={c.id}>
              {label(c)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="primary" disabled={!baseId || !targetId || baseId === targetId} onClick={() => void openComparison(baseId, targetId)} data-testid="compare-run">
        Compare
      </button>
      <button
        type="button"
        disabled={!canPrevious}
        title={canPrevious ? `Compare with the capture of ${target.host} before this one` : 'Only a capture of a host has a previous capture (imported files do not)'}
        onClick={() => void openComparison(null, targetId)}
        data-testid="compare-previous"
      >
        Compare with previous capture of this host
      </button>
    </div>
  );
}

function DiffExportConfirm() {
  const pending = useStore((s) => s.pendingDiffExport);
  const confirm = useStore((s) => s.confirmDiffExport);
  if (!pending) return null;
  return (
    <Modal title="Export the comparison without redaction?" onClose={() => void confirm(false)} className="prompt">
      <p>Every redaction rule is off. The pprof file will contain the original function names, file paths and process names of both captures.</p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={() => void confirm(false)} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm(true)} data-testid="export-diff-unredacted">
          Export unredacted
        </button>
      </div>
    </Modal>
  );
}

export function CompareView() {
  const comparison = useStore((s) => s.comparison);
  const redaction = useStore((s) => s.redaction);
  const library = useStore((s) => s.library);
  const requestDiffExport = useStore((s) => s.requestDiffExport);
  const [by, setBy] = useState<'self' | 'total'>('self');
  const [focus, setFocus] = useState<{ name: string; seq: number } | null>(null);
  const [resetSeq, setResetSeq] = useState(0);

  const view = useMemo(() => {
    if (!comparison) return null;
    const base = redactForView(comparison.base.profile, redaction);
    const target = redactForView(comparison.target.profile, redaction);
    return { base, target, active: base.active, summary: base.active ? `base: ${base.summary}; target: ${target.summary}` : base.summary };
  }, [comparison, redaction]);
  const tree = useMemo(() => {
    if (!view) return null;
    const t = buildDiffFlameTree(view.base.profile, view.target.profile, { minFraction: PRUNE_FRACTION, maxNodes: MAX_NODES });
    performance.mark('emberscope:diff-tree-built');
    return t;
  }, [view]);
  const table = useMemo(() => (view ? comparisonTable(diffProfiles(view.base.profile, view.target.profile), ROWS) : null), [view]);

  const pick = (name: string): void => setFocus((f) => ({ name, seq: (f?.seq ?? 0) + 1 }));
  const changes = table ? (by === 'self' ? table.bySelf : table.byTotal) : null;

  return (
    <section className="compare-view" aria-label="Compare">
      <header className="profile-header">
        <div className="profile-title">
          <h1>Compare two captures</h1>
          {comparison ? (
            <dl className="facts">
              <div>
                <dt>Base</dt>
                <dd data-testid="compare-base-title">{comparison.base.summary.title}</dd>
              </div>
              <div>
                <dt>Target</dt>
                <dd data-testid="compare-target-title">{comparison.target.summary.title}</dd>
              </div>
              <div>
                <dt>Samples</dt>
                <dd>
                  {formatCount(comparison.base.profile.meta.sampleCount)} → {formatCount(comparison.target.profile.meta.sampleCount)}
                </dd>
              </div>
              <div>
                <dt>Frequency</dt>
                <dd>
                  {comparison.base.profile.meta.hz || '—'} → {comparison.target.profile.meta.hz || '—'} Hz
                </dd>
              </div>
            </dl>
          ) : null}
        </div>
        <div className="export-buttons" role="group" aria-label="Export">
          <button type="button" disabled={!comparison} onClick={() => void requestDiffExport()} title="The diff as gzipped pprof in go tool pprof -diff_base form (base negated), with the redaction shown">
            Export diff (pprof)
          </button>
        </div>
      </header>

      {library.length < 2 ? <p className="muted">The library needs two captures to compare: import or capture another one.</p> : <Pickers />}

      {comparison && view && tree && table ? (
        <>
          <p className="normalization" role="note" data-testid="normalization">
            {table.normalization} Colour: change of each frame&apos;s share of all samples; width: both captures together.
          </p>
          <div className="toolbar" role="toolbar" aria-label="Differential flame graph controls">
            <span className="legend" aria-label="Colours">
              <span className="swatch" style={{ background: diffColour(-FULL_AT) }} /> less time in the target
              <span className="swatch" style={{ background: diffColour(0) }} /> no change
              <span className="swatch" style={{ background: diffColour(FULL_AT) }} /> more time (full colour at ±{Math.round(100 * FULL_AT)} pt)
              {tree.prunedNodes > 0 ? <span className="pruned">{formatCount(tree.prunedNodes)} tiny frames not drawn</span> : null}
              {view.active ? <span className="redaction-badge">Redacted view: {view.summary}</span> : null}
            </span>
            <span className="spacer" />
            <button type="button" onClick={() => setResetSeq((n) => n + 1)}>
              Reset zoom
            </button>
          </div>
          <DiffFlameGraph tree={tree} focus={focus} resetSeq={resetSeq} />
          <div className="lower">
            <section className="panel compare-tables" aria-labelledby="changes-title">
              <div className="section-head">
                <h2 id="changes-title">Biggest changes</h2>
                <div className="segmented" role="group" aria-label="Rank by">
                  <button type="button" aria-pressed={by === 'self'} onClick={() => setBy('self')}>
                    By self
                  </button>
                  <button type="button" aria-pressed={by === 'total'} onClick={() => setBy('total')}>
                    By total
                  </button>
                </div>
              </div>
              {changes ? (
                <div className="change-tables">
                  <ChangeTable title="Regressions" rows={changes.regressions} by={by} testId="regressions" onPick={pick} />
                  <ChangeTable title="Improvements" rows={changes.improvements} by={by} testId="improvements" onPick={pick} />
                </div>
              ) : null}
            </section>
            <RedactionPanel summary={view.summary} active={view.active} />
          </div>
        </>
      ) : null}
      <DiffExportConfirm />
    </section>
  );
}
