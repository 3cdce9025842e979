// Every backend the suite can run on, by name. Backends load lazily (a synchronous require, so that the
// CLI can check options before the run) and a simulator run never touches koffi, Wine or tcpdump.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { TestbedFactory } from '../core/ports';
import { BACKEND_NAMES, type BackendName } from '../core/backend-names';
import { POSIX_COLUMN_NOTE } from './posix/column-note';

/**
 * What a backend's runs are, which orders the matrix's columns: Winsock implementations first (Windows,
 * ReactOS, Wine), then the reference simulator, then the comparison that is no Winsock at all (POSIX).
 */
export const COLUMN_KINDS = ['implementation', 'reference', 'comparison'] as const;
export type ColumnKind = (typeof COLUMN_KINDS)[number];

export interface BackendEntry {
  readonly name: BackendName;
  readonly summary: string;
  readonly kind: ColumnKind;
  /** What every report of this backend's runs says of its column, where the column is not what it seems (the POSIX comparison). */
  readonly columnNote?: string;
  load(): TestbedFactory;
}

/** One entry per name of BACKEND_NAMES, which the type checker holds to it. */
const ENTRIES: Record<BackendName, Omit<BackendEntry, 'name'>> = {
  simulator: {
    kind: 'reference',
    summary: 'the reference simulator (embedded, deterministic, virtual time)',
    load: () => (require('./simulator') as typeof import('./simulator')).simulatorTestbed,
  },
  wine: {
    kind: 'implementation',
    summary: "Wine's ws2_32.dll, through an agent under wine64 (node.exe; agent-kind=native: the C agent)",
    load: () => (require('./agent-controller') as typeof import('./agent-controller')).wineTestbed,
  },
  wine32: {
    kind: 'implementation',
    summary: "Wine's 32-bit ws2_32.dll under WoW64: the native agent built for x86 (C), under wine64 with Debian's wine32:i386",
    load: () => (require('./agent-controller') as typeof import('./agent-controller')).wine32Testbed,
  },
  winsock: {
    kind: 'implementation',
    summary: "the system's ws2_32.dll, through an agent in the local node (agent-kind=native: the C agent; Windows only)",
    load: () => (require('./agent-controller') as typeof import('./agent-controller')).winsockTestbed,
  },
  posix: {
    kind: 'comparison',
    summary: "a comparison, not a Winsock: the host's BSD sockets (Linux), each call carried onto POSIX by agents/posix/mapping.ts",
    columnNote: POSIX_COLUMN_NOTE,
    load: () => (require('./posix') as typeof import('./posix')).posixTestbed,
  },
};

export const BACKENDS: readonly BackendEntry[] = BACKEND_NAMES.map((name) => ({ name, ...ENTRIES[name] }));

export function backendNames(): string[] {
  return BACKENDS.map((b) => b.name);
}

export function findBackend(name: string): BackendEntry | undefined {
  return BACKENDS.find((b) => b.name === name);
}

/** What a run of `backend` is; a backend this suite does not know (a record from another version) is taken for an implementation. */
export function columnKind(backend: string): ColumnKind {
  return findBackend(backend)?.kind ?? 'implementation';
}

/** The note a report shows with a run of `backend`, or null. */
export function columnNote(backend: string): string | null {
  return findBackend(backend)?.columnNote ?? null;
}
