// npm run spec:diff -- OLD.md NEW.md [--catalogue spec/X.yaml]
// Compares two revisions of a reference page statement by statement (src/catalogue/statements.ts) and lists
// the catalogue entries whose statements changed or vanished, the anchors whose statement only moved, and
// the new statements that nobody claims. The catalogue is the one whose page has NEW's file name, or the
// only one. Exit 0 when the revisions state the same things at the same places, 1 when they differ, 2
// for bad input.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueFiles, loadCatalogue, type Catalogue } from '../src/catalogue/catalogue';
import { claimants, diffStatements } from '../src/catalogue/drift';
import { pageStatements, type Statement } from '../src/catalogue/statements';
import { pageDisplay } from '../src/catalogue/anchors';
import { parseCommandLine } from '../src/cli/arguments';
import { runAsProgram, UsageError, type Command } from '../src/cli/command';
import { InputError } from '../src/core/input-error';

const USAGE = 'usage: npm run spec:diff -- OLD.md NEW.md [--catalogue spec/X.yaml]';

function parse(argv: readonly string[]): { old: string; new: string; catalogue: string | null } {
  const { values, positionals: files } = parseCommandLine(argv, { catalogue: { type: 'string' } }, true);
  const [old, next] = files;
  if (files.length !== 2 || !old || !next) throw new UsageError('two pages are needed, OLD and NEW');
  for (const file of files) if (!existsSync(file)) throw new InputError(`${file}: no such file`);
  return { old, new: next, catalogue: values.catalogue ?? null };
}

function chooseCatalogue(named: string | null, newPage: string): Catalogue {
  if (named) return loadCatalogue(path.resolve(named));
  const all = catalogueFiles().map((file) => loadCatalogue(file));
  const byName = all.filter((c) => path.basename(c.page) === path.basename(newPage));
  const chosen = byName.length === 1 ? byName[0] : all.length === 1 ? all[0] : undefined;
  if (!chosen) throw new InputError(`no single catalogue in spec/ has a page named ${path.basename(newPage)}: name one with --catalogue`);
  return chosen;
}

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  const options = parse(argv);
  const catalogue = chooseCatalogue(options.catalogue, options.new);
  const before = pageStatements(readFileSync(options.old, 'utf8'));
  const after = pageStatements(readFileSync(options.new, 'utf8'));
  const drift = diffStatements(before, after);
  const [oldName, newName] = [pageDisplay(options.old), pageDisplay(options.new)];
  const out = (line: string): boolean => stdout.write(`${line}\n`);
  const who = (s: Statement): string => {
    const ids = claimants(catalogue, s);
    return ids.length > 0 ? ids.join(', ') : 'claimed by no entry';
  };
  out(`spec:diff: ${oldName} -> ${newName}, against ${catalogue.file} (${catalogue.function})`);
  for (const { before: a, after: b } of drift.changed) {
    out(`changed  ${a.locator}${a.locator === b.locator ? '' : ` -> ${b.locator}`} (${oldName}:${a.line} -> ${newName}:${b.line}): ${who(a)}`);
    out(`  - ${a.text}`);
    out(`  + ${b.text}`);
  }
  for (const a of drift.vanished) {
    out(`vanished ${a.locator} (${oldName}:${a.line}): ${who(a)}`);
    out(`  - ${a.text}`);
  }
  for (const { before: a, after: b } of drift.moved) out(`moved    ${a.locator} -> ${b.locator} (${newName}:${b.line}), same text: ${who(a)}`);
  for (const b of drift.added) {
    const ids = claimants(catalogue, b);
    out(`added    ${b.locator} (${newName}:${b.line}): ${ids.length > 0 ? `its text is ${ids.join(', ')}'s` : 'claimed by no entry'}`);
    out(`  + ${b.text}`);
  }
  const review = new Set([...drift.changed.map((c) => c.before), ...drift.vanished].flatMap((s) => claimants(catalogue, s)));
  const relocate = new Set(drift.moved.flatMap((m) => claimants(catalogue, m.before)));
  const unclaimed = drift.added.filter((s) => claimants(catalogue, s).length === 0);
  out(
    `statements: ${drift.unchanged} unchanged, ${drift.changed.length} changed, ${drift.vanished.length} vanished, ${drift.moved.length} moved, ${drift.added.length} added`,
  );
  out(`entries to review (a statement changed or vanished): ${review.size > 0 ? [...review].join(', ') : 'none'}`);
  out(`anchors to update (the same text moved): ${relocate.size > 0 ? [...relocate].join(', ') : 'none'}`);
  out(`new statements nobody claims: ${unclaimed.length > 0 ? unclaimed.map((s) => s.locator).join(', ') : 'none'}`);
  return drift.changed.length + drift.vanished.length + drift.moved.length + drift.added.length === 0 ? 0 : 1;
}

export const specDiff: Command = { usage: USAGE, main };

runAsProgram(module, 'spec:diff', specDiff);
