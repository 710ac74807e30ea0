import { createContext, useContext } from 'react';
import type { EventPayload } from '../../../../shared/contract/events.js';

export type Notice = EventPayload<'notice'>;

export interface Toast extends Notice {
  id: number;
  /** How many notices with this key were folded into this toast. */
  count: number;
}

/** How long a toast stays by level; errors stay until closed. */
const lifetimeMs: Record<Notice['level'], number | null> = { info: 6000, success: 6000, warning: 15000, error: null };

/** The window's notifications: pushed by `notice` events and by the window's own failures. */
export class ToastStore {
  private toasts: Toast[] = [];
  private nextId = 1;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): readonly Toast[] => this.toasts;

  /** Adds a notice, folding it into a shown one with the same key. */
  readonly push = (notice: Notice): void => {
    const same = this.toasts.find((t) => t.key === notice.key);
    const toast: Toast = same ? { ...notice, id: same.id, count: same.count + 1 } : { ...notice, id: this.nextId++, count: 1 };
    this.toasts = same ? this.toasts.map((t) => (t.id === same.id ? toast : t)) : [...this.toasts, toast].slice(-6);
    this.arm(toast);
    this.emit();
  };

  readonly dismiss = (id: number): void => {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.toasts = this.toasts.filter((t) => t.id !== id);
    this.emit();
  };

  private arm(toast: Toast): void {
    clearTimeout(this.timers.get(toast.id));
    const ms = lifetimeMs[toast.level];
    if (ms === null) this.timers.delete(toast.id);
    else this.timers.set(toast.id, setTimeout(() => this.dismiss(toast.id), ms));
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export const ToastContext = createContext<ToastStore | null>(null);

export function useToasts(): ToastStore {
  const store = useContext(ToastContext);
  if (!store) throw new Error('useToasts outside ToastContext');
  return store;
}
