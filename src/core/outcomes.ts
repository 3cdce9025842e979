// The errors a step may end with. The verdict of a scenario is read off the class name of the error
// that ended it (cucumber records it as the exception type; ERROR_VERDICTS in src/verdicts/verdicts.ts
// holds the mapping, by the classes themselves), so each class here is one verdict path:
//   Deviation        -> FAIL (or OPTIONAL on a MAY requirement): the implementation broke the rule. Checks
//                       record their deviations and the scenario goes on (every check runs); the After
//                       hook throws one Deviation with all of them.
//   ObserverBlind    -> BROKEN: a positive control failed, so an absence check proves nothing.
//   CallTimeout      -> TIMEOUT: a call did not return within its bound.
//   AgentFailure     -> BROKEN: the agent crashed, exited or answered garbage (its evidence is attached
//                       to the scenario as agent-evidence.txt by support/dsl.ts).
//   anything else    -> BROKEN: the harness itself failed.
// Not-applicable scenarios do not throw: they attach a NOT_APPLICABLE_MEDIA note and end as skipped.

export class Deviation extends Error {
  override readonly name = 'Deviation';
}

/** Between the deviations of one scenario in its detail: every check runs, and the detail lists what each found. */
export const DEVIATION_SEPARATOR = ' | ';

export class ObserverBlind extends Error {
  override readonly name = 'ObserverBlind';
}

export class CallTimeout extends Error {
  override readonly name = 'CallTimeout';
  constructor(
    message: string,
    /** What the agent that did not answer last printed, where there was one; '' otherwise. */
    readonly evidence = '',
  ) {
    super(message);
  }
}

export class AgentFailure extends Error {
  // string, not the literal: a subclass (the controller's AgentBusy) names itself.
  override readonly name: string = 'AgentFailure';
  constructor(
    message: string,
    /** What the agent last printed or sent, kept as evidence. */
    readonly evidence: string,
  ) {
    super(message);
  }
}

/**
 * What a command cannot do here: a run that cannot start at all (wine64 or node.exe missing, an agent of
 * another protocol version), a set-up or a build this machine cannot make, a measurement that cannot be
 * made (npm run bench's npm test failing). The command prints its message as one line and exits 2, before
 * any scenario.
 */
export class CannotRun extends Error {
  override readonly name: string = 'CannotRun';
}

/** Thrown by a precondition the backend cannot provide; the World turns it into a not-applicable skip. */
export class NotApplicable extends Error {
  override readonly name = 'NotApplicable';
}

export const NOT_APPLICABLE_MEDIA = 'application/vnd.winsock-conformance.not-applicable+json';
/**
 * `{ observer, check, why }`: a check of the rule that could not look, because the run lacks its observer
 * (the wire, where nothing is captured). The scenario's verdict keeps what the other checks established,
 * qualified by it ("PASS, without the wire") in every output.
 */
export const UNOBSERVED_MEDIA = 'application/vnd.winsock-conformance.unobserved+json';

/** What a scenario could not observe (the body of an UNOBSERVED_MEDIA attachment, and verdicts.json's `unobserved`). */
export interface Unobserved {
  /** The observer the run lacks, e.g. `the wire`. */
  observer: string;
  /** What the check would have looked for, e.g. `no segment from the socket besides its handshake`. */
  check: string;
  /** Why the run lacks the observer. */
  why: string;
}
/** `{ waitedMs, calls }`: every call with its outcome, and the time spent waiting out windows and bounds. */
export const CALL_LOG_MEDIA = 'application/vnd.winsock-conformance.call-log+json';
export const WIRE_LOG_MEDIA = 'application/vnd.winsock-conformance.wire-log+json';
/** The scenario's packets as captured: a pcap file (tcpdump's own format), for Wireshark. */
export const PCAP_MEDIA = 'application/vnd.tcpdump.pcap';
/** The backend's facts for the run (versions, revision), attached to a worker's first scenario. */
export const RUN_METADATA_MEDIA = 'application/vnd.winsock-conformance.run-metadata+json';
