// A plain-TypeScript forward pass of the tiny LLaMA in fixtures/model (float64 arithmetic). It exists
// only so the tests can run the whole pipeline (data -> prompts -> token ids -> log-likelihoods ->
// metrics) against lm-evaluation-harness with a real model today; real models run in the engine's
// ONNX graphs, which plug into the same LogLikelihoodModel interface.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFloat32TensorsSync } from '@cptflow/model';
import { groupBySharedInput, LogLikelihoodModel, ScoreRequest, ScoreResult } from '../scorer';

interface LlamaConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  rms_norm_eps: number;
  rope_theta?: number;
  rope_parameters?: { rope_theta?: number };
  tie_word_embeddings?: boolean;
  max_position_embeddings: number;
}

/** y[o] = Σ_i W[o, i] x[i] for a row-major [out, in] weight. */
function matvec(w: Float32Array, x: Float64Array, out: number, inDim: number): Float64Array {
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) s += w[row + i] * x[i];
    y[o] = s;
  }
  return y;
}

export class FixtureLlama implements LogLikelihoodModel {
  readonly maxLength: number;
  private readonly cfg: LlamaConfig;
  private readonly w: Map<string, { shape: number[]; data: Float32Array }>;

  constructor(modelDir: string) {
    this.cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as LlamaConfig;
    this.w = readFloat32TensorsSync(path.join(modelDir, 'model.safetensors'));
    this.maxLength = this.cfg.max_position_embeddings;
  }

  private t(name: string): Float32Array {
    const t = this.w.get(name);
    if (!t) throw new Error(`missing tensor ${name}`);
    return t.data;
  }

  private rmsNorm(x: Float64Array, weight: Float32Array): Float64Array {
    let ss = 0;
    for (const v of x) ss += v * v;
    const inv = 1 / Math.sqrt(ss / x.length + this.cfg.rms_norm_eps);
    return x.map((v, i) => v * inv * weight[i]);
  }

  /** Final hidden states (after model.norm) for every position of `ids`. */
  private hidden(ids: number[]): Float64Array[] {
    const c = this.cfg;
    const H = c.hidden_size;
    const nh = c.num_attention_heads;
    const nkv = c.num_key_value_heads;
    const hd = H / nh;
    const theta = c.rope_parameters?.rope_theta ?? c.rope_theta ?? 10000;
    const emb = this.t('model.embed_tokens.weight');
    let xs = ids.map((id) => Float64Array.from(emb.subarray(id * H, (id + 1) * H)));
    const rope = (v: Float64Array, heads: number, pos: number) => {
      const out = new Float64Array(v.length);
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < hd / 2; i++) {
          const angle = pos * Math.pow(theta, -(2 * i) / hd);
          const a = v[h * hd + i];
          const b = v[h * hd + i + hd / 2];
          out[h * hd + i] = a * Math.cos(angle) - b * Math.sin(angle);
          out[h * hd + i + hd / 2] = b * Math.cos(angle) + a * Math.sin(angle);
        }
      }
      return out;
    };
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      const normed = xs.map((x) => this.rmsNorm(x, this.t(`${p}input_layernorm.weight`)));
      const q = normed.map((x, pos) => rope(matvec(this.t(`${p}self_attn.q_proj.weight`), x, nh * hd, H), nh, pos));
      const k = normed.map((x, pos) => rope(matvec(this.t(`${p}self_attn.k_proj.weight`), x, nkv * hd, H), nkv, pos));
      const v = normed.map((x) => matvec(this.t(`${p}self_attn.v_proj.weight`), x, nkv * hd, H));
      xs = xs.map((x, pos) => {
        const attn = new Float64Array(nh * hd);
        for (let h = 0; h < nh; h++) {
          const kvh = Math.floor(h / (nh / nkv));
          const scores = new Float64Array(pos + 1);
          let max = -Infinity;
          for (let j = 0; j <= pos; j++) {
            let s = 0;
            for (let d = 0; d < hd; d++) s += q[pos][h * hd + d] * k[j][kvh * hd + d];
            scores[j] = s / Math.sqrt(hd);
            max = Math.max(max, scores[j]);
          }
          let z = 0;
          for (let j = 0; j <= pos; j++) z += (scores[j] = Math.exp(scores[j] - max));
          for (let j = 0; j <= pos; j++) for (let d = 0; d < hd; d++) attn[h * hd + d] += (scores[j] / z) * v[j][kvh * hd + d];
        }
        const o = matvec(this.t(`${p}self_attn.o_proj.weight`), attn, H, nh * hd);
        const r = x.map((xv, i) => xv + o[i]);
        const n2 = this.rmsNorm(r, this.t(`${p}post_attention_layernorm.weight`));
        const gate = matvec(this.t(`${p}mlp.gate_proj.weight`), n2, c.intermediate_size, H);
        const up = matvec(this.t(`${p}mlp.up_proj.weight`), n2, c.intermediate_size, H);
        const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
        const down = matvec(this.t(`${p}mlp.down_proj.weight`), act, H, c.intermediate_size);
        return r.map((rv, i) => rv + down[i]);
      });
    }
    return xs.map((x) => this.rmsNorm(x, this.t('model.norm.weight')));
  }

  /** log-softmax over the vocabulary at one position. */
  private logProbs(h: Float64Array): Float64Array {
    const head = this.cfg.tie_word_embeddings === false ? this.t('lm_head.weight') : this.t('model.embed_tokens.weight');
    const logits = matvec(head, h, this.cfg.vocab_size, this.cfg.hidden_size);
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    let z = 0;
    for (const v of logits) z += Math.exp(v - max);
    const lse = max + Math.log(z);
    return logits.map((v) => v - lse);
  }

  scoreBatch(requests: ScoreRequest[]): ScoreResult[] {
    const results: ScoreResult[] = new Array(requests.length);
    // one forward pass per shared model input (the harness's logits cache)
    for (const group of groupBySharedInput(requests)) {
      const states = this.hidden(group.input);
      const cache = new Map<number, Float64Array>();
      for (const m of group.members) {
        const cont = requests[m].continuationIds;
        let logprob = 0;
        let greedy = true;
        cont.forEach((tok, j) => {
          const pos = group.input.length - cont.length + j;
          let lp = cache.get(pos);
          if (!lp) cache.set(pos, (lp = this.logProbs(states[pos])));
          logprob += lp[tok];
          let best = 0;
          for (let i = 1; i < lp.length; i++) if (lp[i] > lp[best]) best = i;
          if (best !== tok) greedy = false;
        });
        results[m] = { logprob, isGreedy: greedy };
      }
    }
    return results;
  }
}
