export { encodePprof, encodePprofInSteps, KERNEL_MAPPING, JIT_MAPPING, LABEL_COMM, LABEL_PID, LABEL_TID } from './encode';
export { decodePprof } from './decode';
export type { PprofDecodeOptions } from './decode';
export { encodeDiffPprof, BASE_LABEL } from './encode-diff';
