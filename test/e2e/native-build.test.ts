// The native agent's executables, as a vendor copies them to an old Windows: built by `npm run build:agent`
// (here into a scratch cache), importing the system DLLs only, hardened (ASLR, DEP), and marked to load on
// Windows XP (x86: subsystem 5.1 or lower; x64: XP x64's 5.2). Needs mingw-w64 (`npm run setup`).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { buildNativeAgents, importedDlls, SYSTEM_DLLS } from '../../src/testbeds/agent/native-build';
import { scratchDir } from '../scratch';

/** The PE optional header's subsystem version and DllCharacteristics. */
function peHeader(exe: string): { subsystem: number; characteristics: number } {
  const b = fs.readFileSync(exe);
  const optional = b.readUInt32LE(0x3c) + 24;
  return { subsystem: b.readUInt16LE(optional + 48) + b.readUInt16LE(optional + 50) / 10, characteristics: b.readUInt16LE(optional + 70) };
}

const DYNAMIC_BASE = 0x40;
const NX_COMPAT = 0x100;
const HIGH_ENTROPY_VA = 0x20;

describe('the native agent build', () => {
  it('gives x64 and x86 executables that import only the system DLLs, are hardened, and load on Windows XP; a second build reuses them', async () => {
    const cache = scratchDir('native-build');
    const built = await buildNativeAgents(cache);
    for (const [arch, exe] of Object.entries(built)) {
      assert.deepEqual(importedDlls(exe), SYSTEM_DLLS, `${arch} imports`);
      const { subsystem, characteristics } = peHeader(exe);
      assert.ok(subsystem <= (arch === 'x64' ? 5.2 : 5.1), `${arch}: subsystem version ${subsystem}`);
      assert.equal(characteristics & (DYNAMIC_BASE | NX_COMPAT), DYNAMIC_BASE | NX_COMPAT, `${arch}: ASLR and DEP`);
      if (arch === 'x64') assert.equal(characteristics & HIGH_ENTROPY_VA, HIGH_ENTROPY_VA, 'x64: high-entropy ASLR');
    }
    const before = fs.statSync(built.x64).mtimeMs;
    const again = await buildNativeAgents(cache);
    assert.equal(again.x64, built.x64);
    assert.equal(fs.statSync(built.x64).mtimeMs, before, 'not rebuilt when nothing changed');
  });
});
