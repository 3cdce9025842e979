// Scratch folders for the tests: all inside one temporary folder per test process, which is removed when
// the process exits, a failed assertion included, so that no test run leaves anything behind. It is made in
// the folder SCRATCH_ENV names (npm test's own, in RAM where it can: scripts/test.ts), else in the system's
// temporary folder.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The environment variable naming the folder the tests make their scratch folders in. */
export const SCRATCH_ENV = 'WINSOCK_CONFORMANCE_SCRATCH';

let root: string | null = null;

/** A new empty folder, named after what it is for. */
export function scratchDir(purpose: string): string {
  if (!root) {
    const made = mkdtempSync(path.join(process.env[SCRATCH_ENV] || tmpdir(), 'winsock-conformance-test-'));
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    root = made;
  }
  return mkdtempSync(path.join(root, `${purpose}-`));
}

/** Every file and folder below `folder`, with each file's size and modification time: what a command changed there. */
export function treeOf(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((entry) => {
      const stat = statSync(path.join(folder, entry));
      return `${entry} ${stat.isDirectory() ? 'dir' : `${stat.size} ${stat.mtimeMs}`}`;
    });
}
