import type { KeyboardEvent } from 'react';

export type TabKey = 'workspaces' | 'settings' | 'about';

const tabs: Array<{ key: TabKey; label: string }> = [
  { key: 'workspaces', label: 'Workspaces' },
  { key: 'settings', label: 'Settings' },
  { key: 'about', label: 'About' },
];

export const tabId = (key: TabKey) => `tab-${key}`;
export const panelId = (key: TabKey) => `panel-${key}`;

/** The window's sections, as a tab list (arrow keys move between tabs). */
export function Tabs({ current, onChange, badge }: { current: TabKey; onChange: (key: TabKey) => void; badge?: Partial<Record<TabKey, number>> }) {
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const at = tabs.findIndex((t) => t.key === current);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(at + step + tabs.length) % tabs.length];
    if (!next) return;
    onChange(next.key);
    document.getElementById(tabId(next.key))?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Sections" onKeyDown={move}>
      {tabs.map((t) => (
        <button
          key={t.key}
          id={tabId(t.key)}
          type="button"
          role="tab"
          aria-selected={current === t.key}
          aria-controls={panelId(t.key)}
          tabIndex={current === t.key ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.key)}
        >
          {t.label}
          {badge?.[t.key] ? (
            <span className="tab-badge" aria-label={`${badge[t.key]} problems`}>
              {badge[t.key]}
            </span>
          ) : null}
        </button>
      ))}
    </div>
  );
}
