import { AboutPanel } from './components/AboutPanel.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';

export function App() {
  return (
    <div className="app">
      <header className="topbar">
        <h1>Nexus Desktop</h1>
        <ConnectionBadge />
      </header>
      <main className="content">
        <AboutPanel />
      </main>
    </div>
  );
}
