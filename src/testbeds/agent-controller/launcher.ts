// Starting a local agent: agents/node/agent.ts and what it requires transpiled into the cache (node.exe loads
// no TypeScript), the process spawned with its stdout and stderr in files (Wine's node.exe dies on a piped
// stdout), and its port learnt from the one line it sends to a one-shot "announce" listener of ours.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import { create, type Service } from 'ts-node';
import { AgentFailure } from '../../core/outcomes';
import { REPO_ROOT } from '../../core/paths';

const AGENT_ENTRY = path.join(REPO_ROOT, 'agents', 'node', 'agent.ts');

/** ts-node as the suite's loader is set up (tsconfig.json's "ts-node" block: swc, transpile only), for the agent's build. */
let compiler: Service | null = null;

/** One TypeScript file as CommonJS, transpiled as ts-node transpiles the suite's own files. */
function transpile(file: string): string {
  compiler ??= create({ projectSearchDir: REPO_ROOT });
  return compiler.compile(fs.readFileSync(file, 'utf8'), file);
}

/** The module names a transpiled file requires (swc writes each import as a `require("...")`). */
function requiredModules(js: string): string[] {
  return [...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] as string);
}

/** The TypeScript file a relative import of `from` names, which must be inside the repository. */
function resolveImport(from: string, specifier: string): string {
  const source = `${path.resolve(path.dirname(from), specifier)}.ts`;
  if (!fs.existsSync(source)) throw new Error(`the agent cannot be built: ${path.relative(REPO_ROOT, from)} imports ${specifier}, which is no TypeScript file`);
  if (path.relative(REPO_ROOT, source).startsWith('..'))
    throw new Error(`the agent cannot be built: ${path.relative(REPO_ROOT, from)} imports ${source}, outside the repository`);
  return source;
}

function writeIfChanged(file: string, text: string): void {
  let current: string | null = null;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = null;
  }
  if (current === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Transpile agents/node/agent.ts (or another agent program, `entry`) and every file it requires at run time,
 * followed through their relative imports, into `outDir`, each where it is in the repository
 * (agents/node/agent.ts as agent/agent.js, src/core/winsock.ts as src/core/winsock.js), so that the requires
 * resolve as they do in the sources. Type-only imports vanish in the transpiling, so they are not
 * followed. Only files whose output changed are written. Returns the path of the entry's output, agent.js.
 */
export function buildAgent(outDir: string, entry: string = AGENT_ENTRY): string {
  const output = (source: string): string => path.join(outDir, path.relative(REPO_ROOT, source).replace(/\.ts$/, '.js'));
  const pending = [entry];
  const built = new Set<string>();
  for (let source = pending.pop(); source !== undefined; source = pending.pop()) {
    if (built.has(source)) continue;
    built.add(source);
    const js = transpile(source);
    for (const specifier of requiredModules(js)) {
      if (specifier.startsWith('.')) pending.push(resolveImport(source, specifier));
      // node.exe has no node_modules beside the build; koffi, the one package, is loaded from --koffi's path.
      else if (!isBuiltin(specifier))
        throw new Error(`the agent cannot be built: ${path.relative(REPO_ROOT, source)} requires ${specifier}, which is not a node built-in`);
    }
    writeIfChanged(output(source), js);
  }
  return output(entry);
}

export interface LaunchSpec {
  /** The program and its arguments before the agent's own (e.g. wine64, node.exe, agent.js). */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  bootTimeoutMs: number;
  /** Extra words for error messages, e.g. "under wine64". */
  label: string;
}

let launches = 0;

/**
 * The agent never listened: it exited first, its boot bound passed, it announced garbage or it could not be
 * spawned. `printed` says, on one line, what it wrote before (its stdout and stderr go to files).
 */
export class AgentDidNotStart extends AgentFailure {
  override readonly name = 'AgentDidNotStart';

  constructor(
    message: string,
    evidence: string,
    readonly printed: string,
  ) {
    super(message, evidence);
  }
}

/** Wait for `promise`, or `ms` at most; the timer does not outlive the wait (nor keep a finished run alive). */
export function awaitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
}

/** A running local agent. */
export class LocalAgent {
  private exitInfo: string | null = null;
  readonly exited: Promise<string>;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly announcePort: number,
    readonly stdoutPath: string,
    readonly stderrPath: string,
    readonly bootMs: number,
  ) {
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve(this.exitInfo);
      };
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once('exit', done);
    });
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** What the agent last wrote, for AgentFailure evidence. */
  evidence(): string {
    return describeLogs(this.stdoutPath, this.stderrPath, this.exitInfo);
  }

  /** SIGKILL, and wait until it is gone (bounded). */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await awaitAtMost(this.exited, 5000);
  }
}

function tailOf(file: string, max = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > max ? `...${text.slice(-max)}` : text;
  } catch {
    return '';
  }
}

function describeLogs(stdoutPath: string, stderrPath: string, exitInfo: string | null): string {
  const out = tailOf(stdoutPath).trim();
  const err = tailOf(stderrPath).trim();
  return [`agent ${exitInfo ?? 'still running'}`, `--- stdout (${stdoutPath}) ---`, out || '(empty)', `--- stderr (${stderrPath}) ---`, err || '(empty)'].join(
    '\n',
  );
}

/** What the agent printed, on one line: the last lines of its stderr, then of its stdout, and where the whole of each is. */
function printedOnOneLine(stdoutPath: string, stderrPath: string): string {
  const lastLines = (file: string): string[] =>
    tailOf(file)
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(-3)
      .map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line));
  const lines = [...lastLines(stderrPath), ...lastLines(stdoutPath)];
  const where = `stdout ${path.relative(process.cwd(), stdoutPath)}, stderr ${path.relative(process.cwd(), stderrPath)}`;
  return `${lines.length ? `it printed: ${lines.join(' | ')}` : 'it printed nothing'} (${where})`;
}

/** Keep the newest `keep` log files of the folder. */
function pruneLogs(dir: string, keep = 20): void {
  try {
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('agent-') && f.endsWith('.log'))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(keep)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // best effort
  }
}

/**
 * Spawn the agent with `--listen 127.0.0.1:0 --announce 127.0.0.1:P --single` appended, and wait until it
 * announces its port, exits, or the boot bound passes (then it is killed).
 */
export async function launchLocalAgent(spec: LaunchSpec): Promise<LocalAgent> {
  fs.mkdirSync(spec.logDir, { recursive: true });
  pruneLogs(spec.logDir);
  launches += 1;
  const base = path.join(spec.logDir, `agent-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${launches}`);
  const stdoutPath = `${base}.stdout.log`;
  const stderrPath = `${base}.stderr.log`;
  const outFd = fs.openSync(stdoutPath, 'w');
  const errFd = fs.openSync(stderrPath, 'w');

  const announce = net.createServer();
  await new Promise<void>((resolve, reject) => {
    announce.once('error', reject);
    announce.listen(0, '127.0.0.1', () => resolve());
  });
  const announcePort = (announce.address() as net.AddressInfo).port;
  const t0 = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args, '--listen', '127.0.0.1:0', '--announce', `127.0.0.1:${announcePort}`, '--single'], {
      env: spec.env,
      stdio: ['ignore', outFd, errFd],
      windowsHide: true,
    });
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const fail = (message: string): void => {
        clearTimeout(timer);
        child.off('exit', onExit);
        const exitInfo = child.exitCode === null ? null : `exit code ${child.exitCode}`;
        reject(new AgentDidNotStart(message, describeLogs(stdoutPath, stderrPath, exitInfo), printedOnOneLine(stdoutPath, stderrPath)));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`the agent ${spec.label} did not announce its port within ${spec.bootTimeoutMs} ms`);
      }, spec.bootTimeoutMs);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        fail(`the agent ${spec.label} exited (${signal ?? `code ${code}`}) before it was listening`);
      child.once('exit', onExit);
      child.once('error', (e) => fail(`cannot start the agent ${spec.label}: ${e.message}`));
      announce.on('connection', (socket) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (text += d));
        socket.on('error', () => undefined);
        socket.on('end', () => {
          let port = NaN;
          try {
            port = Number((JSON.parse(text.trim()) as { port?: unknown }).port);
          } catch {
            port = NaN;
          }
          if (!Number.isInteger(port) || port <= 0) {
            child.kill('SIGKILL');
            fail(`the agent ${spec.label} announced garbage instead of its port: ${JSON.stringify(text.slice(0, 500))}`);
            return;
          }
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(port);
        });
      });
    });
    return new LocalAgent(child, port, announcePort, stdoutPath, stderrPath, performance.now() - t0);
  } finally {
    announce.close();
  }
}
