// GraphBuilder records ONNX nodes as TypeScript code calls op helpers on typed tensor handles,
// then writes the recorded graph as an ONNX ModelProto. The recorded node list doubles as the tape
// that autodiff walks backwards.
import { AnyTypedArray, DType, ONNX_DATA_TYPE, toRawBytes, typedArrayOf } from './dtype';
import {
  ATTRIBUTE_TYPE,
  AttributeProtoObject,
  encodeModelProto,
  ModelProtoObject,
  NodeProtoObject,
  TensorProtoObject,
  ValueInfoProtoObject,
} from './onnx-proto';
import { Dim, Shape } from './shape';

/** The ONNX opset every emitted graph imports: 18 has ScatterND reduction="add" and ReduceMean axes as input. */
export const OPSET = 18;
const IR_VERSION = 8;

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; dtype: DType; dims: number[]; data: AnyTypedArray };

export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  scalarTensor: (dtype: DType, value: number): AttrValue => ({ kind: 'tensor', dtype, dims: [1], data: typedArrayOf(dtype, [value]) }),
};

/** A handle to one value in the graph: its name, element type and (possibly symbolic) shape. */
export class Tensor {
  constructor(
    readonly graph: GraphBuilder,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    /** Set for constants, so gradient rules can read exponents and similar compile-time values. */
    readonly constValue?: AnyTypedArray,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}

export interface GraphNode {
  readonly opType: string;
  readonly inputs: readonly (Tensor | undefined)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Forward nodes built inside `graph.segment(name, ...)`: the unit gradient checkpointing recomputes. */
  readonly segment?: string;
}

interface Initializer {
  tensor: Tensor;
  data: AnyTypedArray;
}

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  private readonly inputs: Tensor[] = [];
  private readonly outputs: Tensor[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly usedNames = new Set<string>();
  private nameCounter = 0;
  private currentSegment: string | undefined;

  constructor(readonly name = 'cptflow') {}

  /** A graph input fed at run time (parameters, optimizer state and data are all inputs). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    const t = new Tensor(this, this.claimName(name), dtype, [...shape]);
    this.inputs.push(t);
    return t;
  }

  /** Marks a value as a graph output under the given name (an Identity node renames it when needed). */
  output(t: Tensor, name?: string): Tensor {
    let out = t;
    if (name !== undefined && name !== t.name) {
      out = this.node('Identity', [t], { outputName: name })[0];
    } else if (this.inputs.includes(t) || this.outputs.includes(t)) {
      out = this.node('Identity', [t])[0];
    }
    this.outputs.push(out);
    return out;
  }

  /** A constant baked into the model as an initializer. */
  constant(dtype: DType, dims: number[], values: ArrayLike<number> | ArrayLike<bigint> | AnyTypedArray, nameHint = 'const'): Tensor {
    const data = ArrayBuffer.isView(values) ? (values as AnyTypedArray) : typedArrayOf(dtype, values as ArrayLike<number>);
    const t = new Tensor(this, this.freshName(nameHint), dtype, [...dims], data);
    this.initializers.push({ tensor: t, data });
    return t;
  }

  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.constant(dtype, [], [value], 'scalar');
  }

  int64s(values: number[]): Tensor {
    return this.constant('int64', [values.length], values, 'ints');
  }

  /** Runs `build` with every emitted node tagged as part of `name` (see autodiff's checkpointing). */
  segment<T>(name: string, build: () => T): T {
    const previous = this.currentSegment;
    this.currentSegment = name;
    try {
      return build();
    } finally {
      this.currentSegment = previous;
    }
  }

  /**
   * Records one node. Output dtypes/shapes come from `outputs` (computed by the op helper);
   * `outputName` pins the name of a single output.
   */
  node(
    opType: string,
    inputs: (Tensor | undefined)[],
    options: {
      attrs?: Record<string, AttrValue>;
      outputs?: Array<{ dtype: DType; shape: Shape }>;
      outputName?: string;
    } = {},
  ): Tensor[] {
    const specs = options.outputs ?? [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
    const outputs = specs.map(
      (s, i) => new Tensor(this, options.outputName && i === 0 ? this.claimName(options.outputName) : this.freshName(opType), s.dtype, [...s.shape]),
    );
    for (const t of inputs) if (t && t.graph !== this) throw new Error(`tensor ${t.name} belongs to another graph`);
    this.nodes.push({ opType, inputs, outputs, attrs: options.attrs ?? {}, segment: this.currentSegment });
    return outputs;
  }

  get graphInputs(): readonly Tensor[] {
    return this.inputs;
  }

  get graphOutputs(): readonly Tensor[] {
    return this.outputs;
  }

  freshName(hint: string): string {
    let name: string;
    do name = `${hint}_${this.nameCounter++}`;
    while (this.usedNames.has(name));
    this.usedNames.add(name);
    return name;
  }

  private claimName(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.usedNames.add(name);
    return name;
  }

  /**
   * Nodes that contribute to a graph output, in recorded order. Gradient rules and recomputed
   * segments can leave dead nodes behind; ONNX Runtime would still run them (and keep their inputs
   * alive to the end), so they are dropped here.
   */
  liveNodes(): GraphNode[] {
    const live = new Set(this.outputs.map((t) => t.name));
    const keep: boolean[] = new Array(this.nodes.length).fill(false);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!n.outputs.some((o) => live.has(o.name))) continue;
      keep[i] = true;
      for (const t of n.inputs) if (t) live.add(t.name);
    }
    return this.nodes.filter((_, i) => keep[i]);
  }

  toModelProto(): ModelProtoObject {
    const nodes = this.liveNodes();
    const used = new Set(nodes.flatMap((n) => n.inputs.filter((t): t is Tensor => t !== undefined).map((t) => t.name)));
    return {
      irVersion: IR_VERSION,
      producerName: 'cptflow',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: nodes.map((n, i) => nodeProto(n, i)),
        initializer: this.initializers.filter((init) => used.has(init.tensor.name)).map((init) => tensorProto(init.tensor.name, init.tensor.dtype, init.tensor.shape as number[], init.data)),
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      },
    };
  }

  /** The serialised ModelProto, ready for `InferenceSession.create`. */
  toBytes(): Uint8Array {
    return encodeModelProto(this.toModelProto());
  }
}

function valueInfo(t: Tensor): ValueInfoProtoObject {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: ONNX_DATA_TYPE[t.dtype],
        shape: { dim: t.shape.map((d: Dim) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function tensorProto(name: string, dtype: DType, dims: number[], data: AnyTypedArray): TensorProtoObject {
  return { name, dims, dataType: ONNX_DATA_TYPE[dtype], rawData: toRawBytes(data) };
}

function nodeProto(n: GraphNode, index: number): NodeProtoObject {
  return {
    name: `${n.opType}_n${index}`,
    opType: n.opType,
    input: n.inputs.map((t) => (t ? t.name : '')),
    output: n.outputs.map((t) => t.name),
    attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
  };
}

function attributeProto(name: string, a: AttrValue): AttributeProtoObject {
  switch (a.kind) {
    case 'int':
      return { name, type: ATTRIBUTE_TYPE.INT, i: a.value };
    case 'float':
      return { name, type: ATTRIBUTE_TYPE.FLOAT, f: a.value };
    case 'ints':
      return { name, type: ATTRIBUTE_TYPE.INTS, ints: a.value };
    case 'floats':
      return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: a.value };
    case 'string':
      return { name, type: ATTRIBUTE_TYPE.STRING, s: Buffer.from(a.value, 'utf8') };
    case 'tensor':
      return { name, type: ATTRIBUTE_TYPE.TENSOR, t: tensorProto('', a.dtype, a.dims, a.data) };
  }
}
