export { toFolded, fromFolded, escapeFrameName } from './folded';
export type { FoldedExportOptions, FoldedImportOptions } from './folded';
