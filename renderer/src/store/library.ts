// The capture library: listing, opening, deleting, importing files and exporting the open capture.
import type { CaptureSummary, EmberscopeApi, ExportFormat, ImportedCapture } from '../../../core/api';
import { IMPORT_CHUNK_BYTES, MAX_IMPORT_FILE_BYTES, formatImportLimit } from '../../../core/api';
import { isRedactionOff } from '../../../core/redaction';
import { base64ToBytes, bytesToBase64 } from '../base64';
import { download } from '../download';
import { transformsForExport } from '../model/redaction';
import { transformsOf } from './investigate';
import { requireApi, type Slice } from './types';

export interface PendingExport {
  readonly format: ExportFormat;
}

export interface LibrarySlice {
  library: readonly CaptureSummary[];
  libraryLoaded: boolean;
  /** An export waiting for the user's yes to "export without redaction". */
  pendingExport: PendingExport | null;

  refreshLibrary(): Promise<void>;
  openCapture(captureId: string): Promise<void>;
  removeCapture(captureId: string): Promise<void>;
  importFiles(files: readonly File[]): Promise<void>;
  requestExport(format: ExportFormat): Promise<void>;
  confirmExport(confirmed: boolean): Promise<void>;
}

/**
 * Sends a file in chunks (a real capture is hundreds of MB: never one message, never the whole
 * file in memory here); `progress` gets the share sent, 0..1.
 */
async function streamImport(a: EmberscopeApi, file: File, progress: (sent: number) => void): Promise<ImportedCapture> {
  const { importId } = await a.beginImport({ fileName: file.name.slice(0, 255) || 'profile', size: file.size });
  try {
    for (let offset = 0; offset < file.size; offset += IMPORT_CHUNK_BYTES) {
      const bytes = new Uint8Array(await file.slice(offset, offset + IMPORT_CHUNK_BYTES).arrayBuffer());
      await a.importChunk({ importId, offset, dataBase64: bytesToBase64(bytes) });
      progress(Math.min(1, (offset + bytes.length) / Math.max(1, file.size)));
    }
  } catch (error) {
    await a.cancelImport(importId).catch(() => undefined);
    throw error;
  }
  return a.finishImport(importId);
}

function importNotice(file: File, result: ImportedCapture): string {
  if (result.duplicate) return `${file.name} is already in the library (as “${result.summary.title}”): nothing was added, the existing entry is open.`;
  return `Imported ${file.name} (${result.format === 'folded' ? 'folded stacks' : 'pprof'}${result.gzipped ? ', gzipped' : ''}).`;
}

export const createLibrarySlice: Slice<LibrarySlice> = (set, get) => {
  const api = () => requireApi(get);
  return {
    library: [],
    libraryLoaded: false,
    pendingExport: null,

    async refreshLibrary() {
      try {
        const library = await api().listCaptures();
        set({ library, libraryLoaded: true });
      } catch (e) {
        set({ libraryLoaded: true });
        get().fail(e, 'The capture library could not be read');
      }
    },
    async openCapture(captureId) {
      set({ busy: 'Opening capture…' });
      try {
        performance.mark('emberscope:open-start');
        const opened = await api().openCapture(captureId);
        performance.mark('emberscope:profile-received');
        set({
          open: { summary: opened.summary, title: opened.summary.title, profile: opened.profile },
          screen: { kind: 'profile' },
          search: '',
          focus: null,
          busy: null,
        });
      } catch (e) {
        get().fail(e, 'The capture could not be opened');
        await get().refreshLibrary();
      }
    },
    async removeCapture(captureId) {
      try {
        await api().removeCapture(captureId);
        const open = get().open;
        if (open?.summary?.id === captureId) set({ open: null, screen: { kind: 'welcome' } });
        await get().refreshLibrary();
        set({ notice: 'Capture deleted.' });
      } catch (e) {
        get().fail(e, 'The capture could not be deleted');
      }
    },
    async importFiles(files) {
      let last: CaptureSummary | null = null;
      let notice: string | null = null;
      for (const file of files) {
        if (file.size > MAX_IMPORT_FILE_BYTES) {
          get().fail(new Error(`TOO_LARGE: ${file.name} is larger than ${formatImportLimit(MAX_IMPORT_FILE_BYTES)}.`), 'The file could not be imported');
          continue;
        }
        set({ busy: `Importing ${file.name}…` });
        try {
          const result = await streamImport(api(), file, (sent) => {
            set({ busy: sent < 1 ? `Importing ${file.name}… ${Math.floor(sent * 100)}%` : `Reading ${file.name}…` });
          });
          last = result.summary;
          notice = importNotice(file, result);
        } catch (e) {
          get().fail(e, `${file.name} could not be imported`);
        }
      }
      set({ busy: null });
      await get().refreshLibrary();
      if (last) await get().openCapture(last.id);
      if (notice) set({ notice });
    },
    async requestExport(format) {
      set({ pendingExport: { format } });
      // Without redaction the dialog asks first; with it, the export goes straight on.
      if (isRedactionOff(get().redaction)) return;
      await get().confirmExport(false);
    },
    async confirmExport(confirmed) {
      const pending = get().pendingExport;
      const open = get().open;
      set({ pendingExport: null });
      if (!pending || !open?.summary) return;
      const redaction = get().redaction;
      if (isRedactionOff(redaction) && !confirmed) return;
      // The view's transforms go into the export only when the user ticked "Apply to exports".
      const viewTransforms = get().transformsInExport ? transformsOf(get(), `capture:${open.summary.id}`) : [];
      const mapped = transformsForExport(open.profile, redaction, viewTransforms);
      if (!mapped.ok) {
        get().fail(new Error(`BAD_OPTIONS: ${mapped.message}`), 'The export failed');
        return;
      }
      set({ busy: 'Exporting…' });
      try {
        const file = await api().exportCapture({
          captureId: open.summary.id,
          format: pending.format,
          redaction,
          confirmedUnredacted: confirmed,
          ...(mapped.transforms.length > 0 ? { transforms: mapped.transforms } : {}),
        });
        download(file.fileName, file.mimeType, base64ToBytes(file.dataBase64));
        const steps = mapped.transforms.length > 0 ? `, ${mapped.transforms.length} transform${mapped.transforms.length === 1 ? '' : 's'} applied` : '';
        set({ busy: null, notice: `Exported ${file.fileName} (${file.redactionSummary}${steps}).` });
      } catch (e) {
        get().fail(e, 'The export failed');
      }
    },
  };
};
