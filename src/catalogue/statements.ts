// The statements of a reference page: what a catalogue entry anchors to. The page is Markdown with
// embedded HTML (the SDK's tables and notes), read where it lies and never copied: markdown-it renders
// it to HTML, htmlparser2 reads that HTML back as a tree, and the walk below cuts the tree into
// statements. The rule of what a statement is (docs/contributing.md, "What a statement is"):
//
// - a front-matter fact: one key with a non-empty value (`metadata/req.dll`);
// - a heading (`-remarks/heading`); a `-param` heading is a parameter's declaration (its name and direction);
// - a sentence of a paragraph (`-remarks/p2/s3`), of a note (`<div class="alert">`, `-remarks/note1/s2`),
//   or of a list item (`-x/list1/item2/s1`); sentences are cut by Unicode's rules (Intl.Segmenter, UAX #29);
// - a table's header row, whole (`-returns/table1/row1`), and each sentence of another row, qualified by
//   the row's first cell (`-returns/table1/row5/s2`, text "WSAENOPROTOOPT | ...");
// - a code block, whole (`-syntax/code1`).
//
// Paragraphs, notes, tables and lists are numbered from 1 within their section; a section is the
// front matter (`metadata`), a level-1 heading (`title`), or an SDK heading (`-returns`, `-param s`).
// Text is normalised before it is hashed: markup removed, entities decoded, white space collapsed.
import { readFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';
import { DomUtils, parseDocument } from 'htmlparser2';
import { isMap, isScalar, isSeq, LineCounter, parseDocument as parseYaml, type Pair } from 'yaml';
import { normalise, statementHash } from './statement-hash';

export type StatementKind = 'fact' | 'heading' | 'parameter' | 'sentence' | 'table-head' | 'code';

export interface Statement {
  /** Where the statement is: section, block and ordinal, e.g. `-remarks/p2/s3`. Never the page's words. */
  locator: string;
  section: string;
  /** The block it belongs to (`-remarks/p2`); the statement itself for a fact, a heading or a header row. */
  block: string;
  /** How the block reads: a paragraph, a note, a table row, ... (the annotated page lays blocks out by it). */
  blockKind: 'fact' | 'heading' | 'paragraph' | 'note' | 'row' | 'table-head' | 'item' | 'code';
  kind: StatementKind;
  /** A table row's first cell, or a fact's key: what the text is qualified by. */
  label: string | null;
  /** The normalised text; a row's sentences are `label | sentence`, a fact's `key: value`. */
  text: string;
  /** The first 12 hex digits of the SHA-256 of `text` (statement-hash.ts). */
  hash: string;
  /** 1-based line of the page file where the statement's block starts. */
  line: number;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

export function sentences(text: string): string[] {
  return [...segmenter.segment(normalise(text))].map((s) => s.segment.trim()).filter((s) => s !== '');
}

// --- front matter ---------------------------------------------------------------------------------

interface FrontMatter {
  facts: { key: string; value: string; line: number }[];
  /** Lines the front matter takes, delimiters included (0 without one). */
  lines: number;
}

function frontMatter(text: string): FrontMatter {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== '---') return { facts: [], lines: 0 };
  const end = lines.findIndex((line, i) => i > 0 && line.trim() === '---');
  if (end < 0) return { facts: [], lines: 0 };
  const counter = new LineCounter();
  const doc = parseYaml(lines.slice(1, end).join('\n'), { lineCounter: counter });
  const facts: FrontMatter['facts'] = [];
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items as Pair[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const value = isSeq(pair.value)
        ? pair.value.items.map((item) => (isScalar(item) ? String(item.value ?? '') : String(item))).join(', ')
        : isScalar(pair.value)
          ? String(pair.value.value ?? '')
          : '';
      if (normalise(value) === '') continue;
      const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
      facts.push({ key, value: normalise(value), line: counter.linePos(offset).line + 1 });
    }
  }
  return { facts, lines: end + 1 };
}

// --- the body ---------------------------------------------------------------------------------------

type Node = ReturnType<typeof parseDocument>['children'][number];
type Element = Parameters<typeof DomUtils.getAttributeValue>[0];

const LINE_MARK = /^line:(\d+)$/;
const BLOCK_TAGS = new Set(['p', 'div', 'table', 'ul', 'ol', 'pre', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'dl', 'section']);

/**
 * The body rendered to HTML with a `<!--line:N-->` comment before every block (markdown-it's core rule
 * API), so that statements can name their line in the page file.
 */
function renderBody(body: string, firstLine: number): string {
  const md = new MarkdownIt({ html: true });
  md.core.ruler.push('line_marks', (state) => {
    state.tokens = state.tokens.flatMap((token) => {
      if (!token.block || !token.map || token.nesting === -1) return [token];
      const mark = new state.Token('html_block', '', 0);
      mark.content = `<!--line:${firstLine + token.map[0]}-->`;
      return [mark, token];
    });
  });
  return md.render(body);
}

/**
 * The page line of every node, in document order: a line mark sets it, and each text node's newlines
 * move it on (a text node counts from its first non-blank character).
 */
function lineMap(nodes: readonly Node[], firstLine: number): Map<Node, number> {
  const lines = new Map<Node, number>();
  let line = firstLine;
  const visit = (node: Node): void => {
    if (node.type === 'comment') {
      const at = LINE_MARK.exec(node.data);
      if (at) line = Number(at[1]);
    } else if (node.type === 'text') {
      const leading = /^\s*/.exec(node.data)?.[0] ?? '';
      lines.set(node, line + (leading.match(/\n/g) ?? []).length);
      line += (node.data.match(/\n/g) ?? []).length;
    } else if (DomUtils.hasChildren(node)) {
      lines.set(node, line);
      node.children.forEach(visit);
    }
  };
  nodes.forEach(visit);
  return lines;
}

function isElement(node: Node): node is Element {
  return DomUtils.isTag(node);
}

function text(nodes: Node | Node[]): string {
  return normalise(DomUtils.textContent(nodes));
}

/** The SDK's section name of a heading: `-param s [in]` is `-param s`; a level-1 heading is `title`. */
function sectionOf(level: number, heading: string, ordinal: number): string {
  if (heading.startsWith('-')) return heading.replace(/\s+\[[a-z, ]+\]$/i, '');
  return level === 1 ? 'title' : `h${level}.${ordinal}`;
}

class Walk {
  readonly statements: Statement[] = [];
  private section = 'top';
  private counts = new Map<string, number>();
  private headings = 0;
  /** Inline content between blocks (text beside HTML blocks): it reads as a paragraph. */
  private run: Node[] = [];

  constructor(private readonly lines: Map<Node, number>) {}

  /** The line of a node's first non-blank text, else of the node. */
  private lineOf(node: Node): number {
    const texts = DomUtils.hasChildren(node) ? DomUtils.filter((n) => DomUtils.isText(n) && n.data.trim() !== '', node, true) : [node];
    return this.lines.get(texts[0] ?? node) ?? this.lines.get(node) ?? 0;
  }

  private next(kind: string): number {
    const key = `${this.section}/${kind}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  private add(statement: Omit<Statement, 'hash' | 'section'>): void {
    this.statements.push({ ...statement, section: this.section, hash: statementHash(statement.text) });
  }

  private sentencesOf(content: string, block: string, blockKind: Statement['blockKind'], line: number, label: string | null = null): void {
    sentences(content).forEach((sentence, i) => {
      this.add({ locator: `${block}/s${i + 1}`, block, blockKind, kind: 'sentence', label, text: label === null ? sentence : `${label} | ${sentence}`, line });
    });
  }

  private flushRun(): void {
    const run = this.run;
    this.run = [];
    const first = run.find((n) => text(n) !== '');
    if (!first) return;
    this.sentencesOf(text(run), `${this.section}/p${this.next('p')}`, 'paragraph', this.lineOf(first));
  }

  walk(nodes: readonly Node[]): void {
    for (const node of nodes) {
      if (node.type === 'comment') continue;
      if (!isElement(node) || !BLOCK_TAGS.has(node.name)) this.run.push(node);
      else {
        this.flushRun();
        this.block(node);
      }
    }
    this.flushRun();
  }

  private block(node: Element): void {
    const line = this.lineOf(node);
    const heading = /^h([1-6])$/.exec(node.name);
    if (heading) {
      const content = text(node);
      this.headings += 1;
      this.section = sectionOf(Number(heading[1]), content, this.headings);
      const kind = this.section.startsWith('-param ') ? 'parameter' : 'heading';
      const locator = `${this.section}/heading`;
      this.add({ locator, block: locator, blockKind: 'heading', kind, label: null, text: content, line });
    } else if (node.name === 'p') {
      this.sentencesOf(text(node), `${this.section}/p${this.next('p')}`, 'paragraph', line);
    } else if (node.name === 'div' && /\balert\b/.test(node.attribs.class ?? '')) {
      this.sentencesOf(text(node), `${this.section}/note${this.next('note')}`, 'note', line);
    } else if (node.name === 'table') {
      this.table(node);
    } else if (node.name === 'ul' || node.name === 'ol') {
      const list = `${this.section}/list${this.next('list')}`;
      DomUtils.getElementsByTagName('li', node.children, false).forEach((item, i) =>
        this.sentencesOf(text(item), `${list}/item${i + 1}`, 'item', this.lineOf(item)),
      );
    } else if (node.name === 'pre') {
      const locator = `${this.section}/code${this.next('code')}`;
      const content = text(node);
      if (content !== '') this.add({ locator, block: locator, blockKind: 'code', kind: 'code', label: null, text: content, line });
    } else if (node.name !== 'hr') {
      // Any other block (a plain div, a blockquote, a definition list) holds blocks or inline content of its own.
      this.walk(node.children);
    }
  }

  private table(node: Element): void {
    const table = `${this.section}/table${this.next('table')}`;
    DomUtils.getElementsByTagName('tr', node.children).forEach((row, i) => {
      const block = `${table}/row${i + 1}`;
      const line = this.lineOf(row);
      const cells = row.children.filter(isElement).filter((c) => c.name === 'td' || c.name === 'th');
      if (cells.length > 0 && cells.every((c) => c.name === 'th')) {
        this.add({ locator: block, block, blockKind: 'table-head', kind: 'table-head', label: null, text: cells.map((c) => text(c)).join(' | '), line });
        return;
      }
      const [first, ...rest] = cells;
      this.sentencesOf(rest.map((c) => text(c)).join(' '), block, 'row', line, first ? text(first) : '');
    });
  }
}

/** Every statement of the page, in the page's order. */
export function pageStatements(pageText: string): Statement[] {
  const front = frontMatter(pageText);
  const facts: Statement[] = front.facts.map((fact) => {
    const text = `${fact.key}: ${fact.value}`;
    const locator = `metadata/${fact.key}`;
    return { locator, section: 'metadata', block: locator, blockKind: 'fact', kind: 'fact', label: fact.key, text, hash: statementHash(text), line: fact.line };
  });
  const body = pageText.split('\n').slice(front.lines).join('\n');
  const dom = parseDocument(renderBody(body, front.lines + 1));
  const walk = new Walk(lineMap(dom.children, front.lines + 1));
  walk.walk(dom.children);
  return [...facts, ...walk.statements];
}

/** The page's section names, as the catalogue quotes them: `metadata`, then every heading's. */
function sectionsOf(statements: readonly Statement[]): Set<string> {
  return new Set(['metadata', ...statements.map((s) => s.section)]);
}

/** The section names of the page in a file. */
export function pageSections(file: string): Set<string> {
  return sectionsOf(pageStatements(readFileSync(file, 'utf8')));
}
