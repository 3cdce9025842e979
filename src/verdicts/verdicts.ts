// From cucumber's messages to conformance verdicts. Pure: the CLI feeds it live, the report builder feeds
// it archived messages.ndjson files, and both get the same answer.
import type * as messages from '@cucumber/messages';
import type { Requirement } from '../catalogue/catalogue';
import type { Expectation } from './expectations-file';
import type { ScenarioRecord } from './run-record';
import type { ObservedVerdict, Verdict } from './meanings';
import {
  AgentFailure,
  CALL_LOG_MEDIA,
  CallTimeout,
  Deviation,
  NOT_APPLICABLE_MEDIA,
  ObserverBlind,
  RUN_METADATA_MEDIA,
  UNOBSERVED_MEDIA,
  type Unobserved,
} from '../core/outcomes';

/** Which verdict speaks for a requirement with several scenarios: the first in this order that occurs. */
const PRECEDENCE: readonly Verdict[] = ['XPASS', 'FAIL', 'TIMEOUT', 'BROKEN', 'XFAIL', 'OPTIONAL', 'PASS', 'N/A'];

/**
 * The verdict a scenario ends with when a step throws one of the suite's errors (src/core/outcomes.ts); any
 * other error is BROKEN. Cucumber records a thrown error's type as its constructor's name
 * (`error.constructor.name`), so the classes' own names are what is matched: renaming a class renames its key.
 */
export const ERROR_VERDICTS: readonly { error: abstract new (...args: never[]) => Error; verdict: ObservedVerdict }[] = [
  { error: Deviation, verdict: 'FAIL' }, // OPTIONAL on a MAY requirement
  { error: CallTimeout, verdict: 'TIMEOUT' },
  { error: ObserverBlind, verdict: 'BROKEN' },
  { error: AgentFailure, verdict: 'BROKEN' },
];

/** The verdict of the error type cucumber reported; null for an error that is none of the suite's. */
function verdictOfError(type: string, strength: string | null): ObservedVerdict | null {
  const verdict = ERROR_VERDICTS.find((entry) => entry.error.name === type)?.verdict ?? null;
  return verdict === 'FAIL' && strength === 'MAY' ? 'OPTIONAL' : verdict;
}

export interface Attachment {
  mediaType: string;
  body: string;
  /** The name it was attached with (`call-log.txt`), or null. */
  fileName: string | null;
}

/** A scenario's result in this run: its record in verdicts.json, and the evidence attached to it. */
export interface ScenarioResult extends ScenarioRecord {
  /** The pickle's id: unique within one run. */
  id: string;
  expectation: Expectation | null;
  attachments: Attachment[];
}

/** What the catalogue says of a requirement that a verdict needs: how binding it is, and where on the page. */
export type RequirementFacts = Pick<Requirement, 'strength' | 'section'>;

function tagValue(tags: readonly { name: string }[], key: string): string | null {
  const tag = tags.find((t) => t.name.startsWith(`@${key}:`));
  return tag ? tag.name.slice(key.length + 2) : null;
}

/** What one failed step or hook says: a deviation of the rule, a call that never returned, or the suite's own failure. */
function failedStep(result: messages.TestStepResult, strength: string | null): { observed: ObservedVerdict; detail: string } {
  const type = result.exception?.type ?? '';
  const message = (result.exception?.message ?? result.message ?? 'failed').split('\n')[0] ?? 'failed';
  // Cucumber's own step timeout is a plain Error whose message says so.
  const observed = verdictOfError(type, strength) ?? (/function timed out/.test(message) ? 'TIMEOUT' : 'BROKEN');
  return { observed, detail: observed === 'BROKEN' && type ? `${type}: ${message}` : message };
}

/** How the scenario's steps and hooks ended, before any error of the suite that came after it is weighed. */
function scenarioOutcome(
  results: readonly messages.TestStepResult[],
  attachments: readonly Attachment[],
  strength: string | null,
): { observed: ObservedVerdict; detail: string; at: number } {
  const notApplicable = attachments.find((a) => a.mediaType === NOT_APPLICABLE_MEDIA);
  for (const [at, result] of results.entries()) {
    switch (result.status) {
      case 'PASSED':
        continue;
      case 'FAILED':
        return { ...failedStep(result, strength), at };
      case 'SKIPPED':
        if (notApplicable) {
          const { reason } = JSON.parse(notApplicable.body) as { reason: string };
          return { observed: 'N/A', detail: reason, at };
        }
        return { observed: 'BROKEN', detail: 'a step was skipped without a reason', at };
      default:
        return { observed: 'BROKEN', detail: `a step is ${result.status.toLowerCase()}`, at };
    }
  }
  return { observed: 'PASS', detail: '', at: results.length };
}

/**
 * The verdict of one finished scenario, from its step and hook results (in order) and attachments: the
 * first step that did not pass decides it, unless the suite itself failed later (an After hook that threw
 * after a N/A or a deviation): an error of the suite is never hidden behind another verdict, so the
 * scenario is then BROKEN, and its detail says what it had been.
 */
export function observedVerdict(
  results: readonly messages.TestStepResult[],
  attachments: readonly Attachment[],
  strength: string | null,
): { observed: ObservedVerdict; detail: string } {
  const { at, ...outcome } = scenarioOutcome(results, attachments, strength);
  const later = results.slice(at + 1).flatMap((r) => (r.status === 'FAILED' ? [failedStep(r, strength)] : []));
  if (outcome.observed !== 'BROKEN') {
    const harness = later.find((f) => f.observed === 'BROKEN');
    if (harness)
      return {
        observed: 'BROKEN',
        detail: `${harness.detail} (after the scenario had ended ${outcome.observed}${outcome.detail ? `: ${outcome.detail}` : ''})`,
      };
  }
  // The deviations the checks found before a call hung or the suite failed are part of what was observed.
  const deviations = later.find((f) => f.observed === 'FAIL' || f.observed === 'OPTIONAL');
  if ((outcome.observed === 'TIMEOUT' || outcome.observed === 'BROKEN') && deviations)
    return { observed: outcome.observed, detail: `${outcome.detail} (the checks before it found: ${deviations.detail})` };
  return outcome;
}

/** A detail with each endpoint's port masked: ephemeral ports differ from run to run, the deviation does not. */
export function withoutPorts(detail: string): string {
  return detail.replace(/(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):\d+/gi, '$1:*');
}

/**
 * Apply a recorded expectation: the deviation recorded, verdict and detail alike, becomes XFAIL; a pass
 * becomes XPASS. A deviation of another shape (the same verdict, another detail) keeps its verdict: it is
 * not the one recorded, and the detail says so.
 */
export function applyExpectation(observed: ObservedVerdict, detail: string, expectation: Expectation | null): { verdict: Verdict; detail: string } {
  if (!expectation) return { verdict: observed, detail };
  if (observed === 'PASS') return { verdict: 'XPASS', detail };
  if (observed !== expectation.verdict) return { verdict: observed, detail };
  if (withoutPorts(detail) === withoutPorts(expectation.detail)) return { verdict: 'XFAIL', detail };
  return { verdict: observed, detail: `${detail} (a deviation other than the one recorded in the expectations: ${expectation.detail})` };
}

function waitedMs(attachments: readonly Attachment[]): number {
  const log = attachments.find((a) => a.mediaType === CALL_LOG_MEDIA);
  return log ? (JSON.parse(log.body) as { waitedMs: number }).waitedMs : 0;
}

/** The checks of the scenario that could not look, each once (a check that ran twice lacked its observer once). */
export function unobservedOf(attachments: readonly Attachment[]): Unobserved[] {
  const seen = new Map<string, Unobserved>();
  for (const a of attachments) {
    if (a.mediaType !== UNOBSERVED_MEDIA) continue;
    const { observer, check, why } = JSON.parse(a.body) as Unobserved;
    seen.set(`${observer}\n${check}`, { observer, check, why });
  }
  return [...seen.values()];
}

export function requirementVerdict(verdicts: readonly Verdict[]): Verdict {
  return PRECEDENCE.find((v) => verdicts.includes(v)) ?? 'N/A';
}

/**
 * Where each pickle of cucumber's messages is, as verdicts.json locates a scenario: `features/x.feature:LINE`,
 * the line of its scenario or of its Examples row (a pickle's own location is its outline's, for every row).
 */
export class ScenarioLocations {
  /** The feature's name, by its file. */
  readonly features = new Map<string, string>();
  private readonly lines = new Map<string, number>();

  /** Reads a gherkin document's scenarios and rows; other envelopes are not its business. */
  add(envelope: messages.Envelope): void {
    const doc = envelope.gherkinDocument;
    if (!doc?.uri || !doc.feature) return;
    this.features.set(doc.uri, doc.feature.name);
    const visit = (children: readonly (messages.FeatureChild | messages.RuleChild)[]): void => {
      for (const child of children) {
        if ('rule' in child && child.rule) visit(child.rule.children);
        const scenario = child.scenario;
        if (!scenario) continue;
        this.lines.set(scenario.id, scenario.location.line);
        for (const examples of scenario.examples) for (const row of examples.tableBody) this.lines.set(row.id, row.location.line);
      }
    };
    visit(doc.feature.children);
  }

  /** `features/x.feature:LINE` of a pickle whose document was added. */
  of(pickle: messages.Pickle): string {
    const astId = pickle.astNodeIds[pickle.astNodeIds.length - 1] ?? '';
    return `${pickle.uri}:${this.lines.get(astId) ?? 0}`;
  }
}

/**
 * Collects envelopes and yields a ScenarioResult as each test case finishes (retries are ignored until
 * their last attempt).
 */
export class VerdictCollector {
  private readonly locations = new ScenarioLocations();
  private readonly pickles = new Map<string, messages.Pickle>();
  private readonly testCases = new Map<string, messages.TestCase>();
  private readonly started = new Map<string, { testCaseId: string; workerId: string; results: messages.TestStepResult[]; attachments: Attachment[] }>();
  readonly results: ScenarioResult[] = [];
  /**
   * The backend's run metadata, as the worker that attached it first last attached it: a testbed attaches
   * its facts again when they change (support/hooks.ts), and each of a parallel run's workers has a testbed
   * of its own, whose facts are told whole, not mixed with another's.
   */
  metadata: Record<string, string> = {};
  /** The worker whose metadata that is (a serial run's scenarios have no worker id: ''); null until one reports. */
  private metadataWorker: string | null = null;

  constructor(
    /** The catalogue's facts of a requirement, by ID; null for an ID it does not know (lint:trace reports those). */
    private readonly requirementFacts: (id: string) => RequirementFacts | null,
    private readonly findExpectation: (scenario: { requirement: string | null; name: string; location: string }) => Expectation | null,
    private readonly onResult: (result: ScenarioResult) => void = () => undefined,
  ) {}

  add(envelope: messages.Envelope): void {
    if (envelope.gherkinDocument) this.locations.add(envelope);
    else if (envelope.pickle) this.pickles.set(envelope.pickle.id, envelope.pickle);
    else if (envelope.testCase) this.testCases.set(envelope.testCase.id, envelope.testCase);
    else if (envelope.testCaseStarted) {
      const { id, testCaseId, workerId } = envelope.testCaseStarted;
      this.started.set(id, { testCaseId, workerId: workerId ?? '', results: [], attachments: [] });
    } else if (envelope.testStepFinished) {
      this.started.get(envelope.testStepFinished.testCaseStartedId)?.results.push(envelope.testStepFinished.testStepResult);
    } else if (envelope.attachment?.testCaseStartedId) {
      const { mediaType, body, fileName } = envelope.attachment;
      this.started.get(envelope.attachment.testCaseStartedId)?.attachments.push({ mediaType, body, fileName: fileName ?? null });
    } else if (envelope.testCaseFinished && !envelope.testCaseFinished.willBeRetried) {
      this.finish(envelope.testCaseFinished.testCaseStartedId);
    }
  }

  private finish(testCaseStartedId: string): void {
    const run = this.started.get(testCaseStartedId);
    const testCase = run && this.testCases.get(run.testCaseId);
    const pickle = testCase && this.pickles.get(testCase.pickleId);
    if (!run || !pickle) return;
    const location = this.locations.of(pickle);
    const requirement = tagValue(pickle.tags, 'req');
    const facts = requirement === null ? null : this.requirementFacts(requirement);
    const strength = facts?.strength ?? null;
    const runMetadata = run.attachments.filter((a) => a.mediaType === RUN_METADATA_MEDIA).at(-1);
    if (runMetadata && (this.metadataWorker ?? run.workerId) === run.workerId) {
      this.metadataWorker = run.workerId;
      this.metadata = JSON.parse(runMetadata.body) as Record<string, string>;
    }
    const seen = observedVerdict(run.results, run.attachments, strength);
    const expectation = this.findExpectation({ requirement, name: pickle.name, location });
    const { verdict, detail } = applyExpectation(seen.observed, seen.detail, expectation);
    const result: ScenarioResult = {
      id: pickle.id,
      name: pickle.name,
      feature: this.locations.features.get(pickle.uri) ?? pickle.uri,
      location,
      requirement,
      strength,
      section: facts?.section ?? null,
      observed: seen.observed,
      verdict,
      detail,
      observedDetail: seen.detail,
      unobserved: unobservedOf(run.attachments),
      expectation,
      waitedMs: waitedMs(run.attachments),
      attachments: run.attachments,
    };
    this.started.delete(testCaseStartedId);
    this.results.push(result);
    this.onResult(result);
  }
}
