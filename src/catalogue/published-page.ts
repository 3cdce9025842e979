// Where a requirement's page section can be read. The catalogue quotes the section headings of the
// Markdown source (e.g. ../shared/spec/WSARecvDisconnect.md: "-returns", "-remarks", front matter "metadata");
// the same page is published on Microsoft Learn (the catalogue's `url`), whose headings are the rendered
// form of those sections. Links go there because the local copy has no web address; the suite's wording
// is from the copy the catalogue anchors, and the published page may have been edited since.

/** The Learn heading anchor of a catalogue section; '' for the page's top (the description). */
export function sectionAnchor(section: string): string {
  if (section === 'metadata') return 'requirements';
  if (section === '-parameters' || section.startsWith('-param ')) return 'parameters';
  if (section === '-returns') return 'return-value';
  if (section === '-remarks') return 'remarks';
  if (section === '-see-also') return 'see-also';
  if (section === '-syntax') return 'syntax';
  return '';
}

/** A section's address on the published page `pageUrl` (a catalogue's `url`). */
export function sectionUrl(section: string, pageUrl: string): string {
  const anchor = sectionAnchor(section);
  return anchor ? `${pageUrl}#${anchor}` : pageUrl;
}
