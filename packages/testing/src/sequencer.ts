import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Vitest's order (failed first, then the slowest by the last run's durations, else the largest
 * files), except that the acceptance project goes last: its files wait for the shared scenario
 * replays, which a child process computes on the core the other files leave free meanwhile.
 */
export class AcceptanceLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (s: TestSpecification) => (s.project.name === "acceptance" ? 1 : 0);
    return sorted.sort((a, b) => last(a) - last(b));
  }
}
