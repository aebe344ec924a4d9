export { CATALOGUE, SEVERITY_ORDER, hasBlocker, sortWarnings, severityRank, worstSeverity } from './catalogue';
export type { Severity, Warning, WarningId } from './catalogue';
export { evaluatePosture, expectedSamplerCapabilities, kernelIsOld, parseKernelVersion, parseLockdown, SAMPLER_GROUP } from './evaluate';
export type { BinaryFact, EvaluateOptions, MountFact, PostureEvidence, ProcessFact, SamplerFileFact } from './evaluate';
export { CAPABILITY_NAMES, capabilityName, parseCapabilityMask, parseGetcap, parseGetcapLine, parseProcStatusCapabilities } from './capabilities';
export type { CapabilitySets, FileCapabilities } from './capabilities';
