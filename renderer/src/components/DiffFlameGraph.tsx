// The differential flame graph: base and target merged by call path (core's buildDiffFlameTree),
// drawn by d3-flame-graph. Width: both captures together, normalized (a frame gone from the
// target is still there to see); colour: the change of the frame's share of all samples
// (model/diff-colour.ts). As in FlameGraph.tsx the chart gets a fresh copy of the data, is
// destroyed on unmount, and names are text only (our own tooltip, never d3-tip's HTML).
import { useEffect, useMemo, useRef, useState } from 'react';
import { select } from 'd3-selection';
import flamegraph, { type FlameGraph as Chart, type FlameHierarchyNode, type FlameTooltip } from 'd3-flame-graph';
import type { DiffFlameNode, DiffFlameTree } from '../../../core/profile';
import { diffColour, points } from '../model/diff-colour';
import { formatCount, percent } from '../model/flame';

interface DiffDatum {
  name: string;
  value: number;
  kind: DiffFlameNode['kind'];
  base: number;
  target: number;
  baseShare: number;
  targetShare: number;
  shareDelta: number;
  children: DiffDatum[];
}

function cloneForChart(n: DiffFlameNode): DiffDatum {
  return { name: n.name, value: n.value, kind: n.kind, base: n.base, target: n.target, baseShare: n.baseShare, targetShare: n.targetShare, shareDelta: n.shareDelta, children: n.children.map(cloneForChart) };
}

interface Hover {
  readonly x: number;
  readonly y: number;
  readonly d: DiffDatum;
}

export interface DiffFlameGraphProps {
  readonly tree: DiffFlameTree;
  /** A function name to zoom to (from the tables), with a sequence number to repeat it. */
  readonly focus: { readonly name: string; readonly seq: number } | null;
  readonly resetSeq: number;
}

const BIG = 3000;

export function DiffFlameGraph({ tree, focus, resetSeq }: DiffFlameGraphProps) {
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<Chart<DiffDatum> | null>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<Hover | null>(null);
  const [zoomed, setZoomed] = useState<string | null>(null);
  const big = tree.nodes > BIG;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const update = (): void => setWidth(Math.max(200, Math.floor(el.clientWidth)));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = container.current;
    if (!el || width === 0) return;
    const tip: FlameTooltip<DiffDatum> = Object.assign(() => undefined, {
      show(event: MouseEvent, d: FlameHierarchyNode<DiffDatum>) {
        setHover({ x: event.clientX, y: event.clientY, d: d.data });
      },
      hide() {
        setHover(null);
      },
    });
    const chart = flamegraph<DiffDatum>()
      .width(width)
      .cellHeight(18)
      .minHeight(160)
      .transitionDuration(big ? 0 : 180)
      .minFrameSize(big ? 2 : 0.5)
      .sort(true)
      .selfValue(false)
      .tooltip(tip)
      .setDetailsHandler(() => undefined)
      .setColorMapper((d) => diffColour(d.data.shareDelta))
      .onClick((d) => setZoomed(d.depth === 0 ? null : d.data.name));
    el.replaceChildren();
    select<HTMLElement, DiffDatum>(el).datum(cloneForChart(tree.root)).call(chart);
    performance.mark('emberscope:diff-drawn');
    chartRef.current = chart;
    setZoomed(null);
    return () => {
      chart.destroy();
      chartRef.current = null;
      setHover(null);
    };
  }, [tree, width, big]);

  useEffect(() => {
    const chart = chartRef.current;
    const el = container.current;
    if (!chart || !el || !focus) return;
    const root = select<HTMLElement, FlameHierarchyNode<DiffDatum>>(el).datum();
    let best: FlameHierarchyNode<DiffDatum> | null = null;
    for (const n of root.descendants() as FlameHierarchyNode<DiffDatum>[]) {
      if (n.data.name === focus.name && (!best || (n.value ?? 0) > (best.value ?? 0))) best = n;
    }
    if (best) {
      chart.zoomTo(best);
      setZoomed(best.data.name);
    }
  }, [focus]);

  useEffect(() => {
    if (resetSeq === 0) return;
    chartRef.current?.resetZoom();
    setZoomed(null);
  }, [resetSeq]);

  const tooltip = useMemo(() => {
    if (!hover) return null;
    const { d } = hover;
    const left = Math.min(hover.x + 14, window.innerWidth - 360);
    const top = Math.min(hover.y + 16, window.innerHeight - 130);
    return (
      <div className="flame-tooltip" role="tooltip" style={{ left, top }}>
        <div className="flame-tooltip-name">{d.name}</div>
        <div className="flame-tooltip-row">
          <span>base</span>
          <span>
            {formatCount(d.base)} samples · {percent(d.baseShare, 1)}%
          </span>
        </div>
        <div className="flame-tooltip-row">
          <span>target</span>
          <span>
            {formatCount(d.target)} samples · {percent(d.targetShare, 1)}%
          </span>
        </div>
        <div className="flame-tooltip-row">
          <span>change of share</span>
          <span>{points(d.shareDelta)}</span>
        </div>
      </div>
    );
  }, [hover]);

  return (
    <div className="flame-wrap">
      {zoomed !== null && (
        <div className="flame-zoom-note" aria-live="polite">
          Zoomed into <span className="mono">{zoomed}</span>
        </div>
      )}
      <div ref={container} className="flame-chart" data-testid="diff-flame-graph" data-nodes={tree.nodes} role="group" aria-label={`Differential flame graph, ${formatCount(tree.nodes)} frames`} />
      {tooltip}
    </div>
  );
}
