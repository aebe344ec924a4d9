// The flame graph, drawn by d3-flame-graph. The chart gets a fresh copy of the tree (it writes
// into its data), is destroyed on unmount (StrictMode mounts twice), never builds a RegExp
// from the search box (plain substring match), and shows names only as text: labels and
// our own tooltip are text nodes; the chart's HTML tooltip (d3-tip) is never used.
import { useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { select } from 'd3-selection';
import flamegraph, { type FlameGraph as Chart, type FlameHierarchyNode, type FlameTooltip } from 'd3-flame-graph';
import type { FlameTree } from '../../../core/profile';
import { cloneForChart, formatCount, percent, type ChartDatum } from '../model/flame';

export interface SearchResult {
  readonly term: string;
  readonly matches: number;
  readonly samples: number;
  readonly total: number;
}

export interface FlameGraphProps {
  readonly tree: FlameTree;
  readonly inverted: boolean;
  readonly search: string;
  readonly focus: { readonly name: string; readonly seq: number } | null;
  readonly onSearchResult: (result: SearchResult | null) => void;
  /** Bumped by the Reset button. */
  readonly resetSeq: number;
  /** Identity of what is shown: while it stays the same (a live capture), a new tree keeps the zoom. */
  readonly viewKey: string;
  /** A frame was clicked (or chosen with Enter): what the details pane shows. */
  readonly onSelect?: (frame: PickedFrame | null) => void;
  /** Samples of the whole capture, for "share of the capture" when the root is not everything (the sandwich). */
  readonly captureTotal?: number;
  readonly testId?: string;
  /** What the graph is, for screen readers (default "Flame graph"). */
  readonly label?: string;
}

export interface PickedFrame {
  readonly name: string;
  readonly kind: ChartDatum['kind'];
  readonly value: number;
  readonly self: number;
  readonly parentValue: number | null;
  /** Names from the root (excluded) to the frame. */
  readonly path: readonly string[];
}

/** Above this many nodes: no transitions and a larger minimum frame size. */
export const BIG_GRAPH_NODES = 3000;

function hashOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length && i < 64; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967295;
}

/** Distinct families: user warm (red–amber), kernel blue, JIT green, other grey; search violet. */
export function frameColor(kind: ChartDatum['kind'], name: string, highlighted: boolean): string {
  if (highlighted) return '#b14bd6';
  const v = hashOf(name);
  switch (kind) {
    case 'user':
      return `hsl(${Math.round(8 + v * 34)}, ${Math.round(72 + v * 10)}%, ${Math.round(60 + v * 8)}%)`;
    case 'kernel':
      return `hsl(${Math.round(198 + v * 18)}, 58%, ${Math.round(62 + v * 8)}%)`;
    case 'jit':
      return `hsl(${Math.round(105 + v * 30)}, 45%, ${Math.round(56 + v * 8)}%)`;
    default:
      return `hsl(220, 8%, ${Math.round(74 + v * 6)}%)`;
  }
}

interface Hover {
  readonly x: number;
  readonly y: number;
  readonly name: string;
  readonly kind: string;
  readonly value: number;
  readonly self: number;
  readonly parentValue: number | null;
}

const KIND_LABEL: Readonly<Record<string, string>> = {
  user: 'user',
  kernel: 'kernel',
  jit: 'JIT',
  unknown: 'unresolved',
  root: 'all samples',
  process: 'process',
};

/** Frames wide enough to carry a label are keyboard stops (Tab, then Enter or Space zooms). */
function makeFocusable(el: HTMLElement): void {
  for (const g of el.querySelectorAll<SVGGElement>('g.frame')) {
    const wide = Number(g.getAttribute('width')) >= 35;
    if (wide) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.setAttribute('aria-label', g.getAttribute('name') ?? '');
    } else {
      g.removeAttribute('tabindex');
      g.removeAttribute('role');
    }
  }
}

function onFrameKey(e: ReactKeyboardEvent<HTMLDivElement>): void {
  if (e.key !== 'Enter' && e.key !== ' ') return;
  const target = e.target as Element;
  if (target instanceof SVGGElement && target.classList.contains('frame')) {
    e.preventDefault();
    target.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  }
}

function picked(d: FlameHierarchyNode<ChartDatum>): PickedFrame {
  return { name: d.data.name, kind: d.data.kind, value: d.data.value, self: d.data.self, parentValue: d.parent ? d.parent.data.value : null, path: pathOf(d) ?? [] };
}

/**
 * Marks every drawn instance of the hovered (or focused) function; names compared as plain
 * strings. Only the elements whose mark changes are touched: toggling a class on every frame
 * invalidated the style of the whole chart on each hover.
 */
function markSameFunction(el: HTMLElement, name: string | null): void {
  for (const g of el.querySelectorAll<SVGGElement>('g.frame.same-fn')) if (name === null || g.getAttribute('name') !== name) g.classList.remove('same-fn');
  if (name === null) return;
  for (const g of el.querySelectorAll<SVGGElement>('g.frame')) if (g.getAttribute('name') === name && !g.classList.contains('same-fn')) g.classList.add('same-fn');
}

function pathOf(d: FlameHierarchyNode<ChartDatum>): string[] | null {
  if (d.depth === 0) return null;
  return d.ancestors().reverse().slice(1).map((n) => n.data.name);
}

function findPath(root: FlameHierarchyNode<ChartDatum>, path: readonly string[]): FlameHierarchyNode<ChartDatum> | null {
  let at: FlameHierarchyNode<ChartDatum> | undefined = root;
  for (const name of path) {
    at = (at?.children as FlameHierarchyNode<ChartDatum>[] | undefined)?.find((c) => c.data.name === name);
    if (!at) return null;
  }
  return at ?? null;
}

export function FlameGraph({ tree, inverted, search, focus, onSearchResult, resetSeq, viewKey, onSelect, captureTotal, testId, label }: FlameGraphProps) {
  /** The zoomed frame as names from the root, kept across live updates of the same view. */
  const zoomPath = useRef<{ key: string; path: string[] } | null>(null);
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<Chart<ChartDatum> | null>(null);
  const searchRef = useRef(search);
  const onSearchRef = useRef(onSearchResult);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<Hover | null>(null);
  const [zoomed, setZoomed] = useState<string | null>(null);
  const total = captureTotal ?? tree.root.value;
  const onSelectRef = useRef(onSelect);
  searchRef.current = search;
  onSearchRef.current = onSearchResult;
  onSelectRef.current = onSelect;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const update = (): void => setWidth(Math.max(200, Math.floor(el.clientWidth)));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const big = tree.nodes > BIG_GRAPH_NODES;

  useEffect(() => {
    const el = container.current;
    if (!el || width === 0) return;
    const tip: FlameTooltip<ChartDatum> = Object.assign(() => undefined, {
      show(event: MouseEvent, d: FlameHierarchyNode<ChartDatum>) {
        setHover({ x: event.clientX, y: event.clientY, name: d.data.name, kind: d.data.kind, value: d.data.value, self: d.data.self, parentValue: d.parent ? d.parent.data.value : null });
        markSameFunction(el, d.data.name);
      },
      hide() {
        setHover(null);
        markSameFunction(el, null);
      },
    });
    const chart = flamegraph<ChartDatum>()
      .width(width)
      .cellHeight(18)
      .minHeight(160)
      .transitionDuration(big ? 0 : 180)
      .minFrameSize(big ? 2 : 0.5)
      .sort(true)
      .inverted(inverted)
      .selfValue(false)
      .tooltip(tip)
      .setDetailsHandler(() => undefined)
      .setColorMapper((d) => frameColor(d.data.kind, d.data.name, d.highlight === true))
      .setSearchMatch((d, term) => term !== '' && d.data.name.toLowerCase().includes(term.toLowerCase()))
      .setSearchHandler((results, sum, totalValue) => {
        const term = searchRef.current;
        onSearchRef.current(term ? { term, matches: results.length, samples: sum, total: totalValue } : null);
      })
      .onClick((d) => {
        const path = pathOf(d);
        zoomPath.current = path ? { key: viewKey, path } : null;
        setZoomed(d.depth === 0 ? null : d.data.name);
        makeFocusable(el);
        onSelectRef.current?.(d.depth === 0 ? null : picked(d));
      });
    el.replaceChildren();
    select<HTMLElement, ChartDatum>(el).datum(cloneForChart(tree.root)).call(chart);
    makeFocusable(el);
    performance.mark('emberscope:chart-drawn');
    chartRef.current = chart;
    // Same view, new data (a live capture): zoom back to where the user was, without animation.
    const kept = zoomPath.current?.key === viewKey ? findPath(select<HTMLElement, FlameHierarchyNode<ChartDatum>>(el).datum(), zoomPath.current.path) : null;
    if (kept) {
      chart.transitionDuration(0);
      chart.zoomTo(kept);
      chart.transitionDuration(big ? 0 : 180);
    } else {
      zoomPath.current = null;
      setZoomed(null);
    }
    if (searchRef.current) chart.search(searchRef.current);
    return () => {
      chart.destroy();
      chartRef.current = null;
      setHover(null);
    };
  }, [tree, inverted, width, big, viewKey]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    if (search) chart.search(search);
    else {
      chart.clear();
      onSearchRef.current(null);
    }
  }, [search]);

  useEffect(() => {
    const chart = chartRef.current;
    const el = container.current;
    if (!chart || !el || !focus) return;
    const root = select<HTMLElement, FlameHierarchyNode<ChartDatum>>(el).datum();
    let best: FlameHierarchyNode<ChartDatum> | null = null;
    for (const n of root.descendants() as FlameHierarchyNode<ChartDatum>[]) {
      if (n.data.name === focus.name && (!best || (n.value ?? 0) > (best.value ?? 0))) best = n;
    }
    if (best) chart.zoomTo(best);
  }, [focus]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart || resetSeq === 0) return;
    chart.resetZoom();
    zoomPath.current = null;
    setZoomed(null);
  }, [resetSeq]);

  const tooltip = useMemo(() => {
    if (!hover) return null;
    const left = Math.min(hover.x + 14, window.innerWidth - 340);
    const top = Math.min(hover.y + 16, window.innerHeight - 110);
    return (
      <div className="flame-tooltip" role="tooltip" style={{ left, top }}>
        <div className="flame-tooltip-name">{hover.name}</div>
        <div className="flame-tooltip-row">
          <span>{KIND_LABEL[hover.kind] ?? hover.kind}</span>
          <span>{formatCount(hover.value)} samples</span>
        </div>
        <div className="flame-tooltip-row">
          <span>total {percent(hover.value, total)}%</span>
          <span>self {percent(hover.self, total)}%</span>
        </div>
        {hover.parentValue !== null ? (
          <div className="flame-tooltip-row">
            <span>of its parent</span>
            <span>{percent(hover.value, hover.parentValue)}%</span>
          </div>
        ) : null}
      </div>
    );
  }, [hover, total]);

  return (
    <div className="flame-wrap">
      {zoomed !== null && (
        <div className="flame-zoom-note" aria-live="polite">
          Zoomed into <span className="mono">{zoomed}</span>
        </div>
      )}
      <div
        ref={container}
        className={`flame-chart${inverted ? ' inverted' : ''}`}
        data-testid={testId ?? 'flame-graph'}
        data-nodes={tree.nodes}
        onKeyDown={onFrameKey}
        onFocus={(e) => {
          // Keyboard users get the same tooltip and highlight as the mouse.
          const g = e.target instanceof SVGGElement && e.target.classList.contains('frame') ? e.target : null;
          const d = g ? (select<SVGGElement, FlameHierarchyNode<ChartDatum>>(g).datum() as FlameHierarchyNode<ChartDatum> | undefined) : undefined;
          if (!g || !d || !container.current) return;
          const r = g.getBoundingClientRect();
          setHover({ x: r.left, y: r.bottom, name: d.data.name, kind: d.data.kind, value: d.data.value, self: d.data.self, parentValue: d.parent ? d.parent.data.value : null });
          markSameFunction(container.current, d.data.name);
        }}
        onBlur={() => {
          setHover(null);
          if (container.current) markSameFunction(container.current, null);
        }}
        role="group"
        aria-label={`${label ?? 'Flame graph'} of ${formatCount(tree.root.value)} samples, ${formatCount(tree.nodes)} frames${inverted ? ', drawn root at the top' : ''}`}
      />
      {tooltip}
    </div>
  );
}
