// What one run of the suite is: the function, the backend and its options, the scenarios selected and where
// its reports go. The command line makes it (src/cli/run-arguments.ts); the mutants, stability and the
// tests write it directly.
import type { RerunOf } from './rerun';

export interface RunOptions {
  /** The function whose catalogue and features run (--function; spec/NAME.yaml); absent or null: the default one (catalogue.ts defaultFunction). */
  function?: string | null;
  backend: string;
  tags: string | null;
  backendOptions: Record<string, string>;
  parallel: number;
  /** Where the reports go; null writes none (mutant and stability runs). */
  reports: string | null;
  quiet: boolean;
  /** The implementation under test (--label "ReactOS 0.4.15"), recorded with the run; absent or null: unlabelled. */
  label?: string | null;
  /** The expectations file (--expectations FILE); absent or null: expectations/<backend>.yaml, if there is one. */
  expectations?: string | null;
  /** Scenarios selected by feature file, or feature:line (paths relative to the repository), on top of --tags; absent or empty: all. */
  paths?: string[];
  /** --list: print the requirements and the scenarios selected, with what selects each; run nothing. */
  list?: boolean;
  /**
   * --rerun: the earlier run whose scenarios `paths` runs again (rerun.ts planRerun), and into which the
   * rerun is merged: the reports (and the summary) are then the whole run's. Absent or null: not a rerun.
   */
  rerun?: RerunOf | null;
}

/** What selected the scenarios, for a message. */
export function selectionText(options: RunOptions): string {
  const parts = [options.tags === null ? '' : `--tags '${options.tags}'`, ...(options.paths ?? [])].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : `the features of ${options.function ?? 'the default function'}`;
}
