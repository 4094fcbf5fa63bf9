import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph';
import * as op from './ops';
import { createSession, ortTensor } from './runtime';

test('named ORT optimizers can be disabled: float64 SiLU runs at level "all" without QuickGeluFusion', async () => {
  // At 'extended'/'all', ORT 1.30 rewrites x·sigmoid(x) into com.microsoft.QuickGelu, whose CPU
  // kernel is float-only, so a float64 graph would fail to load; skipping that one fusion keeps the rest.
  const g = new GraphBuilder();
  const x = g.input('x', 'float64', [3]);
  g.output(op.silu(x), 'y');
  const session = await createSession(g.toBytes(), { optimization: 'all', disabledOptimizers: ['QuickGeluFusion'] });
  const out = await session.run({ x: ortTensor('float64', Float64Array.of(-1, 0, 2), [3]) });
  const expected = [-1, 0, 2].map((v) => v / (1 + Math.exp(-v)));
  (out.y.data as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-15));
});
