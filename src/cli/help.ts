// `winsock-conformance --help`: the usage, every backend with the options it takes, and the simulator's
// mutants. The simulator's choices and mutants describe themselves (simulator/options.ts and simulator/mutants.ts); the agent's
// options are described here, and a unit test checks this list against the names the agent parser takes.
import { CHOICES } from '../testbeds/simulator/options';
import { MUTANTS } from '../testbeds/simulator/mutants';
import { OPTION_NAMES as AGENT_OPTION_NAMES } from '../testbeds/agent-controller/options';
import { BACKENDS } from '../testbeds/registry';
import { SUBCOMMANDS } from './subcommands';

export interface OptionHelp {
  name: string;
  takes: string;
  summary: string;
}

type AgentOptionName = (typeof AGENT_OPTION_NAMES)[number];

const AGENT_OPTION_HELP: Record<AgentOptionName, Omit<OptionHelp, 'name'>> = {
  agent: { takes: 'tcp://HOST:PORT', summary: 'an agent already running there (another host, another stack), instead of starting one' },
  'agent-command': { takes: 'PROGRAM [ARGS...]', summary: "a local agent program to start instead of the suite's (a .ts or .js file runs in this node)" },
  'agent-kind': {
    takes: 'node|native',
    summary: "the suite's agent to start: Windows node.exe with koffi (default), or the native one in C (agents/native/, built by npm run build:agent)",
  },
  grace: { takes: 'MS', summary: "how long an answer may come after a call's bound before the agent counts as hung (default 5000)" },
  'boot-timeout': { takes: 'MS', summary: 'how long the agent may take to start (default 60000)' },
  capture: {
    takes: 'on|off',
    summary: 'capture every scenario’s packets with tcpdump, when root: on lo, or on every interface for a peer-address off loopback (default on)',
  },
  wine: {
    takes: 'PATH',
    summary:
      'the wine64 to run the agent with (wine backends; default: $WINE64, then wine64 on PATH, then /usr/lib/wine/wine64, where Debian installs it, and WineHQ’s /opt/wine-stable)',
  },
  cache: { takes: 'DIR', summary: "the cache folder: the agents' builds and logs, and for Wine its prefix and Windows node.exe (default <repo>/.cache)" },
  verbose: { takes: 'on|off', summary: 'the agent logs every call to its log file (default off)' },
  'peer-address': {
    takes: 'ADDRESS',
    summary: 'the address of this host the peer listens at, which an agent on another host must reach (default 127.0.0.1); checked before any scenario',
  },
};

/** The options of a backend, as --backend-option KEY=VALUE takes them. */
function backendOptionHelp(backend: string): OptionHelp[] {
  if (backend === 'simulator') {
    return [
      ...Object.values(CHOICES).map((c) => ({ name: c.option, takes: c.values.join('|'), summary: `${c.summary} (${c.requirement})` })),
      { name: 'mutant', takes: 'NAME', summary: 'break the rules the mutant names on purpose (below); `npm run mutants` runs them all' },
    ];
  }
  // Only the wine backends run Wine; the posix backend has one agent of its own, and wine32 one build of the native agent.
  const notTaken: Partial<Record<string, AgentOptionName[]>> = { winsock: ['wine'], posix: ['wine', 'agent-kind'], wine32: ['agent-kind'] };
  return AGENT_OPTION_NAMES.filter((name) => !(notTaken[backend] ?? []).includes(name)).map((name) => ({ name, ...AGENT_OPTION_HELP[name] }));
}

export function helpText(usage: string): string {
  const lines = [
    usage,
    '',
    '  --function NAME          the function whose catalogue (spec/NAME.yaml) and features run (default: the only catalogue, or',
    "                           WSARecvDisconnect among several); another function's reports go under reports/<function>/",
    '  --backend NAME           the implementation to run against (default simulator; below)',
    '  --label TEXT             names the implementation under test, e.g. "ReactOS 0.4.15": recorded with the run, heads its',
    '                           matrix column, and names its reports folder (reports/<backend>-<label>)',
    '  --expectations FILE      the known deviations to judge by (default expectations/<backend>.yaml, if there is one;',
    "                           another function's: expectations/<function>/<backend>.yaml)",
    '  --tags EXPR              only the scenarios a cucumber tag expression selects, e.g. @req:remarks.no-icmp',
    '  FEATURE[:LINE]           only that feature, or the scenario (or Examples row) at that line (see --list)',
    '  --rerun                  run again the scenarios of the last run in reports/<backend> whose verdict can change',
    "                           (FAIL, XPASS, BROKEN, TIMEOUT), and merge them into it: its reports, the whole run's, go",
    '                           where it was read, or to --reports DIR (which keeps the run read as it was)',
    '  --rerun-from DIR         --rerun of the last run in DIR',
    '  --backend-option K=V     a backend option (below)',
    '  --parallel N             N workers, each with its own testbed',
    '  --reports DIR            where the reports go (default reports/<backend>); --no-reports: none',
    '  --quiet                  no verdict lines, only the summary',
    '  --list                   the requirements and their scenarios, with the IDs and feature:line that select them',
    '',
    'subcommands (winsock-conformance SUBCOMMAND --help for their options):',
    ...SUBCOMMANDS.map((s) => `  ${s.name.padEnd(24)} ${s.summary}`),
    '',
    'backends and their --backend-option KEY=VALUE:',
  ];
  for (const backend of BACKENDS) {
    lines.push(`  ${backend.name}: ${backend.summary}`);
    for (const option of backendOptionHelp(backend.name)) {
      const usage = `${option.name}=${option.takes}`;
      // A long KEY=VALUES gets a line of its own, its summary below it.
      if (usage.length > 42) lines.push(`    ${usage}`, `    ${''.padEnd(42)} ${option.summary}`);
      else lines.push(`    ${usage.padEnd(42)} ${option.summary}`);
    }
  }
  lines.push('', 'simulator mutants (--backend-option mutant=NAME), each breaking the rules it names:');
  for (const mutant of MUTANTS) lines.push(`  ${mutant.name.padEnd(38)} ${mutant.summary} [${mutant.breaks.join(', ')}]`);
  return `${lines.join('\n')}\n`;
}
