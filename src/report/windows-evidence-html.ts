// What Windows is known to do, as the matrix and the annotated page show it beside the verdicts: cited
// evidence in a box of its own, labelled as such, with no badge, so that it never reads as a verdict. Pure:
// an entry of the evidence file in, HTML out (render.ts writes the Markdown, with the matrix's own escaping).
import { escapeHtml } from '../run-outputs/keys';
import {
  BEARING_WORDS,
  BEARINGS,
  citationText,
  citationUrl,
  EVIDENCE_KINDS,
  isOfWindows,
  KIND_WORDS,
  type Bearing,
  type EntryEvidence,
  type EvidenceKind,
  type EvidenceItem,
} from '../catalogue/windows-evidence';

/** The label every rendering carries. */
export const WINDOWS_EVIDENCE_LABEL = 'what Windows is known to do (cited)';

/** What the label means, once per page. */
export const WINDOWS_EVIDENCE_NOTE =
  `“${WINDOWS_EVIDENCE_LABEL}” is public evidence of real Windows (tests that run on it, Microsoft’s documentation) and of ReactOS, ` +
  'each item cited and paraphrased: it stands beside the verdicts and is never one (docs/interpreting.md, “What Windows is known to do”).';

/** Its look: a dashed box and plain words, unlike the verdicts' badges. */
export const WINDOWS_EVIDENCE_STYLE = `details.windows-evidence { margin-top: 4px; border: 1px dashed #8c6bb1; border-radius: 4px; background: #faf7fd; padding: 2px 8px; font-size: 12px; }
details.windows-evidence summary { cursor: pointer; color: #4b2f70; }
details.windows-evidence .windows-label { font-style: italic; font-weight: 600; }
details.windows-evidence ul { margin: 4px 0; padding-left: 16px; }
details.windows-evidence li { margin: 2px 0; }
details.windows-evidence .bearing { font-weight: 600; }
details.windows-evidence .bearing-agrees { color: #2c6e3f; } details.windows-evidence .bearing-contradicts { color: #9a3412; } details.windows-evidence .bearing-says-more { color: #4b5563; }
details.windows-evidence .kind, details.windows-evidence .call, details.windows-evidence .versions { color: #57606a; }
details.windows-evidence cite { font-style: normal; }
details.windows-evidence .not-found { color: #57606a; font-style: italic; margin: 2px 0 4px; }`;

function counted(items: readonly EvidenceItem[]): string {
  const counts = BEARINGS.map((bearing): [Bearing, number] => [bearing, items.filter((i) => i.bearing === bearing).length]).filter(([, n]) => n > 0);
  const words: Record<Bearing, [string, string]> = {
    agrees: ['agrees', 'agree'],
    contradicts: ['contradicts', 'contradict'],
    'says-more': ['says more', 'say more'],
  };
  return counts.map(([bearing, n]) => `${n} ${n === 1 ? words[bearing][0] : words[bearing][1]}`).join(', ');
}

/** How the tally names each kind of source. */
const KIND_TALLY: Record<EvidenceKind, string> = {
  'test-on-windows': 'tests on Windows',
  'microsoft-documentation': 'Microsoft documentation',
  'reactos-code': 'ReactOS code',
};

/**
 * The entry in one line: how the items of each kind bear on the rule, so that documentation is never taken
 * for a test; that there is no public evidence of Windows where there is none; and that something was not
 * found where the entry says so beside its items.
 */
export function windowsEvidenceTally(entry: EntryEvidence | null): string {
  if (entry === null) return 'not recorded';
  const ofWindows = entry.items.some((i) => isOfWindows(i.kind));
  const parts = ofWindows ? [] : ['no public evidence of Windows'];
  for (const kind of EVIDENCE_KINDS) {
    const items = entry.items.filter((i) => i.kind === kind);
    if (items.length > 0) parts.push(`${KIND_TALLY[kind]}: ${counted(items)}`);
  }
  if (ofWindows && entry.notFound !== null) parts.push('some not found');
  return parts.join('; ');
}

/** How an entry's notFound is introduced: as the whole answer where it has no item of Windows, else as what is missing beside them. */
export function notFoundLead(entry: EntryEvidence): string {
  return entry.items.some((i) => isOfWindows(i.kind)) ? 'not found' : 'no public evidence';
}

function itemHtml(item: EvidenceItem): string {
  const text = escapeHtml(citationText(item.citation));
  const url = citationUrl(item.citation);
  const cite = url ? `<a href="${escapeHtml(url)}">${text}</a>` : text;
  return (
    `<li data-bearing="${item.bearing}" data-kind="${item.kind}">` +
    `<span class="bearing bearing-${item.bearing}">${escapeHtml(BEARING_WORDS[item.bearing])}</span> · <span class="kind">${escapeHtml(KIND_WORDS[item.kind])}</span>, ` +
    `<span class="call">${escapeHtml(item.call)}</span>: ${escapeHtml(item.shows)}` +
    `${item.windows ? ` <span class="versions">(Windows: ${escapeHtml(item.windows)})</span>` : ''} <cite>${cite}</cite></li>`
  );
}

/** The entry as a details element, closed until the reader opens it; `data-windows-evidence` names the requirement. */
export function windowsEvidenceHtml(id: string, entry: EntryEvidence | null): string {
  const items = entry && entry.items.length > 0 ? `<ul>${entry.items.map(itemHtml).join('')}</ul>` : '';
  const notFound = entry?.notFound
    ? `<p class="not-found">${notFoundLead(entry)}: ${escapeHtml(entry.notFound)}</p>`
    : entry === null
      ? '<p class="not-found">no evidence file lists this requirement</p>'
      : '';
  return (
    `<details class="windows-evidence" data-windows-evidence="${escapeHtml(id)}">` +
    `<summary><span class="windows-label">${WINDOWS_EVIDENCE_LABEL}</span>: <span class="windows-tally">${escapeHtml(windowsEvidenceTally(entry))}</span></summary>` +
    `${items}${notFound}</details>`
  );
}
