// The graph area of the profile screen: which tree (call tree, inverted, sandwich), the process
// level, the process/thread picker, the transforms breadcrumb, the graph and the details pane
// of the selected frame. Everything is drawn from the profile as shown: redacted first, then
// transformed (ProfileView does both), so every view honours the redaction toggles and follows
// a live capture as its snapshots arrive.
import { useEffect, useMemo } from 'react';
import { callNodesInvertedTree, type CallNodes, type FlameTree, type Profile, type ProfileTransform } from '../../../core/profile';
import { useStore, type ViewMode } from '../store';
import { FlameGraph, type PickedFrame, type SearchResult } from './FlameGraph';
import { FrameDetails } from './FrameDetails';
import { ProcessPicker } from './ProcessPicker';
import { SandwichView } from './SandwichView';
import { TransformBreadcrumb } from './TransformBreadcrumb';

const PRUNE_FRACTION = 1 / 50_000;

export interface InvestigationViewProps {
  /** Redacted, not transformed: the picker lists every process. */
  readonly redacted: Profile;
  /** Redacted and transformed: what every view draws (made on first use). */
  readonly shown: () => Profile;
  readonly droppedSamples: number;
  readonly transforms: readonly ProfileTransform[];
  /** The call node table of `shown`, with the process level when it is on. */
  readonly nodes: CallNodes;
  /** The call tree of `shown` (built by ProfileView). */
  readonly tree: FlameTree;
  readonly byProcess: boolean;
  readonly inverted: boolean;
  readonly search: string;
  readonly focus: { readonly name: string; readonly seq: number } | null;
  readonly onSearchResult: (r: SearchResult | null) => void;
  readonly resetSeq: number;
  readonly viewKey: string;
}

const MODES: readonly { mode: ViewMode; label: string; title: string }[] = [
  { mode: 'call-tree', label: 'Call tree', title: 'Top-down: callers below (or above) their callees' },
  { mode: 'inverted', label: 'Inverted', title: 'Bottom-up: the sampled functions as roots, their callers under them' },
  { mode: 'sandwich', label: 'Sandwich', title: 'One function with all its callers and callees merged' },
];

export function InvestigationView(props: InvestigationViewProps) {
  const { shown, nodes, tree, byProcess, inverted, search, focus, onSearchResult, resetSeq, viewKey, transforms } = props;
  const viewMode = useStore((s) => s.viewMode);
  const setViewMode = useStore((s) => s.setViewMode);
  const setByProcess = useStore((s) => s.setByProcess);
  const sandwichName = useStore((s) => s.sandwichName);
  const showSandwich = useStore((s) => s.showSandwich);
  const selected = useStore((s) => (s.selected?.key === viewKey ? s.selected.frame : null));
  const selectFrame = useStore((s) => s.selectFrame);

  const invertedTree = useMemo(() => {
    if (viewMode !== 'inverted') return null;
    const t = callNodesInvertedTree(nodes, { minFraction: PRUNE_FRACTION });
    performance.mark('emberscope:inverted-built');
    return t;
  }, [viewMode, nodes]);

  // In the sandwich, a click in Top functions changes the function.
  useEffect(() => {
    if (focus && useStore.getState().viewMode === 'sandwich') showSandwich(focus.name);
  }, [focus, showSandwich]);

  const pick = (from: 'call-tree' | 'inverted' | 'callers' | 'callees') => (f: PickedFrame | null) =>
    selectFrame(viewKey, f ? { ...f, tree: from } : null);

  return (
    <>
      <div className="investigate-bar">
        <div className="segmented" role="group" aria-label="View">
          {MODES.map((m) => (
            <button key={m.mode} type="button" aria-pressed={viewMode === m.mode} title={m.title} onClick={() => setViewMode(m.mode)}>
              {m.label}
            </button>
          ))}
        </div>
        <label title="A node per process (comm) under the root; on by default when the samples come from several processes">
          <input type="checkbox" checked={byProcess} onChange={(e) => setByProcess(e.target.checked)} data-testid="by-process" /> Split by process
        </label>
        <TransformBreadcrumb transforms={transforms} viewKey={viewKey} droppedSamples={props.droppedSamples} />
      </div>
      <ProcessPicker profile={props.redacted} transforms={transforms} viewKey={viewKey} />

      {viewMode === 'sandwich' ? (
        <SandwichView profile={shown()} name={sandwichName} search={search} onSearchResult={onSearchResult} resetSeq={resetSeq} viewKey={viewKey} onSelect={(t, f) => pick(t)(f)} />
      ) : (
        <FlameGraph
          tree={viewMode === 'inverted' && invertedTree ? invertedTree : tree}
          inverted={inverted}
          search={search}
          focus={focus}
          onSearchResult={onSearchResult}
          resetSeq={resetSeq}
          viewKey={`${viewKey}:${viewMode}`}
          onSelect={pick(viewMode === 'inverted' ? 'inverted' : 'call-tree')}
          label={viewMode === 'inverted' ? 'Inverted call tree' : 'Flame graph'}
        />
      )}
      {selected ? <FrameDetails frame={selected} profile={shown()} viewKey={viewKey} byProcess={byProcess} /> : null}
    </>
  );
}
