// A run's facts, each labelled with who vouches for it: what the controller observed itself (its host, the
// wine64 it runs, the node.exe it installed, the capture, the agent's boot on its clock, the TCP/IP stack the
// implementation's SYN or SYN-ACK shows on the wire), and what the agent attests about the system it runs on
// (Windows, ws2_32, its runtime). Where both speak of one thing and disagree, the facts say so: an agent that
// misreports what the controller can see is not to be believed on what it cannot.
import type { AgentFacts } from '../../../agents/protocol';
import { segmentText, stacksOf, stackText, type ObservedSegment } from '../loopback/stack-fingerprint';

/** The fact that names every contradiction between the agent's word and what the controller observed. */
export const CONTRADICTION_FACT = 'controller: the agent contradicts it';
/** The fact that says why a Wine run's wire shows its host's TCP/IP, not Windows', and that this is no lie. */
export const WINE_WIRE_FACT = 'controller: Wine and the wire';
/** The implementation's handshake segments as captured, or why none was observed. */
export const WIRE_FINGERPRINT_FACT = 'controller: wire fingerprint';
/** The stack those segments match in the suite's table (stack-fingerprint.ts), or that they match none. */
export const WIRE_STACK_FACT = 'controller: TCP/IP on the wire';

/**
 * What the controller captured of the implementation's TCP/IP: its first SYN and SYN-ACK (either may be
 * missing), or why it saw neither (no capture; no scenario connected one of its TCP sockets).
 */
export type WireFingerprint = { segments: readonly ObservedSegment[] } | { notObservedBecause: string };

/** What the controller knows without asking the agent. */
export interface ControllerFacts {
  backend: string;
  revision: string;
  host: string;
  agentAddress: string;
  capture: string;
  /**
   * How the controller itself runs the agent: under which Wine (`wine64 --version`; null: none) with which
   * node.exe it installed (null: one it did not install). Null for an agent it does not start (a remote
   * one), about which it knows nothing of the kind.
   */
  runs: { wine: string | null; nodeExe: string | null } | null;
  /** The agent program the controller started (the node agent, the native one, an agent-command); absent for a remote agent. */
  program?: string;
  bootMs: number | null;
  wire: WireFingerprint;
}

/** Wine's version as both sides write it: `wine64 --version` says "wine-8.0 (Debian ...)", ntdll says "8.0". */
function wineRelease(text: string): string {
  return /(\d+(?:\.\d+)+)/.exec(text)?.[1] ?? text;
}

/** The labelled facts of a run; `agent` is null when the agent could not be asked (its error is then given). */
export function runFacts(controller: ControllerFacts, agent: AgentFacts | null, agentError: string | null): Record<string, string> {
  const facts: Record<string, string> = {
    backend: controller.backend,
    'controller: suite revision': controller.revision,
    'controller: host': controller.host,
    'controller: agent address': controller.agentAddress,
    'controller: capture': controller.capture,
  };
  const runs = controller.runs;
  if (runs) facts['controller: runs the agent under'] = runs.wine ?? 'no Wine';
  if (controller.program !== undefined) facts['controller: agent program'] = controller.program;
  if (runs?.nodeExe) facts['controller: node.exe installed'] = runs.nodeExe;
  if (controller.bootMs !== null) facts['controller: agent boot ms'] = controller.bootMs.toFixed(0);
  Object.assign(facts, wireFacts(controller.wire));
  if (agentError !== null) facts['controller: agent error'] = agentError;
  if (!agent) return facts;
  facts['agent: implementation'] = agent.implementation;
  facts['agent: windows'] = agent.windows;
  facts['agent: ws2_32'] = agent.ws2_32;
  if (agent.node !== undefined) facts['agent: node'] = String(agent.node);
  if (agent.koffi !== undefined) facts['agent: koffi'] = String(agent.koffi);
  if (agent.wine !== undefined) facts['agent: wine'] = String(agent.wine);
  const disagreements: string[] = [];
  const agentWine = agent.wine === undefined ? null : String(agent.wine);
  if (runs?.wine && agentWine !== null && wineRelease(runs.wine) !== wineRelease(agentWine)) {
    disagreements.push(`the controller runs Wine ${wineRelease(runs.wine)}, the agent says ${agentWine}`);
  }
  if (runs?.wine && agentWine === null) disagreements.push('the controller runs the agent under Wine, the agent does not say so');
  if (runs && !runs.wine && agentWine !== null) disagreements.push(`the controller runs the agent without Wine, the agent says Wine ${agentWine}`);
  if (runs?.nodeExe && agent.node !== undefined && runs.nodeExe !== String(agent.node)) {
    disagreements.push(`the controller installed node.exe ${runs.nodeExe}, the agent says ${String(agent.node)}`);
  }
  const wire = wireAgainstTheAgent(controller.wire, agent);
  disagreements.push(...wire.disagreements);
  if (wire.wineNote !== null) facts[WINE_WIRE_FACT] = wire.wineNote;
  if (disagreements.length > 0) facts[CONTRADICTION_FACT] = disagreements.join('; ');
  return facts;
}

/** The facts of the wire: the fingerprint as captured, and the stack it matches. */
function wireFacts(wire: WireFingerprint): Record<string, string> {
  if ('notObservedBecause' in wire) {
    return { [WIRE_FINGERPRINT_FACT]: `not observed: ${wire.notObservedBecause}`, [WIRE_STACK_FACT]: 'not observed' };
  }
  return { [WIRE_FINGERPRINT_FACT]: wire.segments.map(segmentText).join('; '), [WIRE_STACK_FACT]: stackText(wire.segments) };
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/**
 * Where the stack on the wire contradicts what the agent says it runs on. Windows sends Windows' segments;
 * Wine sends its host's (its ws2_32 calls the host's sockets), so an agent that says Windows under Wine and
 * a wire that shows another stack is no lie, and is named as what it is.
 */
function wireAgainstTheAgent(wire: WireFingerprint, agent: AgentFacts): { disagreements: string[]; wineNote: string | null } {
  const disagreements: string[] = [];
  if ('notObservedBecause' in wire) return { disagreements, wineNote: null };
  const stacks = stacksOf(wire.segments);
  const wine = agent.wine === undefined ? null : String(agent.wine);
  const saysWindows = /windows/i.test(agent.windows);
  for (const stack of stacks) {
    const shows = `the wire shows ${possessive(stack)} TCP/IP (${WIRE_FINGERPRINT_FACT})`;
    if (wine !== null && stack === 'Windows')
      disagreements.push(`the agent says it runs under Wine ${wine}, which sends through its host's TCP/IP, yet ${shows}`);
    else if (wine === null && saysWindows && stack !== 'Windows') disagreements.push(`the agent says ${agent.windows}, not under Wine, yet ${shows}`);
    else if (!saysWindows && stack === 'Windows') disagreements.push(`the agent says ${agent.windows}, yet ${shows}`);
  }
  const wineNote =
    wine !== null && saysWindows && !stacks.includes('Windows')
      ? `Wine runs on the host's TCP/IP: the agent says ${agent.windows} under Wine ${wine}, and the wire shows ${
          stacks.length > 0 ? `${stacks.map(possessive).join(' and ')} TCP/IP` : "a TCP/IP the suite's table does not know"
        }, its host's; not a contradiction: the calls are Wine's, the segments its host's`
      : null;
  return { disagreements, wineNote };
}

/** The facts every report names beside a run's verdicts, not only among its facts: contradictions, and Wine's TCP/IP. */
export function namedFacts(facts: Readonly<Record<string, string>>): string[] {
  return [CONTRADICTION_FACT, WINE_WIRE_FACT].filter((key) => facts[key] !== undefined).map((key) => `${key}: ${facts[key]}`);
}
