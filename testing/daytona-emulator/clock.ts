/**
 * The emulator's clock. Emulated time starts at the real time of start-up (or later, see
 * `notBefore`) and runs `timeScale` times faster than real time: with `timeScale: 60` one
 * emulated minute passes per real second, so an auto-stop interval of 1 minute is one real
 * second. Every lifetime the emulator reports (lastActivityAt, token expiresAt, auto-stop
 * deadlines, transition delays) is on this clock.
 */
export class EmulatedClock {
  private baseReal = Date.now();
  private baseEmulated: number;
  private scale: number;

  constructor(timeScale = 1, notBefore = 0) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
    this.scale = timeScale;
    this.baseEmulated = Math.max(this.baseReal, notBefore);
  }

  /** Emulated milliseconds since the epoch. */
  now(): number {
    return this.baseEmulated + (Date.now() - this.baseReal) * this.scale;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  get timeScale(): number {
    return this.scale;
  }

  /** Changes the speed from now on; emulated time stays continuous. */
  setTimeScale(timeScale: number): void {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
    this.baseEmulated = this.now();
    this.baseReal = Date.now();
    this.scale = timeScale;
  }

  /** Jumps emulated time forward (never backward). */
  advance(emulatedMs: number): void {
    if (!(emulatedMs >= 0)) throw new Error(`can only advance by a non-negative amount, got ${emulatedMs}`);
    this.baseEmulated += emulatedMs;
  }

  /** Real milliseconds that `emulatedMs` take at the current scale. */
  toRealMs(emulatedMs: number): number {
    return emulatedMs / this.scale;
  }

  /** Resolves after `emulatedMs` of emulated time (at the scale in force when called). */
  sleep(emulatedMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, this.toRealMs(emulatedMs))));
  }
}
