// What the Wine set-up decides without running anything (src/testbeds/agent-controller/wine-setup.ts): the
// command that installs Debian packages of another architecture (wine32:i386), and which file is Wine's
// 32-bit loader.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { architecturesToAdd, debianInstallCommand, findWine32 } from '../../src/testbeds/agent-controller/wine-setup';
import { scratchDir } from '../scratch';

describe('installing Debian packages', () => {
  it('adds to dpkg the architecture of a NAME:ARCH package it does not know yet, once, and none it knows', () => {
    assert.deepEqual(architecturesToAdd(['wine64', 'wine32:i386', 'libwine:i386'], ['amd64']), ['i386']);
    assert.deepEqual(architecturesToAdd(['wine64', 'wine32:i386'], ['amd64', 'i386']), []);
    assert.deepEqual(architecturesToAdd(['wine64', 'chromium'], ['amd64']), []);
  });

  it('names the architectures to add first in the command it gives', () => {
    assert.equal(
      debianInstallCommand(['wine64', 'wine32:i386'], ['i386']),
      'dpkg --add-architecture i386 && apt-get update && apt-get install -y --no-install-recommends wine64 wine32:i386',
    );
    assert.equal(debianInstallCommand(['tcpdump'], []), 'apt-get update && apt-get install -y --no-install-recommends tcpdump');
  });
});

describe("Wine's 32-bit loader", () => {
  /** A folder with an executable wine64 and, beside it, `wine` starting with `header`. */
  function wineFolder(header: Buffer | null): string {
    const dir = scratchDir('wine32');
    writeFileSync(path.join(dir, 'wine64'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2]), { mode: 0o755 });
    if (header) writeFileSync(path.join(dir, 'wine'), header, { mode: 0o755 });
    return dir;
  }

  it('is the 32-bit ELF program named wine beside wine64', () => {
    const dir = wineFolder(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]));
    assert.equal(findWine32(path.join(dir, 'wine64')), path.join(dir, 'wine'));
  });

  it('is not a 64-bit wine, a script named wine, or nothing', () => {
    for (const header of [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('#!/bin/sh\nexec wine64 "$@"\n'), null]) {
      const dir = wineFolder(header);
      assert.equal(findWine32(path.join(dir, 'wine64')), null, String(header));
    }
  });
});
