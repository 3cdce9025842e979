// Revisions of the reference page for the tests, made at test time from the page where it lies: the
// repository holds no copy of its words. Each edit finds a statement's text in the page's source, where
// markup may stand between its words (`The \n<b>WSARecvDisconnect</b> function`), and changes it there.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { functionCatalogue, pageFile } from '../src/catalogue/catalogue';
import { pageStatements, type Statement } from '../src/catalogue/statements';
import { scratchDir } from './scratch';

export const PAGE = pageFile(functionCatalogue());
export const PAGE_TEXT = readFileSync(PAGE, 'utf8');
export const STATEMENTS = pageStatements(PAGE_TEXT);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern for normalised text in the page's source: tags and white space may come between characters. */
function sourcePattern(text: string): RegExp {
  const gap = '(?:<[^>]*>)*';
  const pattern = [...text].map((c) => (/\s/.test(c) ? `(?:\\s|<[^>]*>)+` : `${escape(c)}${gap}`)).join('');
  return new RegExp(pattern.slice(0, pattern.length - gap.length), 'g');
}

/** Where a statement's own words are in the source: [start, end) (a row's label and a note's label excluded). */
export function sourceSpan(source: string, statement: Statement): [number, number] {
  const words = statement.label !== null && statement.kind === 'sentence' ? statement.text.slice(statement.label.length + 3) : statement.text;
  const from = source
    .split('\n')
    .slice(0, statement.line - 1)
    .join('\n').length;
  const pattern = sourcePattern(words);
  pattern.lastIndex = from;
  const found = pattern.exec(source);
  if (!found) throw new Error(`${statement.locator}: its text is not in the source after line ${statement.line}`);
  return [found.index, found.index + found[0].length];
}

export function withoutStatement(source: string, statement: Statement): string {
  const [start, end] = sourceSpan(source, statement);
  return source.slice(0, start) + source.slice(end);
}

export function replaceInStatement(source: string, statement: Statement, word: string, by: string): string {
  const [start, end] = sourceSpan(source, statement);
  const span = source.slice(start, end);
  if (!span.includes(word)) throw new Error(`${statement.locator} has no '${word}'`);
  return source.slice(0, start) + span.replace(word, by) + source.slice(end);
}

/** The source of the HTML element that starts at the line of `statement`'s block, e.g. a note's <div>. */
export function elementAt(source: string, statement: Statement, tag: string): [number, number] {
  const from = source
    .split('\n')
    .slice(0, statement.line - 1)
    .join('\n').length;
  const start = source.indexOf(`<${tag}`, from);
  const end = source.indexOf(`</${tag}>`, start) + `</${tag}>`.length;
  if (start < 0 || end < start) throw new Error(`no <${tag}> at ${statement.locator}`);
  return [start, end];
}

export function statement(locator: string): Statement {
  const found = STATEMENTS.find((s) => s.locator === locator);
  if (!found) throw new Error(`no statement ${locator} on the page`);
  return found;
}

/** Write a revision of the page into a scratch folder, under the page's own file name. */
export function writeRevision(purpose: string, text: string): string {
  const file = path.join(scratchDir(purpose), path.basename(PAGE));
  writeFileSync(file, text);
  return file;
}
