// The deliberately faulty agent (fixtures/faulty-agent.ts) and the lying proxy (fixtures/lying-proxy.ts), and
// how the robustness tests run the CLI against them: the eleven scenarios the faulty agent's toy Winsock
// passes, the options that make such a run fast, and what a report of such a run says.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../src/core/paths';
import { readRunRecord } from '../../src/verdicts/run-record';

export const FIXTURE = path.join('test', 'e2e', 'fixtures', 'faulty-agent.ts');
/** Eleven scenarios the faulty agent's toy Winsock passes; the first is the first to call WSARecvDisconnect. */
export const TAGS = '@req:errors.wsaenotconn or @req:errors.wsaenotsock or @req:facts.exported-by-ws2_32';
export const FAST = ['--backend-option', 'grace=300', '--backend-option', 'capture=off'];

export interface Report {
  verdicts: Map<string, { verdict: string; detail: string }>;
  /** The location of the scenario that ran first. */
  first: string;
  /** The bodies of every agent-evidence.txt attachment of the run. */
  evidence: string[];
}

export function readReport(dir: string): Report {
  const json = readRunRecord(dir);
  const evidence: string[] = [];
  for (const line of fs.readFileSync(path.join(dir, 'messages.ndjson'), 'utf8').split('\n')) {
    if (!line.includes('agent-evidence.txt')) continue;
    const { attachment } = JSON.parse(line) as { attachment?: { fileName?: string; body: string } };
    if (attachment?.fileName === 'agent-evidence.txt') evidence.push(attachment.body);
  }
  // A serial run records its scenarios in the order they ran: the first is the one a fault hits.
  return {
    verdicts: new Map(json.results.map((r) => [r.location, { verdict: r.verdict, detail: r.detail }])),
    first: json.results[0]?.location ?? '',
    evidence,
  };
}

/** The CLI's arguments for a run of the faulty agent, told `fault` once (its --once file in `scratch`), started by the controller. */
export function faultArgs(scratch: string, fault: string, reports: string, extra: string[] = []): string[] {
  const once = path.join(scratch, `${fault}-${path.basename(reports)}.once`);
  return [
    '--backend',
    'wine',
    '--backend-option',
    `agent-command=${FIXTURE} --fault ${fault} --once ${once}`,
    '--backend-option',
    `cache=${path.join(scratch, 'cache')}`,
    ...FAST,
    '--tags',
    TAGS,
    '--reports',
    reports,
    ...extra,
  ];
}

/** Start a fixture by hand, as a vendor's agent would run (serving one controller after another). */
export async function startRemote(fixture: string, args: string[]): Promise<{ port: number; exited: Promise<number | null>; kill(): void }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', fixture, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (t: string) => {
      out += t;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`the fixture exited (${code}): ${out}`)));
  });
  return { port, exited, kill: () => child.kill('SIGKILL') };
}
