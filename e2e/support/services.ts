// The services behind browser mode in the offline end-to-end tests: the real capture library
// and export of electron/services (files on disk, gzipped pprof + metadata, redaction on
// export). Hosts are not needed offline: that part comes from the in-memory test double.
// When electron/services/index.ts (createServices) lands, the whole facade can be used here.
import { Library } from '../../electron/services/library';
import type { Services } from '../../electron/services/types';
import { createMemoryServices } from './memory-services';

export async function offlineServices(dataDir: string): Promise<Services> {
  const library = new Library(dataDir);
  const rest = createMemoryServices();
  return {
    ...rest,
    library,
    export: (captureId, options) => library.export(captureId, options),
  };
}
