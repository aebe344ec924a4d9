// The compare screen: which base and target are open (from the library, or "the previous
// capture of this host"), and exporting their diff as pprof with the view's redaction.
import type { OpenedComparison } from '../../../core/api';
import { isRedactionOff } from '../../../core/redaction';
import { base64ToBytes } from '../base64';
import { download } from '../download';
import { requireApi, type Slice } from './types';

export interface CompareSlice {
  comparison: OpenedComparison | null;
  /** An export of the diff waiting for the user's yes to "export without redaction". */
  pendingDiffExport: boolean;

  /** baseId null: the previous capture of the target's host. */
  openComparison(baseId: string | null, targetId: string): Promise<void>;
  closeComparison(): void;
  requestDiffExport(): Promise<void>;
  confirmDiffExport(confirmed: boolean): Promise<void>;
}

export const createCompareSlice: Slice<CompareSlice> = (set, get) => {
  const api = () => requireApi(get);
  return {
    comparison: null,
    pendingDiffExport: false,

    async openComparison(baseId, targetId) {
      set({ busy: 'Opening both captures…' });
      try {
        performance.mark('emberscope:compare-start');
        const comparison = await api().compareCaptures({ baseId, targetId });
        performance.mark('emberscope:compare-received');
        set({ comparison, screen: { kind: 'compare' }, busy: null });
      } catch (e) {
        get().fail(e, 'The captures could not be compared');
      }
    },
    closeComparison() {
      set({ comparison: null, pendingDiffExport: false });
    },
    async requestDiffExport() {
      set({ pendingDiffExport: true });
      if (isRedactionOff(get().redaction)) return;
      await get().confirmDiffExport(false);
    },
    async confirmDiffExport(confirmed) {
      const comparison = get().comparison;
      set({ pendingDiffExport: false });
      if (!comparison) return;
      const redaction = get().redaction;
      if (isRedactionOff(redaction) && !confirmed) return;
      set({ busy: 'Exporting the comparison…' });
      try {
        const file = await api().exportComparison({ baseId: comparison.base.summary.id, targetId: comparison.target.summary.id, redaction, confirmedUnredacted: confirmed });
        download(file.fileName, file.mimeType, base64ToBytes(file.dataBase64));
        set({ busy: null, notice: `Exported ${file.fileName} (${file.redactionSummary}); read it with go tool pprof -top.` });
      } catch (e) {
        get().fail(e, 'The export failed');
      }
    },
  };
};
