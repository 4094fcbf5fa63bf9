// A model is trained and evaluated with its own tokenizer: the tokenizer.json in its directory, next to
// config.json. Every part that turns text into ids for a model (packer, trainer, evaluator) takes it from
// there, and refuses a tokenizer whose ids cannot be the model's: more ids than the embedding has rows,
// or BOS/EOS ids other than the ones config.json names. (Training on another vocabulary's ids fails
// silently otherwise: the loss falls while the model learns nothing its evaluation can see.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '@cptflow/platform';
import { parseLlamaConfig } from '@cptflow/model';
import { DocumentTokenizer } from './document-tokenizer';

/** A tokenizer that cannot be used with a model; exits 2 like any configuration error. */
export class TokenizerMismatchError extends ConfigError {}

/** What of config.json the check needs. */
export interface ModelVocabulary {
  vocabSize: number;
  bosTokenId: number | null;
  eosTokenId: number | null;
}

/** The tokenizer of the model in `modelDir` (its tokenizer.json), checked against its config.json. */
export async function loadModelTokenizer(modelDir: string): Promise<DocumentTokenizer> {
  const tokenizerPath = path.join(modelDir, 'tokenizer.json');
  if (!fs.existsSync(tokenizerPath)) {
    throw new TokenizerMismatchError(
      `model ${modelDir} has no tokenizer.json: cptflow packs, trains and evaluates a model with its own tokenizer; copy the model's tokenizer.json (and tokenizer_config.json) next to its config.json`,
    );
  }
  const tokenizer = DocumentTokenizer.load({ tokenizerPath });
  await checkTokenizerFitsModel(tokenizer, modelDir);
  return tokenizer;
}

/** Throws TokenizerMismatchError naming both files when `tokenizer` cannot be the model's. */
export async function checkTokenizerFitsModel(tokenizer: DocumentTokenizer, modelDir: string): Promise<void> {
  const configPath = path.join(modelDir, 'config.json');
  if (!fs.existsSync(configPath)) throw new TokenizerMismatchError(`model ${modelDir} has no config.json`);
  const model = parseLlamaConfig(fs.readFileSync(configPath, 'utf8'), configPath);
  const problem = await vocabularyMismatch(tokenizer, model);
  if (problem) throw new TokenizerMismatchError(`tokenizer ${tokenizer.tokenizerPath} does not fit model ${configPath}: ${problem}`);
}

/** Why the tokenizer's ids cannot be the model's, or undefined when they can. */
export async function vocabularyMismatch(tokenizer: DocumentTokenizer, model: ModelVocabulary): Promise<string | undefined> {
  // HF models often pad vocab_size beyond the tokenizer (to a multiple of 64); fewer rows than ids is the error.
  if (tokenizer.vocabSize > model.vocabSize) {
    return `the tokenizer has ${tokenizer.vocabSize} ids, the model's vocab_size is ${model.vocabSize}`;
  }
  if (model.eosTokenId !== null && tokenizer.eosId !== model.eosTokenId) {
    return `the tokenizer's EOS ${tokenizer.eosToken} is id ${tokenizer.eosId}, the model's eos_token_id is ${model.eosTokenId}`;
  }
  const bosId = await tokenizer.bosId();
  if (model.bosTokenId !== null && bosId !== undefined && bosId !== model.bosTokenId) {
    return `the tokenizer starts documents with id ${bosId}, the model's bos_token_id is ${model.bosTokenId}`;
  }
  return undefined;
}
