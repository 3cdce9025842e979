// Where a requirement's page section can be read. The catalogue quotes the section headings of the
// Markdown source (shared/spec/WSARecvDisconnect.md: "-returns", "-remarks", front matter "metadata");
// the same page is published on Microsoft Learn, whose headings are the rendered form of those sections.
// Links go there because the local copy has no web address; the suite's wording is from the copy of
// ms.date 12/5/2018, and the published page may have been edited since.

export const PAGE_URL = 'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvdisconnect';

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

export function sectionUrl(section: string): string {
  const anchor = sectionAnchor(section);
  return anchor ? `${PAGE_URL}#${anchor}` : PAGE_URL;
}
