// The native agent is C, which cannot import the TypeScript definitions, so agents/native/src/protocol.h states
// the control protocol's constants and its list of calls again. This holds every copy to the one definition:
// the constants of agents/protocol.ts and src/core/ports.ts, and the calls of CallName (the node agent's
// handler table, which the type checker keeps complete), in the C header and in docs/agent-protocol.md's table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MAX_CALL_BUFFER, MAX_LINE_BYTES, PROTOCOL_VERSION } from '../../agents/protocol';
import { SUPPORTED_OPS } from '../../agents/node/calls';
import { DISCONNECT_BUFFER_FILL } from '../../src/core/ports';
import { REPO_ROOT } from '../../src/core/paths';

const HEADER = readFileSync(path.join(REPO_ROOT, 'agents', 'native', 'src', 'protocol.h'), 'utf8');
const PROTOCOL_DOC = readFileSync(path.join(REPO_ROOT, 'docs', 'agent-protocol.md'), 'utf8');

/** The value of `#define NAME EXPR`, where EXPR is an integer or a product of integers (`(1024u * 1024u)`, `0xA5`). */
function defined(name: string): number {
  const line = new RegExp(`^#define ${name} (.+)$`, 'm').exec(HEADER);
  assert.ok(line?.[1], `protocol.h defines no ${name}`);
  const factors = line[1].replace(/^\((.*)\)$/, '$1').split('*');
  return factors.reduce((product, factor) => {
    const value = Number(factor.trim().replace(/[uU]$/, ''));
    assert.ok(Number.isInteger(value), `protocol.h's ${name} is not a product of integers: ${line[1]}`);
    return product * value;
  }, 1);
}

/** The ops of the header's X-macro list, `#define OPS(X) X(WSAStartup) X(WSACleanup) ...`, in order. */
function headerOps(): string[] {
  const list = /^#define OPS\(X\)((?:.*\\\n)*.*)$/m.exec(HEADER);
  assert.ok(list?.[1], 'protocol.h has no OPS(X) list');
  return [...list[1].matchAll(/\bX\((\w+)\)/g)].map((m) => m[1] as string);
}

/** The ops the calls table of docs/agent-protocol.md documents: each row's first cell names one or more. */
function documentedOps(): string[] {
  const table = /^\| op \| fields \|.*\n\|[- |]+\|\n((?:\|.*\n)+)/m.exec(PROTOCOL_DOC);
  assert.ok(table?.[1], 'docs/agent-protocol.md has no calls table (| op | fields | ...)');
  return table[1].split('\n').flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1] as string));
}

describe('the native agent speaks the one protocol', () => {
  it("states the protocol's constants as agents/protocol.ts and src/core/ports.ts define them", () => {
    assert.deepEqual(
      {
        PROTOCOL_VERSION: defined('PROTOCOL_VERSION'),
        MAX_LINE_BYTES: defined('MAX_LINE_BYTES'),
        MAX_CALL_BUFFER: defined('MAX_CALL_BUFFER'),
        DISCONNECT_BUFFER_FILL: defined('DISCONNECT_BUFFER_FILL'),
      },
      { PROTOCOL_VERSION, MAX_LINE_BYTES, MAX_CALL_BUFFER, DISCONNECT_BUFFER_FILL },
    );
  });

  it('lists the calls of CallName, each once (the C compiler then asks for each case of the decoder and executor)', () => {
    const ops = headerOps();
    assert.equal(new Set(ops).size, ops.length, `protocol.h lists an op twice: ${ops.join(' ')}`);
    assert.deepEqual([...ops].sort(), [...SUPPORTED_OPS].sort());
  });

  it('documents each call once in docs/agent-protocol.md', () => {
    const ops = documentedOps();
    assert.equal(new Set(ops).size, ops.length, `the calls table names an op twice: ${ops.join(' ')}`);
    assert.deepEqual([...ops].sort(), [...SUPPORTED_OPS].sort());
  });
});
