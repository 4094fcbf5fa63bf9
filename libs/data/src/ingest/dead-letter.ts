// The ingest stage's dead letters (built by libs/platform/src/transport's deadLetterForSource): the reason leads the
// error string ("bad_json: ...") so dead letters can be counted by reason downstream.
import type { DeadLetter } from '@cptflow/platform';

export const INGEST_STAGE = 'ingest';

/** The reason a dead letter written by this stage carries (the text before the first ": "). */
export function deadLetterReason(letter: DeadLetter): string {
  const error = letter.error ?? '';
  const colon = error.indexOf(': ');
  return colon === -1 ? error : error.slice(0, colon);
}
