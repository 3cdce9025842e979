// How one scenario is named across the outputs of a run, and text made safe for HTML and XML. Small on
// purpose: a run loads it to write its own Allure results and junit.xml, without the matrix and report
// builders, which only \`npm run report\` needs.

/** A scenario's key across verdicts.json and the Allure results: its feature file and its name (`features/x.feature#name`). */
export function scenarioKey(location: string, name: string): string {
  return `${location.replace(/:\d+$/, '')}#${name}`;
}

/** An Allure result's scenario, keyed as scenarioKey keys a verdicts.json record. */
export function allureScenarioKey(fullName: string): string {
  // fullName is "<project>:<feature file>#<scenario>"; the project name has no colon.
  const colon = fullName.indexOf(':');
  return colon >= 0 ? fullName.slice(colon + 1) : fullName;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML and XML content or attribute values take it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
