import { FewshotSampler } from './fewshot';
import { pyRstrip } from '@cptflow/pycompat';
import { docChoices, docTarget, docText, TaskDefinition, TaskDefinitionError } from './task-definition';
import { Doc, renderTemplate } from './template';
import { Tokenizer } from '@cptflow/model';

/** One loglikelihood request as the harness forms it: score `continuation` after `context`. */
export interface ContextRequest {
  docIndex: number;
  /** Index of the choice (or, for multiple-input tasks, of the filled-in context) this request scores. */
  choiceIndex: number;
  context: string;
  continuation: string;
}

/** Everything needed to score one evaluated document. */
export interface DocRequests {
  docIndex: number;
  doc: Doc;
  /** The strings whose lengths normalise acc_norm: the choices, or the contexts of a multiple-input task. */
  choices: string[];
  /** Gold index; -100 when the target is not among the choices (counted wrong, as the harness does). */
  gold: number;
  requests: ContextRequest[];
}

export interface BuildOptions {
  /** k few-shot examples (harness default 0). */
  numFewshot?: number;
  /** Rows few-shot examples are drawn from (already processed like the evaluated docs). */
  fewshotDocs?: readonly Doc[];
  /** random.Random seed of the default sampler (harness default 1234). */
  fewshotSeed?: number;
}

const DEFAULT_TARGET_DELIMITER = ' ';
const DEFAULT_FEWSHOT_DELIMITER = '\n\n';

/**
 * Builds the (context, continuation) requests of every evaluated document exactly as
 * ConfigurableTask.fewshot_context + construct_requests (lm_eval/api/task.py, v0.4.x, plain text, no
 * chat template): description + Σ(example + target_delimiter + answer + fewshot_delimiter) + prompt,
 * and continuation = target_delimiter + choice. Multiple-input tasks (doc_to_text gives an index, as in
 * Winogrande) get one context per choice and a shared continuation target_delimiter + target.
 */
export function buildRequests(task: TaskDefinition, docs: readonly Doc[], options: BuildOptions = {}): DocRequests[] {
  const k = options.numFewshot ?? task.numFewshot ?? 0;
  const targetDelimiter = task.targetDelimiter ?? DEFAULT_TARGET_DELIMITER;
  const fewshotDelimiter = task.fewshotDelimiter ?? DEFAULT_FEWSHOT_DELIMITER;
  let sampler: FewshotSampler | undefined;
  if (k > 0) {
    if (!options.fewshotDocs) throw new TaskDefinitionError(`${task.name}: ${k}-shot evaluation needs fewshotDocs`);
    sampler = FewshotSampler.forTask(task, options.fewshotDocs, options.fewshotSeed);
  }

  return docs.map((doc, docIndex) => {
    let prefix = task.description ? renderTemplate(task.description, doc) : '';
    for (const example of sampler ? sampler.sample(k, doc) : []) {
      prefix += fewshotTurn(task, example, targetDelimiter, fewshotDelimiter);
    }
    const text = docText(task, doc);
    const choices = docChoices(task, doc);
    if (typeof text === 'number') {
      const target = docTarget(task, doc);
      if (typeof target !== 'string') throw new TaskDefinitionError(`${task.name}: a multiple-input task needs a string target`);
      return {
        docIndex,
        doc,
        choices,
        gold: text < choices.length ? text : -100,
        requests: choices.map((filled, choiceIndex) => ({
          docIndex,
          choiceIndex,
          context: prefix + filled,
          continuation: targetDelimiter + target,
        })),
      };
    }
    const context = prefix + text;
    return {
      docIndex,
      doc,
      choices,
      gold: goldIndex(docTarget(task, doc), choices),
      requests: choices.map((choice, choiceIndex) => ({ docIndex, choiceIndex, context, continuation: targetDelimiter + choice })),
    };
  });
}

function goldIndex(target: string | number, choices: string[]): number {
  if (typeof target === 'number') return Number.isInteger(target) && target >= 0 && target < choices.length ? target : -100;
  const at = choices.indexOf(target);
  return at >= 0 ? at : -100;
}

/** One few-shot example as text (build_qa_turn with an answer). */
function fewshotTurn(task: TaskDefinition, example: Doc, targetDelimiter: string, fewshotDelimiter: string): string {
  let question = docText(task, example);
  let choices: string[] | undefined = docChoices(task, example);
  const answer = docTarget(task, example);
  if (typeof question === 'number') {
    // multiple input: the example shows its gold filled-in context followed by the shared target
    question = choices[question];
    choices = undefined;
  }
  if (typeof question !== 'string') throw new TaskDefinitionError(`${task.name}: few-shot example has no prompt text`);
  if (answer === '') return question;
  const answerText = choices && typeof answer === 'number' ? choices[answer] : String(answer);
  if (answerText === undefined) throw new TaskDefinitionError(`${task.name}: few-shot example's target ${answer} is out of range`);
  return question + targetDelimiter + answerText + fewshotDelimiter;
}

// ---------------------------------------------------------------------------------- tokenization

export interface EncodeOptions {
  /**
   * The harness's `add_bos_token` model argument. undefined (the v0.4.9.2+ default) leaves the
   * tokenizer's own default (add_special_tokens=True: BOS for LLaMA/Mistral); false = no special
   * tokens (the v0.4.0–v0.4.9.1 default); true = add them.
   */
  addBosToken?: boolean;
}

export interface EncodedRequest {
  contextIds: number[];
  continuationIds: number[];
}

/** TemplateLM.tok_encode of HFLM: the tokenizer's special-token default unless overridden, never a second BOS. */
export async function harnessEncode(tokenizer: Tokenizer, text: string, options: EncodeOptions = {}): Promise<number[]> {
  let addSpecialTokens = options.addBosToken ?? true;
  // models/huggingface.py tok_encode: a string already starting with the BOS text gets no special tokens
  if (options.addBosToken === undefined && tokenizer.bosToken && text.startsWith(tokenizer.bosToken)) addSpecialTokens = false;
  return tokenizer.encode(text, addSpecialTokens);
}

/**
 * TemplateLM._encode_pair for causal models (lm_eval/api/model.py): trailing whitespace of the context
 * moves to the continuation; the whole string is encoded jointly and split at the length of the
 * separately encoded context. The model then sees contextIds ++ continuationIds.
 * An empty context is conditioned on the prefix token (BOS, else EOS) as TemplateLM.loglikelihood does.
 */
export async function encodePair(tokenizer: Tokenizer, context: string, continuation: string, options: EncodeOptions = {}): Promise<EncodedRequest> {
  if (context === '') {
    const continuationIds = await tokenizer.encode(continuation, false);
    const prefix = tokenizer.prefixTokenId;
    if (prefix === undefined) throw new Error('empty context needs a tokenizer with a BOS or EOS token');
    return prefix !== continuationIds[0]
      ? { contextIds: [prefix], continuationIds }
      : { contextIds: continuationIds.slice(0, 1), continuationIds: continuationIds.slice(1) };
  }
  const trimmed = pyRstrip(context);
  const moved = context.slice(trimmed.length);
  const whole = await harnessEncode(tokenizer, trimmed + moved + continuation, options);
  const contextIds = await harnessEncode(tokenizer, trimmed, options);
  return { contextIds, continuationIds: whole.slice(contextIds.length) };
}

/** Encodes every request of a task; the choices of one document share their context's encoding. */
export async function encodeRequests(tokenizer: Tokenizer, requests: readonly ContextRequest[], options: EncodeOptions = {}): Promise<EncodedRequest[]> {
  const contextCache = new Map<string, Promise<number[]>>();
  const cachingTokenizer: Tokenizer = {
    bosToken: tokenizer.bosToken,
    prefixTokenId: tokenizer.prefixTokenId,
    encode: (text, addSpecialTokens) => {
      const key = `${addSpecialTokens ? 1 : 0}\u0000${text}`;
      let ids = contextCache.get(key);
      if (!ids) {
        ids = Promise.resolve(tokenizer.encode(text, addSpecialTokens));
        contextCache.set(key, ids);
      }
      return ids;
    },
  };
  return Promise.all(requests.map((r) => encodePair(cachingTokenizer, r.context, r.continuation, options)));
}
