// A rejected record becomes a DeadLetter on the ingest stage's dead-letter topic: the reason leads the
// error string ("bad_json: ...") so dead letters can be counted by reason downstream.
import { codecFor, DeadLetter } from '../../contracts/src';
import { RejectedRecord } from './ingest-item';

export const INGEST_STAGE = 'ingest';

const deadLetterCodec = codecFor<DeadLetter>(DeadLetter);

export function toDeadLetter(rejected: RejectedRecord, atMs: number): DeadLetter {
  return {
    stage: INGEST_STAGE,
    error: `${rejected.reason}: ${rejected.detail}`,
    original: rejected.original,
    source: rejected.locator,
    atMs,
  };
}

export function encodeDeadLetter(rejected: RejectedRecord, atMs: number): Buffer {
  return deadLetterCodec.encode(toDeadLetter(rejected, atMs));
}

/** The reason a dead letter written by this stage carries (the text before the first ": "). */
export function deadLetterReason(letter: DeadLetter): string {
  const error = letter.error ?? '';
  const colon = error.indexOf(': ');
  return colon === -1 ? error : error.slice(0, colon);
}
