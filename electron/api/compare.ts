// The API's comparison methods over the library: open a base and a target (the previous
// capture of the target's host when no base is named), and export their diff as pprof.
import { EmberError } from '../../core/errors';
import { previousCaptureOf } from '../../core/api';
import type { ComparisonExportRequest, CompareRequest, ExportedFile, OpenedComparison } from '../../core/api';
import { isRedactionOff, normalizeRedaction } from '../../core/redaction';
import { exportComparison } from '../services/compare';
import type { LibraryService } from '../services/types';

export async function compareCaptures(library: LibraryService, request: CompareRequest): Promise<OpenedComparison> {
  const target = await library.open(request.targetId);
  let baseId = request.baseId;
  if (baseId === null) {
    const listing = await library.list();
    baseId = previousCaptureOf(listing.captures, target.summary).id;
  }
  if (baseId === request.targetId) throw new EmberError('BAD_INPUT', 'Choose two different captures to compare.');
  const base = await library.open(baseId);
  return { base: { summary: base.summary, profile: base.profile }, target: { summary: target.summary, profile: target.profile } };
}

export async function exportComparisonOf(library: LibraryService, request: ComparisonExportRequest): Promise<ExportedFile> {
  if (isRedactionOff(request.redaction) && !request.confirmedUnredacted) {
    throw new EmberError('BAD_INPUT', 'Exporting without any redaction needs your confirmation. Turn on a redaction preset, or confirm the unredacted export.');
  }
  const base = await library.open(request.baseId);
  const target = await library.open(request.targetId);
  const stem = (title: string): string => title.replace(/\.(pb\.gz|pb|pprof|prof|gz|folded|collapsed|txt)$/i, '');
  const file = exportComparison(base.profile, target.profile, `${stem(base.summary.title)}-vs-${stem(target.summary.title)}`, { format: 'pprof', redaction: normalizeRedaction(request.redaction) });
  return {
    fileName: file.fileName,
    mimeType: file.mimeType,
    dataBase64: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('base64'),
    redactionSummary: file.redactionSummary,
  };
}
