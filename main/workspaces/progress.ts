import type { CreateStep, Progress } from '../../shared/domain/workspace.js';
import type { EventHub } from '../rpc/event-hub.js';

/** Emits `workspace.progress` for one create, remembering the step in flight for error reports. */
export class CreateProgress {
  current: CreateStep = 'validate';

  constructor(
    private readonly hub: EventHub,
    private readonly workspaceId: string,
    private readonly name: string,
  ) {}

  private emit(step: CreateStep, state: Progress['state'], detail: string, fraction: number | null = null): void {
    this.hub.emit('workspace.progress', { workspaceId: this.workspaceId, name: this.name, step, state, detail: detail.slice(0, 2000), fraction });
  }

  /** Runs one step: a `running` event, the work (which may report details), then `done`. */
  async step<T>(step: CreateStep, detail: string, work: (report: (detail: string, fraction?: number | null) => void) => Promise<T>): Promise<T> {
    this.current = step;
    this.emit(step, 'running', detail);
    const result = await work((d, f) => this.emit(step, 'running', d, f ?? null));
    this.emit(step, 'done', detail);
    return result;
  }

  failed(detail: string): void {
    this.emit(this.current, 'failed', detail);
  }

  cancelled(): void {
    this.emit(this.current, 'cancelled', 'Cancelled; everything this create made was removed.');
  }

  ready(): void {
    this.emit('ready', 'done', 'Ready.');
  }
}
