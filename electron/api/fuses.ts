// Electron fuses for production builds: flipped in the packaged Electron binary, so they hold
// even if the app's own code were replaced. Run on a packaged binary:
//
//   npx tsx electron/api/fuses.ts path/to/emberscope-binary
//
// (The Electron binary cannot be downloaded on the project's build machines; the packaging
// step of a release machine calls applyProductionFuses.)
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import { pathToFileURL } from 'node:url';

export const PRODUCTION_FUSES = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  /** ELECTRON_RUN_AS_NODE would turn the app into a general-purpose node. */
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  /** NODE_OPTIONS could inject code into main. */
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  /** --inspect would let anything on the machine drive main. */
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  /** file:// gets no extra privileges: the UI is served from app://. */
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  [FuseV1Options.WasmTrapHandlers]: true,
} as const satisfies FuseV1Config;

export async function applyProductionFuses(electronBinary: string): Promise<void> {
  await flipFuses(electronBinary, PRODUCTION_FUSES);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: fuses.ts PATH_TO_ELECTRON_BINARY');
    process.exit(2);
  }
  applyProductionFuses(target).then(
    () => console.error(`fuses: production fuses set on ${target}`),
    (e: unknown) => {
      console.error(`fuses: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
