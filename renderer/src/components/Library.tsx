// Capture library: list, open, delete; import (button or drag and drop anywhere).
import { useRef, useState } from 'react';
import { useStore } from '../store';
import { formatCount } from '../model/flame';

export const IMPORT_ACCEPT = '.pb.gz,.pb,.pprof,.prof,.gz,.folded,.collapsed,.txt,.stacks';

function when(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  return d.toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function ImportButton({ className }: { readonly className?: string }) {
  const importFiles = useStore((s) => s.importFiles);
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={className} onClick={() => input.current?.click()}>
        Import…
      </button>
      <input
        ref={input}
        type="file"
        accept={IMPORT_ACCEPT}
        multiple
        hidden
        aria-label="Import pprof or folded files"
        data-testid="import-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) void importFiles(files);
        }}
      />
    </>
  );
}

export function Library() {
  const library = useStore((s) => s.library);
  const loaded = useStore((s) => s.libraryLoaded);
  const open = useStore((s) => s.open);
  const openCapture = useStore((s) => s.openCapture);
  const removeCapture = useStore((s) => s.removeCapture);
  const [confirming, setConfirming] = useState<string | null>(null);

  return (
    <section className="sidebar-section library" aria-labelledby="library-title">
      <div className="section-head">
        <h2 id="library-title">Library</h2>
        <ImportButton className="small" />
      </div>
      <ul className="list" aria-label="Saved captures" data-testid="library">
        {library.map((c) => {
          const isOpen = open?.summary?.id === c.id;
          return (
            <li key={c.id} className={isOpen ? 'selected' : ''}>
              <button type="button" className="list-item" aria-current={isOpen ? 'true' : undefined} onClick={() => void openCapture(c.id)} data-testid="library-item">
                <span className="item-main">
                  <span className="item-title">{c.title}</span>
                  <span className="item-sub">
                    {c.source === 'import' ? 'imported' : c.host} · {formatCount(c.samples)} samples{c.startedMs ? ` · ${when(c.startedMs)}` : ''}
                    {c.interrupted ? ' · interrupted' : ''}
                  </span>
                </span>
              </button>
              {confirming === c.id ? (
                <span className="confirm-inline">
                  <button type="button" className="small danger" onClick={() => { setConfirming(null); void removeCapture(c.id); }}>Delete</button>
                  <button type="button" className="small" onClick={() => setConfirming(null)} data-focus-fallback>Keep</button>
                </span>
              ) : (
                <button type="button" className="icon-button" aria-label={`Delete ${c.title}`} title="Delete" onClick={() => setConfirming(c.id)} data-focus-fallback>
                  ×
                </button>
              )}
            </li>
          );
        })}
        {loaded && library.length === 0 ? <li className="muted small-text">No captures yet. Import a pprof or folded file, or drop it here.</li> : null}
      </ul>
    </section>
  );
}
