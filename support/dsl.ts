// The step vocabulary's one entry point. Every step and hook is wrapped once, here, so that a precondition
// a backend cannot provide (NotApplicable) becomes a documented N/A skip, never a pass and never a failure,
// and so that an agent's failure or silence carries its evidence (last output, offending bytes) into the
// report.
import { Given as CucumberGiven, setDefinitionFunctionWrapper, Then as CucumberThen, When as CucumberWhen } from '@cucumber/cucumber';
import type { ConformanceWorld } from './world';
import { AgentFailure, CallTimeout, NOT_APPLICABLE_MEDIA, NotApplicable } from '../src/core/outcomes';

type Define = <A extends unknown[]>(pattern: string | RegExp, body: (this: ConformanceWorld, ...args: A) => Promise<void>) => void;

// The same functions as cucumber's, typed for our World. No extra frame, so cucumber still records the
// step file's own line as the definition's location.
export const Given = CucumberGiven as Define;
export const When = CucumberWhen as Define;
export const Then = CucumberThen as Define;

setDefinitionFunctionWrapper((body: (this: ConformanceWorld, ...args: unknown[]) => unknown) => {
  const wrapped = async function (this: ConformanceWorld, ...args: unknown[]): Promise<unknown> {
    try {
      return await body.apply(this, args);
    } catch (error) {
      // Test-run hooks (BeforeAll) have no scenario to attach to.
      if ((error instanceof AgentFailure || error instanceof CallTimeout) && error.evidence && typeof this.attach === 'function') {
        this.attach(error.evidence, { mediaType: 'text/plain', fileName: 'agent-evidence.txt' });
      }
      if (!(error instanceof NotApplicable)) throw error;
      this.attach(JSON.stringify({ reason: error.message }), NOT_APPLICABLE_MEDIA);
      return 'skipped';
    }
  };
  // cucumber reads the arity to count a step's parameters, so keep it.
  Object.defineProperty(wrapped, 'length', { value: body.length });
  return wrapped;
});
