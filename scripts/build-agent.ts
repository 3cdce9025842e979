// npm run build:agent — the native agent (agents/native/) for x64 and x86 Windows, into .cache/native-agent/;
// rebuilt only when a source or a flag changed. Each executable's imports are checked: the system DLLs
// only. Exit 2 with one line when it cannot be built here (no mingw-w64: `npm run setup` installs it).
import * as path from 'node:path';
import { parseCommandLine } from '../src/cli/arguments';
import { runAsProgram, type Command } from '../src/cli/command';
import { REPO_ROOT } from '../src/core/paths';
import { buildNativeAgents, importedDlls, NativeBuildError, SYSTEM_DLLS } from '../src/testbeds/agent-controller/native-build';

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  parseCommandLine(argv, {});
  const built = await buildNativeAgents(path.join(REPO_ROOT, '.cache'), (line) => stdout.write(`build:agent: ${line}\n`));
  for (const [arch, exe] of Object.entries(built)) {
    const dlls = importedDlls(exe);
    const foreign = dlls.filter((d) => !SYSTEM_DLLS.includes(d));
    if (foreign.length > 0) throw new NativeBuildError(`${exe} imports ${foreign.join(', ')}, beyond the system DLLs ${SYSTEM_DLLS.join(', ')}`);
    stdout.write(`build:agent: ${arch} ${path.relative(process.cwd(), exe)} (imports ${dlls.join(', ')})\n`);
  }
  return 0;
}

const buildAgent: Command = { usage: 'usage: npm run build:agent', main };

// What cannot be built here (a NativeBuildError) is one line, exit 2, by the exit path every command of the suite shares.
runAsProgram(module, 'build:agent', buildAgent);
