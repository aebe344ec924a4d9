// The applied transforms as a breadcrumb: "Full profile › Focus on hash › Merge sha". Clicking
// a step goes back to it (the later steps were made on its result); × removes that step and
// those after it. "Apply to exports" is off unless the user ticks it.
import { describeTransform, type ProfileTransform } from '../../../core/profile';
import { useStore } from '../store';
import { formatCount } from '../model/flame';

export function TransformBreadcrumb({ transforms, viewKey, droppedSamples }: { readonly transforms: readonly ProfileTransform[]; readonly viewKey: string; readonly droppedSamples: number }) {
  const popTransforms = useStore((s) => s.popTransforms);
  const inExport = useStore((s) => s.transformsInExport);
  const setInExport = useStore((s) => s.setTransformsInExport);
  if (transforms.length === 0) return null;
  return (
    <nav className="breadcrumb" aria-label="Transforms" data-testid="transforms">
      <button type="button" className="link" onClick={() => popTransforms(viewKey, 0)}>
        Full profile
      </button>
      {transforms.map((t, i) => (
        <span key={i} className="crumb" data-testid="transform">
          <span>› {describeTransform(t)}</span>
          <button type="button" aria-label={`Remove ${describeTransform(t)}${i < transforms.length - 1 ? ' and the steps after it' : ''}`} onClick={() => popTransforms(viewKey, i)}>
            ×
          </button>
        </span>
      ))}
      {droppedSamples > 0 ? <span className="muted" data-testid="transform-dropped">{formatCount(droppedSamples)} samples left out</span> : null}
      <label title="Off: exports contain the whole profile. On: exports contain what the view shows after these steps.">
        <input type="checkbox" checked={inExport} onChange={(e) => setInExport(e.target.checked)} data-testid="transforms-in-export" /> Apply to exports
      </label>
    </nav>
  );
}
