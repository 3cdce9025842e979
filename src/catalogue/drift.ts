// Drift between two revisions of a page: which statements kept their text and place, which moved, which
// changed, which vanished and which are new, and which catalogue entries that touches. Pure: statements
// and a catalogue in, a model out; scripts/spec-diff.ts reads the files and prints it.
import type { Catalogue } from './catalogue';
import type { Statement } from './statements';

export interface Drift {
  /** Same text at another place: the entries' anchors need their locator updated. */
  moved: { before: Statement; after: Statement }[];
  /** A statement whose words changed in place (or nearly in place): its entries need a look. */
  changed: { before: Statement; after: Statement }[];
  /** Gone from the page: its entries lost their anchor. */
  vanished: Statement[];
  /** New on the page. */
  added: Statement[];
  unchanged: number;
}

/** At least this share of words in common (Dice's coefficient) makes two statements one statement changed. */
const SAME_STATEMENT = 0.5;

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Dice's coefficient over the two texts' words, counted with multiplicity. */
export function similarity(a: string, b: string): number {
  const left = words(a);
  const right = words(b);
  if (left.length + right.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const w of left) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of right) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      common += 1;
      counts.set(w, n - 1);
    }
  }
  return (2 * common) / (left.length + right.length);
}

export function diffStatements(before: readonly Statement[], after: readonly Statement[]): Drift {
  const oldLeft = new Set(before);
  const newLeft = new Set(after);
  const pair = (a: Statement, b: Statement): void => {
    oldLeft.delete(a);
    newLeft.delete(b);
  };
  // 1. The same text at the same place.
  let unchanged = 0;
  for (const a of before) {
    const b = after.find((s) => newLeft.has(s) && s.locator === a.locator && s.hash === a.hash);
    if (b) {
      pair(a, b);
      unchanged += 1;
    }
  }
  // 2. The same text elsewhere: moved (a note moved, or renumbered after a removal above it).
  const moved: Drift['moved'] = [];
  for (const a of [...oldLeft]) {
    const b = after.find((s) => newLeft.has(s) && s.hash === a.hash);
    if (b) {
      pair(a, b);
      moved.push({ before: a, after: b });
    }
  }
  // 3. Changed words: the most similar remaining pairs of one section and one kind first.
  const candidates: { a: Statement; b: Statement; score: number }[] = [];
  for (const a of oldLeft)
    for (const b of newLeft) {
      if (a.section !== b.section || a.kind !== b.kind || a.label !== b.label) continue;
      const score = similarity(a.text, b.text) + (a.locator === b.locator ? 0.01 : 0);
      if (score >= SAME_STATEMENT) candidates.push({ a, b, score });
    }
  candidates.sort((x, y) => y.score - x.score);
  const changed: Drift['changed'] = [];
  for (const { a, b } of candidates) {
    if (!oldLeft.has(a) || !newLeft.has(b)) continue;
    pair(a, b);
    changed.push({ before: a, after: b });
  }
  const order = (list: readonly Statement[], within: readonly Statement[]): Statement[] => [...list].sort((x, y) => within.indexOf(x) - within.indexOf(y));
  changed.sort((x, y) => before.indexOf(x.before) - before.indexOf(y.before));
  return { moved, changed, vanished: order([...oldLeft], before), added: order([...newLeft], after), unchanged };
}

/** Who claims a statement of a revision: the entries (or non-normative groups) whose anchor has its text. */
export function claimants(catalogue: Catalogue, statement: Statement): string[] {
  const ids = catalogue.requirements.filter((r) => r.anchors.some((a) => a.hash === statement.hash)).map((r) => r.id);
  const groups = catalogue.nonNormative.filter((g) => g.anchors.some((a) => a.hash === statement.hash)).map(() => 'non-normative');
  return [...ids, ...new Set(groups)];
}
