// npm 11.16 and later print, at the end of `npm ci`, every dependency whose install script package.json's
// `allowScripts` does not cover, and a later npm skips those scripts. Koffi's install script picks its
// prebuilt binary and swc's postinstall checks its native binding: both must run, and a newcomer's
// `npm ci` must print no warning. This holds allowScripts to the lockfile, without running npm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/core/paths';

interface LockedPackage {
  hasInstallScript?: boolean;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as T;
}

/** The name of a lockfile entry: its path after the last node_modules/ (nested copies included). */
function packageName(lockPath: string): string {
  return lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

describe("npm's install-script policy (allowScripts)", () => {
  const allowScripts = readJson<{ allowScripts?: Record<string, boolean> }>('package.json').allowScripts ?? {};
  const withInstallScript = Object.entries(readJson<{ packages: Record<string, LockedPackage> }>('package-lock.json').packages)
    .filter(([lockPath, locked]) => lockPath !== '' && locked.hasInstallScript === true)
    .map(([lockPath]) => packageName(lockPath));

  it('allows the install script of every locked dependency that has one, so npm ci prints no warning', () => {
    assert.ok(withInstallScript.includes('koffi') && withInstallScript.includes('@swc/core'), 'the lockfile marks no install script for koffi or @swc/core');
    for (const name of withInstallScript) {
      assert.equal(
        allowScripts[name],
        true,
        `${name} has an install script that package.json's allowScripts does not allow: review it, then \`npm install-scripts approve ${name}\``,
      );
    }
  });

  it('allows nothing that is not locked (a stale entry after a dependency is dropped)', () => {
    for (const name of Object.keys(allowScripts))
      assert.ok(withInstallScript.includes(name), `allowScripts names ${name}, which no locked dependency with an install script is`);
  });
});
