// A statement's identity: its normalised text and that text's hash, which anchors quote. Apart from the
// page's parser (statements.ts) so that loading a catalogue does not load markdown-it and htmlparser2.
import { createHash } from 'node:crypto';

export const HASH_LENGTH = 12;

/** Markup gone, white space (no-break spaces too) collapsed. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The first HASH_LENGTH hex digits of the SHA-256 of a normalised text. */
export function statementHash(normalisedText: string): string {
  return createHash('sha256').update(normalisedText).digest('hex').slice(0, HASH_LENGTH);
}
