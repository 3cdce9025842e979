// The backends the suite runs on, by name: the one list the registry (src/testbeds/registry.ts), each testbed
// and the command line take their names from, so that a name written anywhere else is checked by the type
// checker against it.
export const BACKEND_NAMES = ['simulator', 'wine', 'wine32', 'winsock', 'posix'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The backend a run uses when none is named: the reference simulator. */
export const DEFAULT_BACKEND: BackendName = 'simulator';
