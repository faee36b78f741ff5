// 64-bit integers are plain numbers everywhere (see tools/proto/generate.mjs). The generated
// decoders ask the reader for 64-bit values, which yields Long objects while the `long` package is
// installed; without it the reader converts to numbers. The generated module also sets each
// 64-bit field's default on its prototype when it loads, from `util.Long` as it is then, so this
// must run before that module does: index.ts imports it first.
import { configure, util } from 'protobufjs';

util.Long = undefined as unknown as typeof util.Long;
configure();
