// JUnit XML as Jenkins' xUnit plugin validates it: the rules of its schema junit-10.xsd, the one pytest
// validates its xunit2 files against, written here in our own words. Read in jenkinsci/xunit-plugin at
// xunit-3.1.6 (commit b5a752a), src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd;
// pytest keeps a copy as testing/example_scripts/junit-10.xsd (pytest-dev/pytest at 81ae293a57f8; its
// testcase names an `errors` element where the plugin's names `error`: the plugin's is the rule here).
// Nothing of the schema is copied.
//
// What the schema says, element by element: which attributes it may have (and which it must), which
// elements may come inside it and in what order, and whether it holds text. Any other attribute or element
// is an error, as a validator reports it.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An element of an XML document: its name, attributes, children in order, and its text (the text nodes joined). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** One node as fast-xml-parser gives it with preserveOrder: `{ name: [children], ':@': attributes }`, or `{ '#text': text }`. */
type OrderedNode = Record<string, unknown>;

function elementOf(node: OrderedNode): XmlElement | string | null {
  if ('#text' in node) return String(node['#text']);
  const name = Object.keys(node).find((key) => key !== ':@');
  // The XML declaration and processing instructions are not elements.
  if (name === undefined || name.startsWith('?')) return null;
  const nodes = (node[name] ?? []) as OrderedNode[];
  const parts = nodes.map(elementOf);
  return {
    name,
    attributes: (node[':@'] ?? {}) as Record<string, string>,
    children: parts.filter((p): p is XmlElement => typeof p === 'object' && p !== null),
    text: parts.filter((p): p is string => typeof p === 'string').join(''),
  };
}

/** Where `text` has what XML 1.0 forbids that fast-xml-parser's validator lets through: a character it cannot hold, an entity no DTD declares. */
function beyondTheValidator(text: string): string | null {
  // eslint-disable-next-line no-control-regex
  const forbidden = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(text);
  if (forbidden) return `character U+${forbidden[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${forbidden.index}, which XML 1.0 cannot hold`;
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)[^;\s]*;?/.exec(text);
  return entity ? `the reference ${entity[0]} at offset ${entity.index}, which no declaration defines` : null;
}

/** The root element of an XML document; an error naming where a document that is not well-formed goes wrong. */
export function parseXml(text: string): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`not well-formed XML, line ${valid.err.line}:${valid.err.col}: ${valid.err.msg}`);
  const beyond = beyondTheValidator(text);
  if (beyond !== null) throw new Error(`not well-formed XML: ${beyond}`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    // Character references (&#39;) too; other named ones were refused above.
    htmlEntities: true,
  });
  const nodes = parser.parse(text) as OrderedNode[];
  const roots = nodes.map(elementOf).filter((p): p is XmlElement => typeof p === 'object' && p !== null);
  if (roots.length !== 1) throw new Error(`an XML document has one root element, not ${roots.length}`);
  return roots[0] as XmlElement;
}

interface AttributeRule {
  required: boolean;
  /** The values allowed; absent: any string. */
  pattern?: RegExp;
}

interface ElementRule {
  attributes: Record<string, AttributeRule>;
  /** The children allowed, in order: a regular expression over their names, each followed by a space. */
  children: RegExp;
  /** Whether text may stand in it (mixed content, or a string); elsewhere only white space may. */
  text: boolean;
}

const OPTIONAL: AttributeRule = { required: false };
const REQUIRED: AttributeRule = { required: true };
/** The schema's SUREFIRE_TIME: seconds as digits (which may be grouped in threes by commas), with at most three decimals. */
const SECONDS: AttributeRule = { required: false, pattern: /^(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d{0,3})?$/ };

/** Children in any order and number, of these names. */
function anyOf(...names: string[]): RegExp {
  return new RegExp(`^(?:(?:${names.join('|')}) )*$`);
}

/** Children in this order, each at most once. */
function inOrder(...names: string[]): RegExp {
  return new RegExp(`^${names.map((name) => `(?:${name} )?`).join('')}$`);
}

const NOTHING = /^$/;

/** A rerun's or a flaky run's failure or error: a type, an optional message, text, and its trace and output. */
const RERUN: ElementRule = { attributes: { type: REQUIRED, message: OPTIONAL }, children: inOrder('stackTrace', 'system-out', 'system-err'), text: true };
/** A testcase's outcome: its type and message as attributes, its text as it comes. */
const OUTCOME: ElementRule = { attributes: { type: OPTIONAL, message: OPTIONAL }, children: NOTHING, text: true };
const TEXT: ElementRule = { attributes: {}, children: NOTHING, text: true };

export const JUNIT_10: Readonly<Record<string, ElementRule>> = {
  testsuites: {
    attributes: { name: OPTIONAL, time: SECONDS, tests: OPTIONAL, failures: OPTIONAL, errors: OPTIONAL },
    children: anyOf('testsuite'),
    text: false,
  },
  testsuite: {
    attributes: {
      name: REQUIRED,
      tests: REQUIRED,
      failures: REQUIRED,
      errors: REQUIRED,
      group: OPTIONAL,
      time: SECONDS,
      skipped: OPTIONAL,
      timestamp: OPTIONAL,
      hostname: OPTIONAL,
      id: OPTIONAL,
      package: OPTIONAL,
      file: OPTIONAL,
      log: OPTIONAL,
      url: OPTIONAL,
      version: OPTIONAL,
    },
    children: anyOf('testsuite', 'properties', 'testcase', 'system-out', 'system-err'),
    text: false,
  },
  properties: { attributes: {}, children: anyOf('property'), text: false },
  property: { attributes: { name: REQUIRED, value: REQUIRED }, children: NOTHING, text: false },
  testcase: {
    attributes: { name: REQUIRED, time: OPTIONAL, classname: OPTIONAL, group: OPTIONAL },
    children: anyOf('skipped', 'error', 'failure', 'rerunFailure', 'rerunError', 'flakyFailure', 'flakyError', 'system-out', 'system-err'),
    text: false,
  },
  skipped: OUTCOME,
  error: OUTCOME,
  failure: OUTCOME,
  rerunFailure: RERUN,
  rerunError: RERUN,
  flakyFailure: RERUN,
  flakyError: RERUN,
  stackTrace: TEXT,
  'system-out': TEXT,
  'system-err': TEXT,
};

/** The elements a document may begin with: the schema's global elements that hold a report. */
const ROOTS = ['testsuites', 'testsuite'];

/** Where an element is, for an error: its path of names, with the testcase's name where there is one. */
function where(path: string, element: XmlElement): string {
  const named = element.attributes.name === undefined ? element.name : `${element.name}[name="${element.attributes.name}"]`;
  return path ? `${path}/${named}` : named;
}

function check(element: XmlElement, path: string, errors: string[]): void {
  const at = where(path, element);
  const rule = JUNIT_10[element.name];
  if (!rule) {
    errors.push(`${at}: no element ${element.name} in the schema`);
    return;
  }
  for (const [name, value] of Object.entries(element.attributes)) {
    const attribute = rule.attributes[name];
    if (!attribute) errors.push(`${at}: attribute ${name} is not allowed`);
    else if (attribute.pattern && !attribute.pattern.test(value)) errors.push(`${at}: ${name}="${value}" is not of its type (${attribute.pattern.source})`);
  }
  for (const [name, attribute] of Object.entries(rule.attributes))
    if (attribute.required && element.attributes[name] === undefined) errors.push(`${at}: attribute ${name} is required`);
  const names = element.children.map((child) => `${child.name} `).join('');
  if (!rule.children.test(names)) errors.push(`${at}: children [${names.trim()}] are not what the schema allows (${rule.children.source})`);
  if (!rule.text && element.text.trim() !== '') errors.push(`${at}: holds text, which the schema does not allow`);
  for (const child of element.children) check(child, at, errors);
}

/** What is wrong with `text` as a JUnit XML file by junit-10.xsd's rules: one line per error, none when valid. */
export function junitSchemaErrors(text: string): string[] {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    return [(error as Error).message];
  }
  const errors: string[] = [];
  if (!ROOTS.includes(root.name)) errors.push(`the document is a ${root.name}, not one of ${ROOTS.join(', ')}`);
  check(root, '', errors);
  return errors;
}
