// The console: hosts and library on the left, the host or the open profile on the right.
import { useEffect, useState } from 'react';
import { useStore } from './store';
import { HostList } from './components/HostList';
import { HostView } from './components/HostView';
import { Library, ImportButton } from './components/Library';
import { ProfileView } from './components/ProfileView';
import { CompareView } from './components/CompareView';
import { ErrorBanner, ExportConfirm, Prompts } from './components/Dialogs';
import { DisconnectConfirm, RunningCaptures } from './components/RunningCaptures';
import { useFocusRescue } from './focus';

function Welcome() {
  const hostsAvailable = useStore((s) => s.info?.hostsAvailable ?? false);
  return (
    <section className="welcome" aria-label="Start">
      <h1>Linux CPU profiles, least privilege</h1>
      <ol>
        {hostsAvailable ? <li>Choose a host on the left and connect. You review every privilege before anything runs.</li> : null}
        <li>
          Or import a <strong>pprof</strong> (<code>.pb.gz</code>) or <strong>folded stacks</strong> file — use the button or drop it anywhere in this window.
        </li>
        <li>Redact names and paths before you export or share a profile.</li>
      </ol>
      <ImportButton className="primary" />
    </section>
  );
}

function useDropImport(): boolean {
  const importFiles = useStore((s) => s.importFiles);
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent): boolean => [...(e.dataTransfer?.types ?? [])].includes('Files');
    const enter = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overFn = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent): void => {
      e.preventDefault();
      depth = 0;
      setOver(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) void importFiles(files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overFn);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overFn);
      window.removeEventListener('drop', drop);
    };
  }, [importFiles]);
  return over;
}

export function App() {
  const screen = useStore((s) => s.screen);
  const info = useStore((s) => s.info);
  const linkUp = useStore((s) => s.linkUp);
  const busy = useStore((s) => s.busy);
  const open = useStore((s) => s.open);
  const capture = useStore((s) => s.capture);
  const go = useStore((s) => s.go);
  const libraryCount = useStore((s) => s.library.length);
  const dropping = useDropImport();
  useFocusRescue();

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Emberscope
        </span>
        <nav aria-label="Views" className="views">
          {open || capture ? (
            <button type="button" className={screen.kind === 'profile' ? 'tab on' : 'tab'} aria-current={screen.kind === 'profile' ? 'page' : undefined} onClick={() => go({ kind: 'profile' })}>
              Profile
            </button>
          ) : null}
          {libraryCount >= 2 ? (
            <button type="button" className={screen.kind === 'compare' ? 'tab on' : 'tab'} aria-current={screen.kind === 'compare' ? 'page' : undefined} onClick={() => go({ kind: 'compare' })} data-testid="tab-compare">
              Compare
            </button>
          ) : null}
        </nav>
        <span className="spacer" />
        <RunningCaptures />
        {busy ? (
          <span className="busy" role="status">
            {busy}
          </span>
        ) : null}
        {!linkUp ? <span className="offline" role="status">Disconnected</span> : null}
        {info ? <span className="mode muted">{info.mode === 'browser' ? 'browser mode' : ''} v{info.version}</span> : null}
      </header>
      <ErrorBanner />
      <div className="body">
        <aside className="sidebar" aria-label="Hosts and captures">
          <HostList />
          <Library />
        </aside>
        <main className="main" id="main" tabIndex={-1}>
          {screen.kind === 'host' ? <HostView hostId={screen.hostId} /> : screen.kind === 'profile' ? <ProfileView /> : screen.kind === 'compare' ? <CompareView /> : <Welcome />}
        </main>
      </div>
      <Prompts />
      <ExportConfirm />
      <DisconnectConfirm />
      {dropping ? (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop pprof or folded files to import</div>
        </div>
      ) : null}
    </div>
  );
}
