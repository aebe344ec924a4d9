import { SEVERITY_ORDER, type Severity } from '../warnings/catalogue';

/** Severities as the UI lists them: the worst first. */
export const SEVERITY_WORST_FIRST: readonly Severity[] = Object.freeze([...SEVERITY_ORDER].reverse());
