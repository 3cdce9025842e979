// npm run build:agent — the native agent (agents/native/) for x64 and x86 Windows, into .cache/native-agent/;
// rebuilt only when a source or a flag changed. Each executable's imports are checked: the system DLLs
// only. Exit 2 with one line when it cannot be built here (no mingw-w64: `npm run setup` installs it).
import * as path from 'node:path';
import { REPO_ROOT } from '../src/core/paths';
import { buildNativeAgents, importedDlls, NativeBuildError, SYSTEM_DLLS } from '../src/testbeds/agent-controller/native-build';

async function main(): Promise<number> {
  try {
    const built = await buildNativeAgents(path.join(REPO_ROOT, '.cache'), (line) => process.stdout.write(`build:agent: ${line}\n`));
    for (const [arch, exe] of Object.entries(built)) {
      const dlls = importedDlls(exe);
      const foreign = dlls.filter((d) => !SYSTEM_DLLS.includes(d));
      if (foreign.length > 0) throw new NativeBuildError(`${exe} imports ${foreign.join(', ')}, beyond the system DLLs ${SYSTEM_DLLS.join(', ')}`);
      process.stdout.write(`build:agent: ${arch} ${path.relative(process.cwd(), exe)} (imports ${dlls.join(', ')})\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`build:agent: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof NativeBuildError ? 2 : 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
