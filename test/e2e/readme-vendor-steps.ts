// The README's steps for a run against another host ("On another host"), read from the README itself, so
// that what npm test runs is what a vendor is told to type: the agent's arguments of step 3 (Wine's
// command line) and the controller's command of step 4 for Wine, with its placeholders for the addresses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../src/core/paths';

const SECTION = '### On another host';
/** The placeholders of step 4, which a run fills with its host's addresses. */
export const AGENT_HOST = 'AGENT-HOST';
export const THIS_HOST_ADDRESS = 'THIS-HOST-ADDRESS';

/** Words of a command line as a POSIX shell splits them (spaces; double and single quotes). */
export function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The code blocks of the README's vendor section, one line each. */
function vendorCommands(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no section "${SECTION}"`);
  const end = readme.slice(start + SECTION.length).search(/\n##+ /);
  const section = readme.slice(start, end < 0 ? undefined : start + SECTION.length + end);
  return [...section.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

function command(what: string, matches: (words: string[]) => boolean): string[] {
  const found = vendorCommands().map(shellWords).find(matches);
  if (!found) throw new Error(`README.md's "${SECTION}" has no ${what}`);
  return found;
}

/** Step 3 under Wine: the agent's arguments after the executable (`--listen 0.0.0.0:7777`). */
export function wineAgentArguments(): string[] {
  const words = command(
    'command running winsock-agent-x64.exe under wine64',
    (w) => w.some((word) => /wine64$/.test(word)) && w.includes('winsock-agent-x64.exe'),
  );
  return words.slice(words.indexOf('winsock-agent-x64.exe') + 1);
}

/** Step 4 for Wine: the command's arguments after `npm run conformance --`, placeholders and all. */
export function wineControllerArguments(): string[] {
  const words = command('`npm run conformance -- --backend wine ...` command', (w) => w.join(' ').startsWith('npm run conformance -- --backend wine '));
  return words.slice(words.indexOf('--') + 1);
}

/** `args` with the placeholders of step 4 filled in. */
export function fillAddresses(args: readonly string[], agentHost: string, thisHostAddress: string): string[] {
  return args.map((arg) => arg.replaceAll(AGENT_HOST, agentHost).replaceAll(THIS_HOST_ADDRESS, thisHostAddress));
}
