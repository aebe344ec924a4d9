// The capture's samples over time, stacked by process, above the graph. Dragging across it
// selects a range of time buckets, and every view then shows only that range; the keyboard
// moves and widens the selection (arrows, Shift+arrows) and Escape clears it. During a live
// capture the strip grows with each interval.
import { useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { describeRange, type BucketRange, type TimelineCounts } from '../../../core/profile';
import { formatCount } from '../model/flame';

const HEIGHT = 48;
const SERIES_CLASSES = 7;

interface Props {
  readonly counts: TimelineCounts;
  readonly range: BucketRange | null;
  readonly onRange: (range: BucketRange | null) => void;
}

export function TimelineStrip({ counts, range, onRange }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ readonly anchor: number; readonly at: number } | null>(null);
  const n = counts.timeline.buckets;
  const max = Math.max(1, ...counts.totals);
  const shown = drag ? ordered(drag.anchor, drag.at) : range;
  const total = counts.totals.reduce((a, b) => a + b, 0);
  const inRange = shown ? counts.totals.slice(shown.from, shown.to).reduce((a, b) => a + b, 0) : total;

  const bucketAt = (clientX: number): number => {
    const box = svg.current?.getBoundingClientRect();
    if (!box || box.width <= 0) return 0;
    return Math.min(n - 1, Math.max(0, Math.floor(((clientX - box.left) / box.width) * n)));
  };
  const onPointerDown = (e: PointerEvent<SVGSVGElement>): void => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const b = bucketAt(e.clientX);
    setDrag({ anchor: b, at: b });
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>): void => {
    if (drag) setDrag({ anchor: drag.anchor, at: bucketAt(e.clientX) });
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>): void => {
    if (!drag) return;
    const r = ordered(drag.anchor, bucketAt(e.clientX));
    setDrag(null);
    // A click without a drag on the selected range clears it; elsewhere it selects one bucket.
    if (range && r.to - r.from === 1 && r.from >= range.from && r.to <= range.to && range.to - range.from > 1) onRange(null);
    else onRange(r.from === 0 && r.to === n ? null : r);
  };
  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>): void => {
    const current = range ?? { from: 0, to: n };
    const step = e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0;
    if (e.key === 'Escape' && range) {
      e.stopPropagation();
      onRange(null);
      return;
    }
    if (step === 0) return;
    e.preventDefault();
    const next = e.shiftKey
      ? { from: current.from, to: Math.min(n, Math.max(current.from + 1, current.to + step)) }
      : range
        ? shift(current, step, n)
        : step > 0 ? { from: 0, to: 1 } : { from: n - 1, to: n };
    onRange(next.from === 0 && next.to === n ? null : next);
  };

  const width = 1000;
  const barWidth = width / n;
  return (
    <section className="timeline" aria-label="Samples over time" data-testid="timeline">
      <div className="timeline-head">
        <span className="timeline-title">Samples over time</span>
        <span className="muted" data-testid="timeline-range" aria-live="polite">
          {shown ? `Showing ${describeRange(counts.timeline, shown)}: ${formatCount(inRange)} of ${formatCount(total)} samples` : `Whole capture, ${describeRange(counts.timeline, { from: 0, to: n })}: drag to select a range`}
        </span>
        {range ? (
          <button type="button" className="link" onClick={() => onRange(null)} data-testid="timeline-clear">
            Show the whole capture
          </button>
        ) : null}
        <span className="spacer" />
        <ul className="timeline-legend" aria-label="Processes">
          {counts.series.map((s, i) => (
            <li key={s.comm}>
              <span className={`series-swatch series-${i % SERIES_CLASSES}`} />
              {s.comm === '' ? '(no name)' : s.comm}
            </li>
          ))}
        </ul>
      </div>
      <svg
        ref={svg}
        className="timeline-chart"
        viewBox={`0 0 ${width} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="slider"
        tabIndex={0}
        aria-label="Time range: arrows move it, Shift+arrows widen it, Escape shows the whole capture"
        aria-valuemin={0}
        aria-valuemax={n}
        aria-valuenow={shown?.from ?? 0}
        aria-valuetext={shown ? describeRange(counts.timeline, shown) : 'whole capture'}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onKeyDown={onKeyDown}
      >
        {counts.series.map((s, i) => (
          <g key={s.comm} className={`series-${i % SERIES_CLASSES}`}>
            {s.counts.map((c, b) => {
              if (c === 0) return null;
              const below = counts.series.slice(0, i).reduce((acc, o) => acc + (o.counts[b] ?? 0), 0);
              const h = (c / max) * HEIGHT;
              return <rect key={b} x={b * barWidth} width={Math.max(barWidth - 0.5, 0.5)} y={HEIGHT - (below / max) * HEIGHT - h} height={h} data-bucket={b} />;
            })}
          </g>
        ))}
        {shown ? (
          <>
            <rect className="timeline-dim" x={0} width={shown.from * barWidth} y={0} height={HEIGHT} />
            <rect className="timeline-dim" x={shown.to * barWidth} width={(n - shown.to) * barWidth} y={0} height={HEIGHT} />
            <rect className="timeline-selection" x={shown.from * barWidth} width={(shown.to - shown.from) * barWidth} y={0} height={HEIGHT} data-testid="timeline-selection" />
          </>
        ) : null}
      </svg>
    </section>
  );
}

function ordered(a: number, b: number): BucketRange {
  return { from: Math.min(a, b), to: Math.max(a, b) + 1 };
}

function shift(r: BucketRange, step: number, n: number): BucketRange {
  const width = r.to - r.from;
  const from = Math.min(n - width, Math.max(0, r.from + step));
  return { from, to: from + width };
}
