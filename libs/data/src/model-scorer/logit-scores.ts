// From a classifier's logits to one quality score per document. The modes cover the heads that
// Hugging Face sequence classifiers export: a single regression output, or n class logits.

export type ScoreMode = 'regression' | 'int_score' | 'expected_class' | 'class_probability';

export const SCORE_MODES: readonly ScoreMode[] = ['regression', 'int_score', 'expected_class', 'class_probability'];

export interface ScoreModeOptions {
  mode: ScoreMode;
  /** The class whose probability is the score (mode `class_probability`). */
  classIndex?: number;
}

/** Python's round(): halves go to the even neighbour (round(2.5) == 2, round(3.5) == 4). */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * FineWeb-Edu's integer score of the classifier's regression output, as its model card computes it:
 * `int_score = int(round(max(0, min(score, 5))))` (model card of HuggingFaceFW/fineweb-edu-classifier).
 * FineWeb-Edu kept int_score >= 3 (its dataset card).
 */
export function fineWebEduIntScore(score: number): number {
  return roundHalfToEven(Math.max(0, Math.min(score, 5)));
}

/** Softmax of one row, in float64, shifted by the row's maximum so large logits do not overflow. */
export function softmaxRow(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const exps = Array.from(logits, (l) => Math.exp(l - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Checks that a head of `classes` outputs can be read in this mode; the message says what is wrong. */
export function checkModeFitsHead(options: ScoreModeOptions, classes: number): void {
  const { mode, classIndex } = options;
  if ((mode === 'regression' || mode === 'int_score') && classes !== 1) {
    throw new Error(`score mode "${mode}" needs a regression head (logits [batch, 1]); the model has ${classes} outputs per document: use "expected_class" or "class_probability"`);
  }
  if ((mode === 'expected_class' || mode === 'class_probability') && classes < 2) {
    throw new Error(`score mode "${mode}" needs a classification head (logits [batch, n >= 2]); the model has ${classes} output per document: use "regression" or "int_score"`);
  }
  if (mode === 'class_probability') {
    if (classIndex === undefined || !Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
      throw new Error(`score mode "class_probability" needs classIndex in 0..${classes - 1}; got ${classIndex}`);
    }
  }
}

/** One score from one document's row of logits. */
export function scoreOfLogits(row: ArrayLike<number>, options: ScoreModeOptions): number {
  switch (options.mode) {
    case 'regression':
      return row[0];
    case 'int_score':
      return fineWebEduIntScore(row[0]);
    case 'expected_class':
      // The expected class index under the softmax: sum_i p_i * i (0 .. n-1), for heads whose classes
      // are ordered grades, as the FineWeb-Edu annotations' 0-5 scale would be as classes.
      return softmaxRow(row).reduce((sum, p, i) => sum + p * i, 0);
    case 'class_probability':
      return softmaxRow(row)[options.classIndex!];
  }
}
