import { useCallback, useEffect, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useConnection } from '../../connection-context.js';
import type { WorkspaceView } from '../../hooks/useWorkspaces.js';
import { onTerminalRequest } from '../../terminal-requests.js';
import type { TerminalRequest } from '../../terminal-requests.js';
import { Icon } from '../common/Icon.js';
import { TerminalView } from './TerminalView.js';
import type { TerminalTabState } from './TerminalView.js';
import './terminals.css';

interface Tab {
  key: string;
  workspaceId: string;
  name: string;
  /** 1, 2, … within its workspace. */
  number: number;
}

const tabDomId = (key: string) => `terminal-tab-${key}`;
const panelDomId = (key: string) => `terminal-panel-${key}`;
const terminalLabel = (tab: Pick<Tab, 'name' | 'number'>) => (tab.number === 1 ? `Terminal in ${tab.name}` : `Terminal ${tab.number} in ${tab.name}`);

let nextKey = 1;

/**
 * The terminal area under the main view: tabs grouped by workspace, several terminals at once.
 * Opened by a card's Terminal button (`requestTerminal`) and by the desktop shell's
 * "Open terminal" (`ui.focus` with view `terminal`, which switches to an open one first).
 */
export function TerminalDock({ workspaces }: { workspaces: WorkspaceView[] }) {
  const { api } = useConnection();
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState(false);
  const [states, setStates] = useState<Record<string, TerminalTabState>>({});

  const open = useCallback((request: TerminalRequest, reuse: boolean) => {
    setCollapsed(false);
    setTabs((current) => {
      const existing = reuse ? current.find((t) => t.workspaceId === request.workspaceId) : undefined;
      if (existing) {
        setActive(existing.key);
        return current;
      }
      const used = new Set(current.filter((t) => t.workspaceId === request.workspaceId).map((t) => t.number));
      let number = 1;
      while (used.has(number)) number++;
      const tab: Tab = { key: String(nextKey++), workspaceId: request.workspaceId, name: request.name, number };
      setActive(tab.key);
      // Grouped by workspace: a new tab goes after the others of its workspace.
      const lastOfWorkspace = current.findLastIndex((t) => t.workspaceId === request.workspaceId);
      if (lastOfWorkspace === -1) return [...current, tab];
      return [...current.slice(0, lastOfWorkspace + 1), tab, ...current.slice(lastOfWorkspace + 1)];
    });
  }, []);

  useEffect(() => onTerminalRequest((request) => open(request, false)), [open]);

  useEffect(
    () =>
      api.on('ui.focus', (request) => {
        if (request.view !== 'terminal' || request.workspaceId === null) return;
        const workspace = workspaces.find((w) => w.id === request.workspaceId);
        if (workspace) open({ workspaceId: workspace.id, name: workspace.name }, true);
      }),
    [api, workspaces, open],
  );

  // A deleted workspace takes its terminals with it (the service has closed them).
  useEffect(() => api.on('workspace.removed', ({ id }) => setTabs((current) => (current.some((t) => t.workspaceId === id) ? current.filter((t) => t.workspaceId !== id) : current))), [api]);

  const close = (key: string) => {
    setTabs((current) => {
      const at = current.findIndex((t) => t.key === key);
      const next = current.filter((t) => t.key !== key);
      if (active === key) setActive(next[Math.min(at, next.length - 1)]?.key ?? null);
      return next;
    });
  };

  const setState = useCallback((key: string, state: TerminalTabState) => setStates((s) => (s[key] === state ? s : { ...s, [key]: state })), []);

  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const at = tabs.findIndex((t) => t.key === active);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step || at === -1) return;
    event.preventDefault();
    const next = tabs[(at + step + tabs.length) % tabs.length];
    if (!next) return;
    setActive(next.key);
    document.getElementById(tabDomId(next.key))?.focus();
  };

  if (tabs.length === 0) return null;
  const shown = tabs.find((t) => t.key === active) ?? tabs[0]!;

  return (
    <section className={`terminal-dock${collapsed ? ' collapsed' : ''}`} aria-label="Terminals">
      <div className="terminal-strip">
        <div className="terminal-tabs" role="tablist" aria-label="Open terminals" onKeyDown={move}>
          {tabs.map((t, i) => {
            const state = states[t.key] ?? 'opening';
            const firstOfWorkspace = i === 0 || tabs[i - 1]?.workspaceId !== t.workspaceId;
            return (
              <div key={t.key} className={`terminal-tab${t.key === shown.key ? ' current' : ''}${firstOfWorkspace && i > 0 ? ' group-start' : ''}`}>
                <button
                  id={tabDomId(t.key)}
                  type="button"
                  role="tab"
                  aria-selected={t.key === shown.key}
                  aria-controls={panelDomId(t.key)}
                  tabIndex={t.key === shown.key ? 0 : -1}
                  aria-label={`${terminalLabel(t)}, ${state}`}
                  title={`${terminalLabel(t)} — ${state}`}
                  onClick={() => {
                    setActive(t.key);
                    setCollapsed(false);
                  }}
                >
                  <span className={`terminal-dot state-${state}`} aria-hidden="true" />
                  <Icon name="terminal" size={12} />
                  {t.name}
                  {t.number > 1 ? ` ${t.number}` : ''}
                </button>
                <button type="button" className="terminal-close" aria-label={`Close ${terminalLabel(t)}`} onClick={() => close(t.key)}>
                  ×
                </button>
              </div>
            );
          })}
        </div>
        <span className="spacer" />
        <button type="button" className="small" aria-label={`New terminal in ${shown.name}`} onClick={() => open({ workspaceId: shown.workspaceId, name: shown.name }, false)}>
          <Icon name="plus" size={12} /> New
        </button>
        <button type="button" className="small" aria-expanded={!collapsed} onClick={() => setCollapsed((c) => !c)}>
          {collapsed ? 'Show terminals' : 'Hide terminals'}
        </button>
      </div>
      {tabs.map((t) => (
        <div
          key={t.key}
          id={panelDomId(t.key)}
          role="tabpanel"
          aria-labelledby={tabDomId(t.key)}
          className="terminal-panel"
          hidden={collapsed || t.key !== shown.key}
        >
          <TerminalView workspaceId={t.workspaceId} label={terminalLabel(t)} active={!collapsed && t.key === shown.key} onState={(s) => setState(t.key, s)} />
        </div>
      ))}
    </section>
  );
}
