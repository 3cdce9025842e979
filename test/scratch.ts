// Scratch folders for the tests: all inside one temporary folder per test process, which is removed when
// the process exits, a failed assertion included, so that no test run leaves anything behind.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let root: string | null = null;

/** A new empty folder, named after what it is for. */
export function scratchDir(purpose: string): string {
  if (!root) {
    const made = mkdtempSync(path.join(tmpdir(), 'winsock-conformance-test-'));
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
