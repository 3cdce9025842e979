// Reading the suite's YAML inputs (catalogue, expectations) so that every mistake in them is one line
// with file:line, never a stack trace.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

export class InputError extends Error {
  override readonly name = 'InputError';
}

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
