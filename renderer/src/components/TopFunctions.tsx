// Top functions by self and total samples. A click (or Enter) on a name zooms the graph to it.
import { useMemo, useState } from 'react';
import type { TopFunctions } from '../../../core/profile';
import { useStore } from '../store';
import { formatCount, percent } from '../model/flame';

const ROWS = 200;

/**
 * `stale`: the view changed and the new count is not ready; the old rows stay (re-mounting 200
 * rows cost more than the count) but the table is marked busy and loses its test id until then.
 */
export function TopFunctionsTable({ top, stale = false }: { readonly top: TopFunctions; readonly stale?: boolean }) {
  const focusFunction = useStore((s) => s.focusFunction);
  const showSandwich = useStore((s) => s.showSandwich);
  const search = useStore((s) => s.search);
  const [sortBy, setSortBy] = useState<'self' | 'total'>('self');

  const rows = useMemo(() => {
    const term = search.trim().toLowerCase();
    const list = term ? top.functions.filter((f) => f.name.toLowerCase().includes(term)) : [...top.functions];
    if (sortBy === 'total') list.sort((a, b) => b.total - a.total || b.self - a.self);
    return list.slice(0, ROWS);
  }, [top, search, sortBy]);

  const total = top.totalSamples;
  return (
    <section className={`panel top-functions${stale ? ' stale' : ''}`} aria-labelledby="top-functions-title" aria-busy={stale}>
      <h2 id="top-functions-title">
        Top functions
        {search.trim() ? <span className="muted"> matching the search</span> : null}
        {stale ? <span className="muted"> (counting…)</span> : null}
      </h2>
      <div className="table-scroll">
        <table data-testid={stale ? undefined : 'top-functions'}>
          <thead>
            <tr>
              <th scope="col" className="name-col">Function</th>
              <th scope="col" className="num" aria-sort={sortBy === 'self' ? 'descending' : 'none'}>
                <button type="button" className="link" onClick={() => setSortBy('self')}>Self</button>
              </th>
              <th scope="col" className="num" aria-sort={sortBy === 'total' ? 'descending' : 'none'}>
                <button type="button" className="link" onClick={() => setSortBy('total')}>Total</button>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">No functions.</td>
              </tr>
            ) : (
              rows.map((f) => (
                <tr key={`${f.kind}:${f.name}`}>
                  <td className="name-col">
                    <div className="fn-cell">
                      <button type="button" className="link sandwich-button" onClick={() => showSandwich(f.name)} title={`Callers and callees of ${f.name}`} aria-label={`Callers and callees of ${f.name}`}>
                        ⇅
                      </button>
                      <button type="button" className={`fn kind-${f.kind}`} onClick={() => focusFunction(f.name)} title={`Zoom the graph to ${f.name}`}>
                        {f.name}
                      </button>
                    </div>
                  </td>
                  <td className="num">
                    {f.self > 0 ? (
                      <>
                        <span className="pct">{percent(f.self, total)}%</span> <span className="count">{formatCount(f.self)}</span>
                      </>
                    ) : (
                      <span className="count">–</span>
                    )}
                  </td>
                  <td className="num">
                    <span className="pct">{percent(f.total, total)}%</span> <span className="count">{formatCount(f.total)}</span>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
