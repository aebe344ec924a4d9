// The sandwich of one function: its callers merged above it (drawn root at the bottom, so the
// function sits at the bottom of the upper graph) and its callees merged below it (root at the
// top). Both roots are the function with its total, each stack counted once.
import { useMemo } from 'react';
import { buildSandwich, topFunctions, type Profile } from '../../../core/profile';
import { useStore } from '../store';
import { formatCount, percent } from '../model/flame';
import { FlameGraph, type PickedFrame, type SearchResult } from './FlameGraph';

const PRUNE_FRACTION = 1 / 50_000;
const MAX_NODES = 25_000;

export interface SandwichViewProps {
  readonly profile: Profile;
  readonly name: string | null;
  readonly search: string;
  readonly onSearchResult: (r: SearchResult | null) => void;
  readonly resetSeq: number;
  readonly viewKey: string;
  readonly onSelect: (tree: 'callers' | 'callees', frame: PickedFrame | null) => void;
}

const noResult = (): void => undefined;

export function SandwichView({ profile, name, search, onSearchResult, resetSeq, viewKey, onSelect }: SandwichViewProps) {
  const showSandwich = useStore((s) => s.showSandwich);
  const sandwich = useMemo(() => {
    if (name === null) return null;
    const s = buildSandwich(profile, name, { minFraction: PRUNE_FRACTION, maxNodes: MAX_NODES });
    performance.mark('emberscope:sandwich-built');
    return s;
  }, [profile, name]);
  const term = search.trim().toLowerCase();
  const pickSearch = (): void => {
    const best = topFunctions(profile).functions.filter((f) => f.name.toLowerCase().includes(term)).sort((a, b) => b.total - a.total)[0];
    if (best) showSandwich(best.name);
  };

  const head = (
    <div className="sandwich-head" data-testid="sandwich-summary">
      {sandwich ? (
        sandwich.total === 0 ? (
          <span>
            <span className="mono">{sandwich.name}</span> is not in this view.
          </span>
        ) : (
          <span>
            <span className="mono" data-testid="sandwich-name">{sandwich.name}</span>: total {formatCount(sandwich.total)} ({percent(sandwich.total, sandwich.totalSamples)}%), self {formatCount(sandwich.self)} (
            {percent(sandwich.self, sandwich.totalSamples)}%)
          </span>
        )
      ) : (
        <span>Pick a function: a frame's details, the ⇅ button in Top functions, or the search.</span>
      )}{' '}
      {term ? (
        <button type="button" onClick={pickSearch}>
          Sandwich of the best match for “{search.trim()}”
        </button>
      ) : null}
    </div>
  );
  if (!sandwich || sandwich.total === 0) return <div className="sandwich">{head}</div>;
  return (
    <div className="sandwich" data-testid="sandwich">
      {head}
      <h2>Callers of {sandwich.name} (merged, the function at the bottom)</h2>
      <FlameGraph
        tree={sandwich.callers}
        inverted={false}
        search={search}
        focus={null}
        onSearchResult={noResult}
        resetSeq={resetSeq}
        viewKey={`${viewKey}:callers:${sandwich.name}`}
        captureTotal={sandwich.totalSamples}
        onSelect={(f) => onSelect('callers', f)}
        testId="sandwich-callers"
        label={`Callers of ${sandwich.name}`}
      />
      <h2>Callees of {sandwich.name} (merged, the function at the top)</h2>
      <FlameGraph
        tree={sandwich.callees}
        inverted
        search={search}
        focus={null}
        onSearchResult={onSearchResult}
        resetSeq={resetSeq}
        viewKey={`${viewKey}:callees:${sandwich.name}`}
        captureTotal={sandwich.totalSamples}
        onSelect={(f) => onSelect('callees', f)}
        testId="sandwich-callees"
        label={`Callees of ${sandwich.name}`}
      />
    </div>
  );
}
