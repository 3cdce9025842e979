// A made-up catalogue for the report tests: requirements built in one line, on the real page's fields.
import type { Catalogue, Requirement } from '../../src/catalogue/catalogue';

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
