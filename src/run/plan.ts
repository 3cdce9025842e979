// The plan of a run: cucumber's configuration for it and the scenarios it selects, as cucumber plans them.
// The run (run-suite.ts) and --list (src/cli/list.ts) read the same plan.
import { InputError } from '../core/input-error';
import { REPO_ROOT } from '../core/paths';
import { featurePaths, type Catalogue } from '../catalogue/catalogue';
import { selectionText, type RunOptions } from './options';

/**
 * cucumber's configuration for a run of `options` (the features of `catalogue`'s function), the scenarios
 * it selects (bad input when none) and the whole suite's, as cucumber plans them.
 */
export async function planRun(options: RunOptions, catalogue: Catalogue, worldParameters: Record<string, string> = {}) {
  const { loadConfiguration, loadSources } = await import('@cucumber/cucumber/api');
  const { runConfiguration } = await loadConfiguration(
    {
      file: 'cucumber.js',
      provided: {
        paths: featurePaths(catalogue),
        worldParameters: { backend: options.backend, backendOptions: options.backendOptions, ...worldParameters },
        ...(options.tags ? { tags: options.tags } : {}),
        ...(options.parallel > 0 ? { parallel: options.parallel } : {}),
      },
    },
    { cwd: REPO_ROOT },
  );
  // Scenarios named by feature:line replace the profile's paths (cucumber's configuration would add to them).
  const suiteSources = runConfiguration.sources;
  const byPath = options.paths !== undefined && options.paths.length > 0;
  if (byPath) runConfiguration.sources = { ...suiteSources, paths: options.paths ?? [] };
  const { plan, errors } = await loadSources(runConfiguration.sources, { cwd: REPO_ROOT });
  if (errors.length > 0) throw new InputError(`cannot parse the features: ${errors.map((e) => e.message).join('; ')}`);
  // Bad input like any other: a run of nothing would stand in for the last real one.
  if (plan.length === 0) throw new InputError(`no scenario matches ${selectionText(options)}`);
  // The whole suite's scenarios too, not only the selection's: an expectation of a scenario left out is not a mistake.
  const allScenarios = byPath || options.tags !== null ? (await loadSources({ ...suiteSources, tagExpression: '' }, { cwd: REPO_ROOT })).plan : plan;
  return { runConfiguration, plan, allScenarios };
}
