// A document's id must not change when the same text is ingested twice (dedup recognises a re-delivered
// document as itself by it), so without a source id the id is a hash of the text alone.
import { createHash } from 'node:crypto';

export function contentHashId(text: string): string {
  return 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex');
}
