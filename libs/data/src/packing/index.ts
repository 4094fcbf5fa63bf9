export { DocumentTokenizer, defaultTokenizerPath, type DocumentTokenizerOptions } from './document-tokenizer';
export { loadModelTokenizer, checkTokenizerFitsModel, vocabularyMismatch, TokenizerMismatchError, type ModelVocabulary } from './model-tokenizer';
export { LLAMA2_TOKENIZER_SHA256, llama2TokenizerDir, llama2TokenizerPath, lenmlTokenizerPath } from './llama2-tokenizer';
export { tokenWidthForVocab, encodeTokens, decodeTokens, type TokenWidth } from './token-codec';
export {
  buildSequence,
  sequenceId,
  sequenceSegments,
  unpackDocuments,
  segmentLengths,
  PackedDocumentTally,
  segmentIds,
  positionIds,
  type PackedSequenceData,
  type Segment,
  type TokenizedDocument,
} from './packed-sequence';
export {
  createPacker,
  ConcatSplitPacker,
  BestFitPacker,
  DEFAULT_SEQ_LEN,
  DEFAULT_BUFFER_DOCS,
  type PackerOptions,
  type PackerState,
  type PackingStrategy,
  type SequencePacker,
} from './packers';
export { toPackedSequenceMessage, fromPackedSequenceMessage, type SequenceLabels } from './packed-sequence-message';
