// Helpers around core's flame tree for d3-flame-graph, which writes into the data it is given:
// the chart always gets a fresh mutable copy, never the store's tree.
import type { FlameNode, FlameNodeKind } from '../../../core/profile';

export interface ChartDatum {
  name: string;
  value: number;
  self: number;
  kind: FlameNodeKind;
  children: ChartDatum[];
}

export function cloneForChart(root: FlameNode): ChartDatum {
  return {
    name: root.name,
    value: root.value,
    self: root.self,
    kind: root.kind,
    children: root.children.map(cloneForChart),
  };
}

/** Percent with one decimal; "<0.1" for small non-zero shares. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '0';
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return '<0.1';
  return p >= 99.95 ? '100' : p.toFixed(1);
}

// One formatter: toLocaleString builds a new one on every call (a live Top functions table
// formats thousands of counts a second).
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}
