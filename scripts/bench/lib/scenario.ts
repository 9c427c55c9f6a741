import type { Row } from './stats';

export interface BenchOptions {
  quick: boolean;
  /** Runs of each measure (3 by default). */
  runs: number;
  log: (line: string) => void;
}

/** One scenario of the suite: sets up what it needs, measures `runs` times side by side, tears down. */
export interface Scenario {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<Row[]>;
}
