import { useState } from 'react';
import { AppDataProvider } from './AppDataProvider.js';
import { AboutPanel } from './components/AboutPanel.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { SettingsPanel } from './components/settings/SettingsPanel.js';
import { SignInDialog } from './components/settings/SignInDialog.js';
import { TerminalDock } from './components/terminals/TerminalDock.js';
import { panelId, tabId, Tabs } from './components/Tabs.js';
import type { TabKey } from './components/Tabs.js';
import { Toasts } from './components/toasts/Toasts.js';
import { ToastContext, ToastStore } from './components/toasts/toast-store.js';
import { CreateDialog } from './components/workspaces/CreateDialog.js';
import { WorkspacesView } from './components/workspaces/WorkspacesView.js';
import { useAppData } from './hooks/useAppData.js';
import { useWorkspaces } from './hooks/useWorkspaces.js';
import { Icon } from './components/common/Icon.js';

export function App() {
  const [toasts] = useState(() => new ToastStore());
  return (
    <ToastContext.Provider value={toasts}>
      <AppDataProvider>
        <Shell />
      </AppDataProvider>
    </ToastContext.Provider>
  );
}

function Shell() {
  const [tab, setTab] = useState<TabKey>('workspaces');
  const [creating, setCreating] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const workspaces = useWorkspaces();
  const { config } = useAppData();
  const openCreate = () => {
    setTab('workspaces');
    setCreating(true);
  };
  const openSignIn = () => setSigningIn(true);

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="brand-mark">
            <Icon name="layers" size={18} />
          </span>
          Nexus
        </h1>
        <Tabs current={tab} onChange={setTab} badge={{ settings: config?.problems.length ?? 0 }} />
        <span className="spacer" />
        <ConnectionBadge />
        <button type="button" className="primary" onClick={openCreate}>
          <Icon name="plus" /> New workspace
        </button>
      </header>
      <main className="content" id={panelId(tab)} role="tabpanel" aria-labelledby={tabId(tab)}>
        {tab === 'workspaces' && <WorkspacesView state={workspaces} onCreate={openCreate} />}
        {tab === 'settings' && <SettingsPanel onSignIn={openSignIn} />}
        {tab === 'about' && <AboutPanel />}
      </main>
      <TerminalDock workspaces={workspaces.workspaces} />
      {creating && <CreateDialog workspaces={workspaces.workspaces} onClose={() => setCreating(false)} onSignIn={openSignIn} />}
      {signingIn && <SignInDialog onClose={() => setSigningIn(false)} />}
      <Toasts />
    </div>
  );
}
