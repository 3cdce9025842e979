// A run's facts, each labelled with who vouches for it: what the controller observed itself (its host, the
// wine64 it runs, the node.exe it installed, the capture, the agent's boot on its clock), and what the agent
// attests about the system it runs on (Windows, ws2_32, its runtime). Where both speak of one thing and
// disagree, the facts say so: an agent that misreports what the controller can see is not to be believed
// on what it cannot.
import type { AgentFacts } from '../../../agents/protocol';

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
  if (disagreements.length > 0) facts['controller: the agent contradicts it'] = disagreements.join('; ');
  return facts;
}
