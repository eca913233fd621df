import { type Clock, SystemClock, sleepOn, type TimerHandle } from "@kamiyo/core";

/**
 * The clock the API reads in `kamiyo serve --demo`: the recording's time while it plays (the
 * replay's virtual clock), then moving on in real time from where the recording ended. Timers run
 * in real time (stream heartbeats must beat whether or not the recording has frames).
 */
export class DemoClock implements Clock {
  readonly #system = new SystemClock();
  #playing: Clock | null;
  #ended = { at: 0, wall: 0 };

  constructor(playing: Clock) {
    this.#playing = playing;
  }

  /** The recording ended: from now on, time moves on in real time from its last instant. */
  release(): void {
    if (!this.#playing) return;
    this.#ended = { at: this.#playing.now(), wall: Date.now() };
    this.#playing = null;
  }

  now(): number {
    return this.#playing ? this.#playing.now() : this.#ended.at + (Date.now() - this.#ended.wall);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#system.setTimeout(fn, ms);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}
