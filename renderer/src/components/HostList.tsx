// Host list: ssh_config hosts, added hosts and This machine; search; add, edit, remove.
import { useMemo, useState } from 'react';
import type { HostEntry, HostInput } from '../../../core/api';
import { useStore } from '../store';
import { HostEditor } from './HostEditor';

const SOURCE_LABEL: Readonly<Record<HostEntry['source'], string>> = { local: 'local', 'ssh-config': 'ssh config', app: 'added' };

export function hostAddress(h: HostEntry): string {
  if (h.source === 'local') return 'no SSH';
  const user = h.user ? `${h.user}@` : '';
  const port = h.port && h.port !== 22 ? `:${h.port}` : '';
  return `${user}${h.hostName || h.label}${port}`;
}

export function HostList() {
  const hosts = useStore((s) => s.hosts);
  const loaded = useStore((s) => s.hostsLoaded);
  const filter = useStore((s) => s.hostFilter);
  const setFilter = useStore((s) => s.setHostFilter);
  const screen = useStore((s) => s.screen);
  const go = useStore((s) => s.go);
  const states = useStore((s) => s.hostStates);
  const hostsAvailable = useStore((s) => s.info?.hostsAvailable ?? false);
  const [editing, setEditing] = useState<HostInput | 'new' | null>(null);

  const shown = useMemo(() => {
    const term = filter.trim().toLowerCase();
    if (!term) return hosts;
    return hosts.filter((h) => `${h.label} ${h.hostName} ${h.user}`.toLowerCase().includes(term));
  }, [hosts, filter]);

  const selected = screen.kind === 'host' ? screen.hostId : null;

  return (
    <section className="sidebar-section hosts" aria-labelledby="hosts-title">
      <div className="section-head">
        <h2 id="hosts-title">Hosts</h2>
        <button type="button" className="small" onClick={() => setEditing('new')} disabled={!hostsAvailable} title="Add a host" aria-label="Add a host">
          Add
        </button>
      </div>
      <label className="filter">
        <span className="visually-hidden">Search hosts</span>
        <input type="search" placeholder="Search hosts" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      {!hostsAvailable && loaded ? <p className="muted small-text">Hosts are not available in this session: you can still import and view profiles.</p> : null}
      <ul className="list" aria-label="Hosts">
        {shown.map((h) => {
          const phase = states[h.id]?.phase ?? 'idle';
          return (
            <li key={h.id} className={selected === h.id ? 'selected' : ''}>
              <button type="button" className="list-item" aria-current={selected === h.id ? 'true' : undefined} onClick={() => go({ kind: 'host', hostId: h.id })}>
                <span className={`status-dot ${phase}`} aria-label={phase === 'connected' ? 'connected' : undefined} />
                <span className="item-main">
                  <span className="item-title">{h.label}</span>
                  <span className="item-sub">{hostAddress(h)}</span>
                </span>
                <span className="tag">{SOURCE_LABEL[h.source]}</span>
              </button>
            </li>
          );
        })}
        {loaded && shown.length === 0 && hostsAvailable ? <li className="muted small-text">{filter ? 'No host matches.' : 'No hosts yet.'}</li> : null}
      </ul>
      {editing ? (
        <HostEditor
          initial={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </section>
  );
}

export function toInput(h: HostEntry): HostInput {
  return { id: h.id, label: h.label, hostName: h.hostName, user: h.user, port: h.port, identityFile: h.identityFile, proxyJump: h.proxyJump };
}
