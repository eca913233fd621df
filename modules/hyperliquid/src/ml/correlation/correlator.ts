import { AppError, type DetectorOutput, type FindingChange, type SignalRef } from "@kamiyo/core";
import type { z } from "zod";
import type { HistoryRecord } from "../../store/index.ts";
import { type CorrelatorConfig, correlatorConfig } from "./config.ts";
import {
  assertCorrelationEvent,
  type CorrelationEvent,
  mergeVersions,
} from "./correlation-event.ts";
import { type Episode, episodeSignal } from "./episode.ts";
import { CORRELATOR_DETECTOR, type FindingAdapterOptions, fromFinding } from "./from-finding.ts";
import { fromIncident, type IncidentLike, type IncidentTimeOptions } from "./from-incident.ts";
import { fromLiquidationEvent } from "./from-liquidation.ts";
import { byTimeThenId } from "./measures.ts";
import { PATTERN_KINDS, PATTERNS, type Pattern, type PatternMatch } from "./patterns.ts";
import { TimeIndex } from "./time-index.ts";
import { GroupWindow, WindowStats } from "./window-stats.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** What `observe` did with an event. */
export type ObserveResult = "accepted" | "ignored" | "stale";

/** Counters for metrics and health. */
export interface CorrelatorStats {
  accepted: number;
  /** The correlator's own findings, and (via `finding`/`incident`) inputs no pattern reads. */
  ignored: number;
  /** Events older than the clock minus `latenessMs` when they arrived. */
  stale: number;
  /** Buffered events dropped because `maxBufferedEvents` was reached. */
  dropped: number;
  opened: number;
  resolved: number;
  open: number;
  buffered: number;
  /** Incidents queued for the tick at their attack time (see `queueIncident`). */
  queuedIncidents: number;
}

/** Options of {@link CrossProtocolCorrelator}. */
export interface CorrelatorOptions {
  /** Clock time, epoch ms (virtual in replays); the same clock as the pipeline's. */
  now: () => number;
  /** How findings map to protocols (default: all Hyperliquid). */
  findings?: FindingAdapterOptions;
}

/**
 * The cross-protocol correlator: finds the patterns of `patterns.ts` among findings, incidents
 * and raw liquidation events within sliding windows of data time, and raises each as a finding
 * of detector `correlation` with the pattern as its kind.
 *
 * - A pattern holds in a group (the whole market, or one asset) when it holds over the group's
 *   events of some window of `windowMs`. The episode then opens with that window's candidates
 *   (and, when a late event completed an earlier window, the buffered ones chained after it).
 * - Every later candidate of the group within `windowMs` of the episode's members joins it and
 *   re-raises the same finding (same subject and key, so one finding id) with the new members.
 * - The episode resolves once the clock is `windowMs + latenessMs` past its latest member.
 * - Events whose data time is more than `latenessMs` behind the clock are dropped as stale;
 *   within that allowance, out-of-order events fall into the right windows.
 *
 * Deterministic: the same events in the same order on the same clock raise the same findings.
 * Has the shape of the monitor's derived detector: `record` takes the stored liquidation rows
 * (exact counts and notional), `finding` other detectors' findings, `tick` the clock; exploit
 * incidents with a precise time come in through `queueIncident`.
 */
export class CrossProtocolCorrelator {
  readonly kind = CORRELATOR_DETECTOR;
  readonly description =
    "Cross-protocol correlator: liquidation cascades, oracle arbitrage across venues, flash-loan cascades and bridge exploit chains within 5-minute windows of findings, stored liquidations and timed exploit incidents";
  readonly config: CorrelatorConfig;
  readonly #now: () => number;
  readonly #findingOptions: FindingAdapterOptions;
  readonly #events = new Map<string, CorrelationEvent>();
  readonly #all = new TimeIndex();
  readonly #groups = new Map<string, GroupWindow>();
  readonly #episodes = new Map<string, Episode[]>();
  /** Incident events waiting for the clock to reach their time, by time then id. */
  #incidents: CorrelationEvent[] = [];
  readonly #stats = { accepted: 0, ignored: 0, stale: 0, dropped: 0, opened: 0, resolved: 0 };

  /**
   * @param config settings, defaults filled in by {@link correlatorConfig}.
   * @throws AppError `config_invalid` listing every invalid setting.
   */
  constructor(config: z.input<typeof correlatorConfig>, options: CorrelatorOptions) {
    const parsed = correlatorConfig.safeParse(config);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new AppError("config_invalid", `correlator config: ${problems.join("; ")}`, {
        details: { problems },
      });
    }
    this.config = parsed.data;
    this.#now = options.now;
    this.#findingOptions = options.findings ?? {};
  }

  /**
   * Feeds one event. An event with an id seen before replaces that version.
   * @throws AppError `invalid_input` for a malformed event (see `assertCorrelationEvent`).
   */
  observe(event: CorrelationEvent, out: DetectorOutput): ObserveResult {
    if (event.detector === CORRELATOR_DETECTOR) {
      this.#stats.ignored++;
      return "ignored";
    }
    assertCorrelationEvent(event);
    const now = this.#now();
    this.#expire(now, out);
    if (event.time < now - this.config.latenessMs) {
      this.#stats.stale++;
      return "stale";
    }
    this.#stats.accepted++;
    const prev = this.#events.get(event.id);
    const e = prev ? mergeVersions(prev, event) : event;
    if (prev) this.#unindex(prev);
    this.#index(e);
    for (const kind of PATTERN_KINDS) {
      const pattern: Pattern = PATTERNS[kind];
      const group = pattern.groupOf(e);
      if (group !== null) this.#place(pattern, group, e, out);
    }
    this.#makeRoom();
    return "accepted";
  }

  /** A finding change of another detector (the monitor's derived-detector hook). Resolutions are skipped. */
  finding(change: FindingChange, out: DetectorOutput): ObserveResult {
    const e =
      change.change === "resolved" ? null : fromFinding(change.finding, this.#findingOptions);
    if (!e) {
      this.#stats.ignored++;
      return "ignored";
    }
    return this.observe(e, out);
  }

  /**
   * A time-series row as the monitor's store queues it (the derived-detector hook): each
   * liquidation row is one liquidation, so cascades count exact events and notional where
   * findings give only lower bounds; other rows are no correlation input.
   */
  record(r: HistoryRecord, out: DetectorOutput): ObserveResult | null {
    return r.type === "liquidation" ? this.observe(fromLiquidationEvent(r.row), out) : null;
  }

  /**
   * Queues an exploit incident with a precise time (its `occurredAt`): it is correlated on the
   * first tick at or after that time, so a replay meets it when its clock passes the attack, and
   * one from the past goes in on the next tick (stale when older than `latenessMs`). Queuing an
   * incident again (revised) replaces the queued version.
   * @returns "ignored" for one with a day only, or known only from Kamiyo's own findings (read as
   *   findings already; see `fromIncident`).
   * @throws AppError `invalid_input` for a malformed date or time.
   */
  queueIncident(i: IncidentLike): "queued" | "ignored" {
    const e = fromIncident(i);
    if (!e) {
      this.#stats.ignored++;
      return "ignored";
    }
    this.#incidents = this.#incidents.filter((x) => x.id !== e.id);
    this.#incidents.push(e);
    this.#incidents.sort(byTimeThenId);
    return "queued";
  }

  /**
   * An imported or changed incident; one without a time of day takes no part (see `fromIncident`).
   * @throws AppError `invalid_input` for a malformed date or `occurredAt`.
   */
  incident(i: IncidentLike, out: DetectorOutput, time: IncidentTimeOptions = {}): ObserveResult {
    const e = fromIncident(i, time);
    if (!e) {
      this.#stats.ignored++;
      return "ignored";
    }
    return this.observe(e, out);
  }

  /**
   * Feeds the queued incidents whose time has come, raises what changed since the last raise,
   * resolves episodes whose window passed, forgets old events.
   */
  tick(now: number, out: DetectorOutput): void {
    while (this.#incidents.length > 0 && (this.#incidents[0] as CorrelationEvent).time <= now)
      this.observe(this.#incidents.shift() as CorrelationEvent, out);
    for (const list of this.#episodes.values())
      for (const ep of list) if (ep.dirty && this.#mayRaise(ep, now)) this.#raise(ep, out, now);
    this.#expire(now, out);
  }

  stats(): CorrelatorStats & { [counter: string]: number } {
    let open = 0;
    for (const list of this.#episodes.values()) open += list.length;
    return {
      ...this.#stats,
      open,
      buffered: this.#all.size,
      queuedIncidents: this.#incidents.length,
    };
  }

  #index(e: CorrelationEvent): void {
    this.#events.set(e.id, e);
    this.#all.insert(e);
    for (const kind of PATTERN_KINDS) {
      const group = PATTERNS[kind].groupOf(e);
      if (group === null) continue;
      const key = `${kind}|${group}`;
      let g = this.#groups.get(key);
      if (!g) {
        g = new GroupWindow(this.config.windowMs);
        this.#groups.set(key, g);
      }
      g.insert(e);
    }
  }

  /** Forgets `e`: replaced by a newer version, or (`evicted`) the oldest dropped for room. */
  #unindex(e: CorrelationEvent, evicted = false): void {
    this.#events.delete(e.id);
    if (!evicted) this.#all.remove(e);
    for (const kind of PATTERN_KINDS) {
      const group = PATTERNS[kind].groupOf(e);
      if (group === null) continue;
      const g = this.#groups.get(`${kind}|${group}`);
      if (evicted) g?.evict(e);
      else g?.remove(e);
    }
  }

  /** Adds `e` to an open episode it falls into, or opens one if the pattern now holds. */
  #place(pattern: Pattern, group: string, e: CorrelationEvent, out: DetectorOutput): void {
    const w = this.config.windowMs;
    const key = `${pattern.kind}|${group}`;
    const list = this.#episodes.get(key) ?? [];
    const ep = list.find(
      (x) => x.members.has(e.id) || (e.time >= x.start - w && e.time <= x.last + w),
    );
    if (ep) {
      if (ep.members.has(e.id) || ep.members.size < this.config.maxEpisodeMembers)
        ep.members.set(e.id, e);
      else ep.omitted++;
      ep.start = Math.min(ep.start, e.time);
      ep.last = Math.max(ep.last, e.time);
      ep.dirty = true;
      const now = this.#now();
      if (this.#mayRaise(ep, now)) this.#raise(ep, out, now);
      return;
    }
    const g = this.#groups.get(key);
    const m = g ? this.#firstMatch(pattern, g, e, list) : null;
    if (!m) return;
    const start = (m.events[0] as CorrelationEvent).time;
    const opened: Episode = {
      pattern,
      key: iso(start),
      subject: pattern.subject(m.match, group),
      // Every candidate of the window joins, as every later one within the window will.
      members: new Map(m.events.map((x) => [x.id, x])),
      start,
      last: (m.events.at(-1) as CorrelationEvent).time,
      omitted: 0,
      dirty: true,
      lastRaisedAt: Number.NEGATIVE_INFINITY,
    };
    // A late event can open a window that ends before events already buffered: chain them on.
    for (const x of g?.index.range(opened.last, Number.POSITIVE_INFINITY) ?? []) {
      if (x.time > opened.last + this.config.windowMs) break;
      if (opened.members.has(x.id) || list.some((ep) => ep.members.has(x.id))) continue;
      opened.members.set(x.id, x);
      opened.last = x.time;
    }
    list.push(opened);
    this.#episodes.set(key, list);
    this.#stats.opened++;
    this.#raise(opened, out, this.#now());
  }

  /**
   * The earliest window containing `e` in which the pattern holds, with the window's events
   * (members of open episodes left out). By monotony only windows ending at `e` or at a later
   * event need a look; running {@link WindowStats} skip those that cannot hold, so a flood of
   * small events costs linear time.
   */
  #firstMatch(
    pattern: Pattern,
    g: GroupWindow,
    e: CorrelationEvent,
    open: readonly Episode[],
  ): { match: PatternMatch; events: CorrelationEvent[] } | null {
    const w = this.config.windowMs;
    const idx = g.index;
    const free = (x: CorrelationEvent) => !open.some((ep) => ep.members.has(x.id));
    const tryWindow = (end: number) => {
      const events = idx.range(end - w, end).filter(free);
      const match = events.length > 0 ? pattern.match(events, end - w, this.config) : null;
      return match && match.members.length > 0 ? { match, events } : null;
    };
    const newest = idx.at(idx.size - 1);
    if (newest && newest.time === e.time)
      return pattern.mayHold(g.latest(), this.config) ? tryWindow(e.time) : null;
    // A late event: slide over the windows ending at it and at each later event.
    const span = idx.range(e.time - w, e.time + w);
    const stats = new WindowStats();
    let lo = 0;
    let hi = 0;
    for (const end of [e.time, ...idx.timesAfter(e.time, e.time + w)]) {
      for (; hi < span.length && (span[hi] as CorrelationEvent).time <= end; hi++)
        stats.add(span[hi] as CorrelationEvent);
      for (; lo < hi && (span[lo] as CorrelationEvent).time < end - w; lo++)
        stats.remove(span[lo] as CorrelationEvent);
      const found = pattern.mayHold(stats, this.config) ? tryWindow(end) : null;
      if (found) return found;
    }
    return null;
  }

  /**
   * Whether a changed episode may be raised again: `minRaiseGapMs` after its last raise, a
   * gap more per thousand members (so re-measuring a huge episode stays linear in total), but
   * at least once a window (well within the finding's hold time).
   */
  #mayRaise(ep: Episode, now: number): boolean {
    const c = this.config;
    const gap = Math.min(c.windowMs, c.minRaiseGapMs * Math.max(1, ep.members.size / 1_000));
    return now - ep.lastRaisedAt >= gap;
  }

  #raise(ep: Episode, out: DetectorOutput, now: number): void {
    ep.dirty = false;
    ep.lastRaisedAt = now;
    out.raise(episodeSignal(ep, this.config));
  }

  /** Drops the oldest tenth of the buffer once it is over `maxBufferedEvents`. */
  #makeRoom(): void {
    const max = this.config.maxBufferedEvents;
    if (this.#all.size <= max) return;
    const keepFrom = this.#all.at(this.#all.size - Math.floor(max * 0.9));
    const dropped = keepFrom ? this.#all.dropBefore(keepFrom.time) : [];
    if (keepFrom && dropped.length > 0) {
      for (const e of dropped) this.#events.delete(e.id);
      for (const g of this.#groups.values()) g.dropBefore(keepFrom.time);
      this.#stats.dropped += dropped.length;
    }
    // Events sharing one time: drop them one by one.
    while (this.#all.size > max) {
      const oldest = this.#all.shift();
      if (!oldest) break;
      this.#unindex(oldest, true);
      this.#stats.dropped++;
    }
  }

  #expire(now: number, out: DetectorOutput): void {
    const c = this.config;
    for (const [key, list] of this.#episodes) {
      const keep: Episode[] = [];
      for (const ep of list) {
        if (now - ep.last <= c.windowMs + c.latenessMs) {
          keep.push(ep);
          continue;
        }
        if (ep.dirty) this.#raise(ep, out, now);
        const ref: SignalRef = { kind: ep.pattern.kind, subject: ep.subject, key: ep.key };
        out.resolve(ref, ep.last + c.windowMs, `no new member within ${c.windowMs / 60_000} min`);
        this.#stats.resolved++;
      }
      if (keep.length > 0) this.#episodes.set(key, keep);
      else this.#episodes.delete(key);
    }
    const cutoff = now - c.latenessMs - c.windowMs;
    for (const e of this.#all.dropBefore(cutoff)) this.#events.delete(e.id);
    for (const [key, g] of this.#groups) {
      g.dropBefore(cutoff);
      if (g.index.size === 0) this.#groups.delete(key);
    }
  }
}
