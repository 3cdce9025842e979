// A catalogue's anchors against its page: which entry claims which statement, which anchors no longer
// resolve, and which statements nobody claims. Used by `npm run lint:trace`, `npm run spec:diff` and the
// annotated page of `npm run report`.
import path from 'node:path';
import type { Anchor, Catalogue, NonNormative, Requirement } from './catalogue';
import type { Statement } from './statements';

/** Who accounts for a statement: an entry of the catalogue, or a non-normative group and its reason. */
export type Claim = { requirement: Requirement } | { nonNormative: NonNormative };

export interface PageCoverage {
  statements: Statement[];
  /** Claims by statement locator; a statement nobody claims has none. */
  claims: Map<string, Claim[]>;
  problems: string[];
  claimed: number;
  total: number;
}

/** How a page is named in messages: its path from the working directory. */
export function pageDisplay(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** The statement an anchor names, if it still says what it said: the same locator and the same hash. */
export function resolve(anchor: Pick<Anchor, 'at' | 'hash'>, statements: readonly Statement[]): Statement | null {
  return statements.find((s) => s.locator === anchor.at && s.hash === anchor.hash) ?? null;
}

function owners(catalogue: Catalogue): { anchors: Anchor[]; owner: string; claim: Claim }[] {
  return [
    ...catalogue.requirements.map((requirement) => ({ anchors: requirement.anchors, owner: requirement.id, claim: { requirement } })),
    ...catalogue.nonNormative.map((group) => ({ anchors: group.anchors, owner: 'non-normative group', claim: { nonNormative: group } })),
  ];
}

/** Why an anchor does not resolve, and where its text went if it only moved. */
function unresolved(anchor: Anchor, statements: readonly Statement[], page: string): string {
  const moved = statements.find((s) => s.hash === anchor.hash);
  if (moved) return `its text is now at ${moved.locator} (${page}:${moved.line}); update the locator`;
  const there = statements.find((s) => s.locator === anchor.at);
  return there
    ? `the statement there (${page}:${there.line}) now reads otherwise, and its old text is nowhere on the page`
    : 'no statement is there, and its text is nowhere on the page';
}

export function pageCoverage(catalogue: Catalogue, statements: readonly Statement[], pageFile: string): PageCoverage {
  const page = pageDisplay(pageFile);
  const problems: string[] = [];
  const claims = new Map<string, Claim[]>();
  for (const { anchors, owner, claim } of owners(catalogue)) {
    const where = 'requirement' in claim ? claim.requirement.where : claim.nonNormative.where;
    if (anchors.length === 0) problems.push(`${where}: ${owner} anchors no statement of the page`);
    for (const anchor of anchors) {
      const statement = resolve(anchor, statements);
      if (!statement) {
        problems.push(`${anchor.where}: ${owner}: anchor ${anchor.at} (${anchor.hash}) no longer resolves: ${unresolved(anchor, statements, page)}`);
        continue;
      }
      claims.set(statement.locator, [...(claims.get(statement.locator) ?? []), claim]);
    }
  }
  for (const statement of statements) {
    const its = claims.get(statement.locator) ?? [];
    const at = `${page}:${statement.line}: ${statement.locator}`;
    if (its.length === 0) {
      problems.push(
        `${at} (${statement.kind}) is claimed by no entry: anchor it ({ at: ${statement.locator}, hash: '${statement.hash}' }) from the entry that encodes it, or classify it under nonNormative with a reason`,
      );
    } else if (its.some((c) => 'nonNormative' in c) && its.some((c) => 'requirement' in c)) {
      const ids = its.flatMap((c) => ('requirement' in c ? [c.requirement.id] : []));
      problems.push(`${at} is classified non-normative, yet ${ids.join(', ')} claim${ids.length === 1 ? 's' : ''} it`);
    }
  }
  const claimed = statements.filter((s) => (claims.get(s.locator) ?? []).length > 0).length;
  return { statements: [...statements], claims, problems, claimed, total: statements.length };
}
