// The open profile: toolbar (search, flame/icicle, reset, export), the flame graph, the
// top-functions table and the redaction panel. Redaction is applied here, once, and both the
// graph and the table are drawn from the redacted profile.
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { applyTransforms, callNodes, callNodesTopFunctions, callNodesTree, describeOverflow, describeSymbolSources, isMultiProcess, profileInRange, symbolSourceCounts, timelineCounts, totalLost, transformNodes, type Profile, type TopFunctions } from '../../../core/profile';
import { transformsOf, useStore } from '../store';
import { redactForView } from '../model/redaction';
import { formatCount, percent } from '../model/flame';
import type { SearchResult } from './FlameGraph';
import { InvestigationView } from './InvestigationView';
import { TopFunctionsTable } from './TopFunctions';
import { RedactionPanel } from './RedactionPanel';
import { LiveCaptureBar } from './CapturePanel';
import { TimelineStrip } from './TimelineStrip';

const PRUNE_FRACTION = 1 / 50_000;

function formatDuration(ms: number): string {
  if (ms <= 0) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The value of `make`, computed on the first call and kept. */
function once(make: () => Profile): () => Profile {
  let value: Profile | undefined;
  return () => (value ??= make());
}

export function ProfileView() {
  const open = useStore((s) => s.open);
  const capture = useStore((s) => s.capture);
  const redaction = useStore((s) => s.redaction);
  const search = useStore((s) => s.search);
  const setSearch = useStore((s) => s.setSearch);
  const inverted = useStore((s) => s.inverted);
  const setInverted = useStore((s) => s.setInverted);
  const focus = useStore((s) => s.focus);
  const requestExport = useStore((s) => s.requestExport);
  const timeRange = useStore((s) => s.timeRange);
  const setTimeRange = useStore((s) => s.setTimeRange);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [resetSeq, setResetSeq] = useState(0);
  const searchBox = useRef<HTMLInputElement>(null);
  const deferredSearch = useDeferredValue(search);

  const view = useMemo(() => (open ? redactForView(open.profile, redaction) : null), [open, redaction]);
  // The time range applies after redaction: the strip shows the redacted process names, and
  // moving the range does not redact again.
  const timelineStart = open?.profile.meta.timeline?.startMs;
  const range = timeRange !== null && timeRange.startMs === timelineStart ? timeRange.range : null;
  const timeline = useMemo(() => (view ? timelineCounts(view.profile) : undefined), [view]);
  const ranged = useMemo(() => (view && range ? profileInRange(view.profile, range) : view?.profile), [view, range]);
  // Where frame names came from: the frames' own record (live and just saved), else the saved metadata.
  const sources = useMemo(() => {
    if (!open) return '';
    const c = symbolSourceCounts(open.profile);
    if (Object.keys(c.named).length > 0 || Object.keys(c.unnamed).length > 0) return describeSymbolSources(c);
    return open.summary?.symbolSources ? describeSymbolSources(open.summary.symbolSources) : '';
  }, [open]);
  const viewKey = open?.summary ? `capture:${open.summary.id}` : `live:${capture?.captureId ?? ''}`;
  const transforms = useStore((s) => transformsOf(s, viewKey));
  const byProcessSetting = useStore((s) => s.byProcess);
  const byProcess = byProcessSetting ?? (view ? isMultiProcess(view.profile) : false);
  // Transforms apply to the redacted profile of the range: their names are the names shown.
  // The call tree comes from the range's call node table (built once, kept), transformed node
  // by node; the transformed profile itself is made only when a view needs it (the sandwich,
  // the details pane).
  const transformed = useMemo(() => (ranged ? transformNodes(callNodes(ranged, byProcess), transforms) : null), [ranged, transforms, byProcess]);
  const shown = useMemo(() => (ranged ? once(() => applyTransforms(ranged, transforms).profile) : null), [ranged, transforms]);
  // Frames under 1/50,000 of the samples are left out (under a pixel until zoomed 35×), and at
  // most 50,000 nodes are kept: large profiles stay responsive.
  const tree = useMemo(() => {
    if (!transformed) return null;
    const t = callNodesTree(transformed.nodes, { minFraction: PRUNE_FRACTION });
    performance.mark('emberscope:tree-built');
    return t;
  }, [transformed]);
  // The table follows the graph: it is counted from the same table once the graph has painted.
  const [top, setTop] = useState<{ readonly view: typeof transformed; readonly value: TopFunctions } | null>(null);
  useEffect(() => {
    if (!transformed) return;
    let cancelled = false;
    const frame = requestAnimationFrame(() => {
      setTimeout(() => {
        if (!cancelled) setTop({ view: transformed, value: callNodesTopFunctions(transformed.nodes, { limit: 500 }) });
      }, 50);
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
    };
  }, [transformed]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');
      if (e.key === '/' && !typing) {
        e.preventDefault();
        searchBox.current?.focus();
      } else if (e.key === 'Escape' && !typing) {
        setResetSeq((n) => n + 1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!open || !view || !shown || !transformed || !tree) {
    return (
      <section className="profile-view empty" aria-label="Profile">
        {capture?.running ? <LiveCaptureBar /> : null}
        <div className="empty-state">
          <p>{capture?.running ? 'Waiting for the first samples…' : 'No profile is open.'}</p>
        </div>
      </section>
    );
  }

  const meta = open.profile.meta;
  const saved = open.summary !== null;
  const lost = totalLost(meta.lost);
  const overflow = describeOverflow(meta.overflow);

  return (
    <section className="profile-view" aria-label="Profile">
      {capture && (capture.running || !saved) ? <LiveCaptureBar /> : null}
      <header className="profile-header">
        <div className="profile-title">
          <h1 title={open.title}>{open.title}</h1>
          <dl className="facts">
            <div>
              <dt>Samples</dt>
              <dd data-testid="profile-samples">{formatCount(meta.sampleCount)}</dd>
            </div>
            <div>
              <dt>Lost</dt>
              <dd>{formatCount(lost)}</dd>
            </div>
            <div>
              <dt>Frequency</dt>
              <dd>{meta.hz > 0 ? `${meta.hz} Hz` : '—'}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(meta.endTimeMs - meta.startTimeMs)}</dd>
            </div>
            <div>
              <dt>Frames</dt>
              <dd>{formatCount(open.profile.frames.length)}</dd>
            </div>
            {open.summary?.host ? (
              <div>
                <dt>Host</dt>
                <dd>{open.summary.host}</dd>
              </div>
            ) : null}
          </dl>
        </div>
        <div className="export-buttons" role="group" aria-label="Export">
          <button type="button" onClick={() => void requestExport('pprof')} disabled={!saved} data-focus-fallback title={saved ? 'Export as gzipped pprof (profile.proto), with the redaction shown' : 'Available once the capture is saved'}>
            Export pprof
          </button>
          <button type="button" onClick={() => void requestExport('folded')} disabled={!saved} title={saved ? 'Export as folded stacks, with the redaction shown' : 'Available once the capture is saved'}>
            Export folded
          </button>
        </div>
      </header>
      {overflow ? (
        <p className="overflow-notice" role="status" data-testid="overflow-notice">
          {overflow}
        </p>
      ) : null}
      {sources ? (
        <p className="symbol-sources" data-testid="symbol-sources">
          Symbols: {sources}
        </p>
      ) : null}

      <div className="toolbar" role="toolbar" aria-label="Flame graph controls">
        <label className="search">
          <span className="visually-hidden">Search functions</span>
          <input
            ref={searchBox}
            type="search"
            placeholder="Search functions  ( / )"
            value={search}
            maxLength={200}
            onChange={(e) => setSearch(e.target.value)}
            aria-describedby="search-result"
            data-testid="search"
          />
        </label>
        <span id="search-result" className="search-result" aria-live="polite" data-testid="search-result">
          {result && search
            ? result.matches === 0
              ? 'No match'
              : `${formatCount(result.samples)} of ${formatCount(result.total)} samples match (${percent(result.samples, result.total)}%)`
            : ''}
        </span>
        <span className="spacer" />
        {/* Only the drawing flips: the tree is the same (the Inverted view is the bottom-up tree). */}
        <div className="segmented" role="group" aria-label="Drawing">
          <button type="button" aria-pressed={!inverted} onClick={() => setInverted(false)} title="The root at the bottom, callees above (a flame graph)">
            Root at bottom
          </button>
          <button type="button" aria-pressed={inverted} onClick={() => setInverted(true)} title="The same tree drawn upside down: the root at the top (an icicle)">
            Root at top
          </button>
        </div>
        <button type="button" onClick={() => setResetSeq((n) => n + 1)} title="Reset zoom (Esc)">
          Reset zoom
        </button>
      </div>

      <div className="legend" aria-label="Colours">
        <span className="swatch user" /> user
        <span className="swatch kernel" /> kernel
        <span className="swatch jit" /> JIT
        <span className="swatch other" /> unresolved
        <span className="swatch match" /> search match
        {tree.prunedNodes > 0 ? (
          <span className="pruned" title="Frames too narrow to see are left out; their samples stay in their callers.">
            {formatCount(tree.prunedNodes)} tiny frames not drawn
          </span>
        ) : null}
        {view.active ? <span className="redaction-badge">Redacted view: {view.summary}</span> : null}
      </div>

      {timeline && timelineStart !== undefined ? <TimelineStrip counts={timeline} range={range} onRange={(r) => setTimeRange(timelineStart, r)} /> : null}

      <InvestigationView
        redacted={view.profile}
        shown={shown}
        nodes={transformed.nodes}
        droppedSamples={transformed.droppedSamples}
        transforms={transforms}
        tree={tree}
        byProcess={byProcess}
        inverted={inverted}
        search={deferredSearch}
        focus={focus}
        onSearchResult={setResult}
        resetSeq={resetSeq}
        viewKey={viewKey}
      />

      <div className="lower">
        {top ? <TopFunctionsTable top={top.value} stale={top.view !== transformed} /> : <section className="panel top-functions"><p className="muted">Counting functions…</p></section>}
        <RedactionPanel summary={view.summary} active={view.active} />
      </div>
    </section>
  );
}
