/**
 * The emulators' clock. Sandbox time = real time + a persisted offset, so the demo keeps moving
 * while tests can jump forward (to cross a refill at 00:00 UTC) without waiting.
 * Listeners run after every advance so time-driven work (refills) happens when time is crossed.
 */
export type ClockListener = (from: number, to: number) => void;

export class SandboxClock {
  private offsetMs: number;
  private frozenAt: number | null = null;
  private readonly listeners = new Set<ClockListener>();

  constructor(
    offsetMs = 0,
    private readonly onOffsetChange?: (offsetMs: number) => void,
  ) {
    this.offsetMs = offsetMs;
  }

  /** Current sandbox time in unix milliseconds. */
  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** Stop the clock at its current instant (deterministic tests); `unfreeze` resumes real time. */
  freeze(at?: number): void {
    const from = this.now();
    this.frozenAt = at ?? from;
    if (this.frozenAt !== from) this.emit(from, this.frozenAt);
  }

  unfreeze(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = null;
    this.onOffsetChange?.(this.offsetMs);
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Move the clock forward by `ms` (never backward: time-driven state would become incoherent). */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("ms must be a non-negative number");
    const from = this.now();
    if (this.frozenAt !== null) this.frozenAt += ms;
    else {
      this.offsetMs += ms;
      this.onOffsetChange?.(this.offsetMs);
    }
    const to = this.now();
    this.emit(from, to);
    return to;
  }

  /** Jump to an absolute instant, which must not be in the clock's past. */
  advanceTo(at: number): number {
    return this.advance(Math.max(0, at - this.now()));
  }

  onAdvance(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(from: number, to: number): void {
    for (const l of this.listeners) l(from, to);
  }
}
