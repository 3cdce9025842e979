// A made-up catalogue for the report tests: requirements built in one line, on the real page's fields; and a
// run's record of made-up results.
import type { Catalogue, Requirement } from '../../src/catalogue/catalogue';
import { countVerdicts, type RunRecord } from '../../src/verdicts/run-record';

/** A requirement of the made-up catalogue; `extra` overrides any field. */
export function requirement(
  id: string,
  strength: Requirement['strength'] = 'MUST',
  testing: Requirement['testing'] = 'any-backend',
  extra: Partial<Requirement> = {},
): Requirement {
  return { id, section: '-remarks', strength, rule: `rule of ${id}`, testing, coveredBy: [], why: null, notes: null, anchors: [], where: 'spec:1', ...extra };
}

/** A catalogue of `requirements` for WSARecvDisconnect's page. */
export function catalogueOf(requirements: Requirement[]): Catalogue {
  return {
    file: 'spec/test.yaml',
    function: 'WSARecvDisconnect',
    page: '../shared/spec/WSARecvDisconnect.md',
    url: 'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect',
    features: 'features',
    nonNormative: [],
    requirements,
  };
}

/** A run's record as the CLI writes it, of `fields.results` (its counts are theirs); `fields` give the rest, a Wine run's by default. */
export function runRecordOf(fields: Partial<RunRecord> & Pick<RunRecord, 'results'>): RunRecord {
  return {
    function: 'WSARecvDisconnect',
    backend: 'wine',
    label: null,
    backendOptions: {},
    startedAt: null,
    finishedAt: null,
    suite: null,
    expectations: null,
    selection: null,
    metadata: {},
    ...fields,
    counts: countVerdicts(fields.results),
  };
}
