// Every backend the suite can run on, by name. Backends load lazily (a synchronous require, so that the
// CLI can check options before the run) and a simulator run never touches koffi, Wine or tcpdump.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { TestbedFactory } from '../core/ports';

export interface BackendEntry {
  readonly name: string;
  readonly summary: string;
  load(): TestbedFactory;
}

export const BACKENDS: readonly BackendEntry[] = [
  {
    name: 'simulator',
    summary: 'the reference simulator (embedded, deterministic, virtual time)',
    load: () => (require('./simulator') as typeof import('./simulator')).simulatorTestbed,
  },
  {
    name: 'wine',
    summary: "Wine's ws2_32.dll, through an agent under wine64 (node.exe; agent-kind=native: the C agent)",
    load: () => (require('./agent') as typeof import('./agent')).wineTestbed,
  },
  {
    name: 'winsock',
    summary: "the system's ws2_32.dll, through an agent in the local node (agent-kind=native: the C agent; Windows only)",
    load: () => (require('./agent') as typeof import('./agent')).winsockTestbed,
  },
];

export function backendNames(): string[] {
  return BACKENDS.map((b) => b.name);
}

export function findBackend(name: string): BackendEntry | undefined {
  return BACKENDS.find((b) => b.name === name);
}
