// Types for the parts of d3-flame-graph 5.0.0 that the console uses (the package ships none).
declare module 'd3-flame-graph' {
  import type { Selection } from 'd3-selection';
  import type { HierarchyRectangularNode } from 'd3-hierarchy';

  /** A node of d3-flame-graph's partition: d3's rectangular node plus the chart's fields. */
  export type FlameHierarchyNode<Datum> = HierarchyRectangularNode<Datum> & {
    id: number;
    highlight?: boolean;
    originalValue?: number;
  };

  /** What the chart calls on hover when given as its tooltip (a callable with show/hide). */
  export interface FlameTooltip<Datum> {
    (selection: unknown): void;
    show(event: MouseEvent, node: FlameHierarchyNode<Datum>): void;
    hide(): void;
    destroy?(): void;
  }

  export interface FlameGraph<Datum> {
    (selection: Selection<HTMLElement, Datum, null, undefined>): void;
    width(): number;
    width(value: number): FlameGraph<Datum>;
    height(value: number | null): FlameGraph<Datum>;
    minHeight(value: number): FlameGraph<Datum>;
    cellHeight(value: number): FlameGraph<Datum>;
    title(value: string): FlameGraph<Datum>;
    tooltip(value: FlameTooltip<Datum>): FlameGraph<Datum>;
    transitionDuration(value: number): FlameGraph<Datum>;
    sort(value: boolean | ((a: FlameHierarchyNode<Datum>, b: FlameHierarchyNode<Datum>) => number)): FlameGraph<Datum>;
    inverted(value: boolean): FlameGraph<Datum>;
    minFrameSize(value: number): FlameGraph<Datum>;
    selfValue(value: boolean): FlameGraph<Datum>;
    search(term: string): void;
    clear(): void;
    zoomTo(node: FlameHierarchyNode<Datum>): void;
    resetZoom(): void;
    update(data?: Datum): FlameGraph<Datum>;
    destroy(): FlameGraph<Datum>;
    onClick(handler: (node: FlameHierarchyNode<Datum>) => void): FlameGraph<Datum>;
    onHover(handler: (node: FlameHierarchyNode<Datum>) => void): FlameGraph<Datum>;
    setColorMapper(mapper: (node: FlameHierarchyNode<Datum>, original: string) => string): FlameGraph<Datum>;
    setLabelHandler(handler: (node: FlameHierarchyNode<Datum>) => string): FlameGraph<Datum>;
    setDetailsElement(element: HTMLElement | null): FlameGraph<Datum>;
    setDetailsHandler(handler: (text: string | null) => void): FlameGraph<Datum>;
    setSearchHandler(handler: (results: FlameHierarchyNode<Datum>[], sum: number, total: number) => void): FlameGraph<Datum>;
    setSearchMatch(match: (node: FlameHierarchyNode<Datum>, term: string, ignoreCase?: boolean) => boolean): FlameGraph<Datum>;
    getName(accessor: (node: FlameHierarchyNode<Datum>) => string): FlameGraph<Datum>;
    resetHeightOnZoom(value: boolean): FlameGraph<Datum>;
    scrollOnZoom(value: boolean): FlameGraph<Datum>;
  }

  export default function flamegraph<Datum>(): FlameGraph<Datum>;
}
