// How `cptflow run` reports the document pipeline: one table a person can read at a glance.
import type { PipelineCounts } from '@cptflow/local-run';
import { renderTextTable } from '@cptflow/results';

export function pipelineSummaryTable(c: PipelineCounts): string {
  const rows: Array<[string, string, number]> = [
    ['ingested', 'documents read from the sources', c.ingested],
    ['dead letter', 'ingest (malformed records)', c.ingestDeadLetters],
  ];
  for (const [rule, n] of Object.entries(c.rejectedByRule).sort((a, b) => b[1] - a[1])) rows.push(['rejected', rule, n]);
  rows.push(['duplicate', 'exact', c.exactDuplicates], ['duplicate', 'near (MinHash)', c.nearDuplicates]);
  for (const [stage, n] of Object.entries(c.deadLettersByStage)) rows.push(['dead letter', stage, n]);
  rows.push(['kept', 'unique documents', c.unique], ['packed', 'documents in sequences', c.packedDocuments]);
  for (const [corpus, n] of Object.entries(c.sequencesByCorpus)) rows.push(['packed', `sequences (${corpus})`, n]);
  rows.push(['packed', 'tokens', c.tokens], ['packed', 'padding tokens', c.paddingTokens]);
  return renderTextTable({ title: 'Document pipeline', columns: ['outcome', 'detail', 'count'], rows });
}
