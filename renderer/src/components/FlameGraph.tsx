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

export function FlameGraph({ tree, inverted, search, focus, onSearchResult, resetSeq, viewKey }: FlameGraphProps) {
  /** The zoomed frame as names from the root, kept across live updates of the same view. */
  const zoomPath = useRef<{ key: string; path: string[] } | null>(null);
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<Chart<ChartDatum> | null>(null);
  const searchRef = useRef(search);
  const onSearchRef = useRef(onSearchResult);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<Hover | null>(null);
  const [zoomed, setZoomed] = useState<string | null>(null);
  const total = tree.root.value;
  searchRef.current = search;
  onSearchRef.current = onSearchResult;

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
        setHover({ x: event.clientX, y: event.clientY, name: d.data.name, kind: d.data.kind, value: d.data.value, self: d.data.self });
      },
      hide() {
        setHover(null);
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
        data-testid="flame-graph"
        data-nodes={tree.nodes}
        onKeyDown={onFrameKey}
        role="group"
        aria-label={`Flame graph of ${formatCount(total)} samples, ${formatCount(tree.nodes)} frames${inverted ? ', icicle view' : ''}`}
      />
      {tooltip}
    </div>
  );
}
