// Reading the suite's YAML inputs (catalogue, expectations) so that every mistake in them is one line
// with file:line, never a stack trace.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { InputError } from './input-error';

export interface YamlFile {
  /** The path as shown in messages, relative to the working directory. */
  display: string;
  root: unknown;
  /** file:line of a node, for error messages. */
  at(node: unknown): string;
}

export function readYamlFile(file: string, what: string): YamlFile {
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${display}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const first = doc.errors[0];
  if (first) throw new InputError(`${display}:${first.linePos?.[0].line ?? '?'}: ${first.message.split('\n')[0]}`);
  return {
    display,
    root: doc.contents,
    at: (node) => `${display}:${lines.linePos((node as YamlNode | null)?.range?.[0] ?? 0).line}`,
  };
}

export interface YamlEntry {
  /** file:line of the entry. */
  where: string;
  fields: Record<string, unknown>;
  /** A required, non-empty text field; its absence is an InputError naming the entry. */
  text(field: string): string;
  /** A field's YAML node, for a nested list whose entries have lines of their own; undefined when absent. */
  node(field: string): unknown;
}

/**
 * The entries of a YAML list of mappings, each checked for unknown fields. `label` names an entry in
 * messages, e.g. "requirement a.rule" or "an expectation".
 */
export function listEntries(file: YamlFile, list: unknown, known: ReadonlySet<string>, label: (fields: Record<string, unknown>) => string): YamlEntry[] {
  if (!isSeq(list)) throw new InputError(`${file.at(file.root)}: expected a list`);
  return list.items.map((item) => {
    const where = file.at(item);
    if (!isMap(item)) throw new InputError(`${where}: each entry must be a mapping`);
    const fields = item.toJSON() as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new InputError(`${where}: unknown field ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
    return {
      where,
      fields,
      node: (field) => item.get(field, true),
      text: (field) => {
        const value = fields[field];
        if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${where}: ${label(fields)} has no ${field}`);
        return value.trim();
      },
    };
  });
}
