// Vector-Jacobian rules keyed by ONNX op type. Each op file registers the rule for the ops it
// defines, right beside the forward helper, so adding an op touches one file and its test.
import { GraphNode, Tensor } from './graph';

export interface GradContext {
  node: GraphNode;
  /** Upstream gradient of each node output; undefined where no gradient flows into that output. */
  dys: readonly (Tensor | undefined)[];
  /** Whether each input needs a gradient (rules may skip work for the others). */
  needs: readonly boolean[];
}

/** Returns the gradient for each node input (undefined for inputs that take none). */
export type GradRule = (ctx: GradContext) => (Tensor | undefined)[];

const rules = new Map<string, GradRule>();

export function registerGradient(opType: string, rule: GradRule): void {
  if (rules.has(opType)) throw new Error(`gradient for ${opType} registered twice`);
  rules.set(opType, rule);
}

export function gradientRule(opType: string): GradRule {
  const rule = rules.get(opType);
  if (!rule) throw new Error(`no gradient rule for op ${opType}`);
  return rule;
}
