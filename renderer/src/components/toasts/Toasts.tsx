import { useEffect, useSyncExternalStore } from 'react';
import { useConnection } from '../../connection-context.js';
import { useToasts } from './toast-store.js';
import type { Toast } from './toast-store.js';

const icons: Record<Toast['level'], string> = { info: 'i', success: '✓', warning: '!', error: '×' };

/** The `notice` events (and the window's own failures) as toasts in the corner. */
export function Toasts() {
  const { api } = useConnection();
  const store = useToasts();
  const toasts = useSyncExternalStore(store.subscribe, store.snapshot);

  useEffect(() => api.on('notice', (notice) => store.push(notice)), [api, store]);

  return (
    <section className="toasts" aria-label="Notifications">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`toast toast-${toast.level}`}
          role={toast.level === 'error' || toast.level === 'warning' ? 'alert' : 'status'}
          data-level={toast.level}
        >
          <span className="toast-icon" aria-hidden="true">
            {icons[toast.level]}
          </span>
          <div className="toast-body">
            <p className="toast-title">
              {toast.title}
              {toast.count > 1 && <span className="toast-count" aria-label={`${toast.count} times`}>×{toast.count}</span>}
            </p>
            {toast.message && <p className="toast-message">{toast.message}</p>}
          </div>
          <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={() => store.dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
