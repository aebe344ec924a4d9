export { toFolded, fromFolded, escapeFrameName, FoldedReader } from './folded';
export type { FoldedExportOptions, FoldedImportOptions } from './folded';
