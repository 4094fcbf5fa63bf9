// 64-bit fields in our contracts (timestamps, token counts, steps) stay far below 2^53, so we read them
// as plain numbers: protobufjs does that once its Long support is switched off before any message loads.
import * as protobuf from 'protobufjs/minimal';

(protobuf.util as { Long?: unknown }).Long = undefined;
protobuf.configure();
