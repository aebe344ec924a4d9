// The services behind browser mode in the end-to-end tests.
// PENDING: electron/services/index.ts (createServices, issue 5) has not landed yet, so the
// offline tests run over the in-memory test double (core's real pprof, folded and redaction
// code; the library in memory). Switch to `createServices({ dataDir })` when it lands.
import type { Services } from '../../electron/services/types';
import { createMemoryServices } from './memory-services';

export async function offlineServices(_dataDir: string): Promise<Services> {
  return createMemoryServices();
}
