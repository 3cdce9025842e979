// The wine, wine32 and winsock backends' options that choose the agent (src/testbeds/agent-controller/options.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentOptions } from '../../src/testbeds/agent-controller/options';

describe('agent-kind', () => {
  it('starts the node agent unless told otherwise, and the native one with agent-kind=native', () => {
    assert.equal(parseAgentOptions({}, 'wine').agentKind, 'node');
    assert.equal(parseAgentOptions({ 'agent-kind': 'node' }, 'wine').agentKind, 'node');
    assert.equal(parseAgentOptions({ 'agent-kind': 'native' }, 'winsock').agentKind, 'native');
  });

  it('has the wine32 backend start the native agent, which is its only one, and refuses a kind for it', () => {
    assert.equal(parseAgentOptions({}, 'wine32').agentKind, 'native');
    assert.throws(
      () => parseAgentOptions({ 'agent-kind': 'native' }, 'wine32'),
      /^Error: unknown wine32 option 'agent-kind'; the wine32 backend has one agent, the native one built for x86$/,
    );
  });

  it('refuses another kind, and a kind beside an agent the suite does not start, in one line', () => {
    assert.throws(() => parseAgentOptions({ 'agent-kind': 'rust' }, 'wine'), /^Error: wine option agent-kind takes node or native, not 'rust'$/);
    assert.throws(
      () => parseAgentOptions({ 'agent-kind': 'native', agent: 'tcp://127.0.0.1:7777' }, 'wine'),
      /^Error: wine option agent-kind chooses the suite's agent to start; with agent the suite starts none$/,
    );
    assert.throws(
      () => parseAgentOptions({ 'agent-kind': 'native', 'agent-command': 'x.ts' }, 'winsock'),
      /^Error: winsock option agent-kind chooses the suite's agent to start; with agent-command the suite starts none$/,
    );
  });
});
