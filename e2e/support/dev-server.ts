// `npx tsx e2e/support/dev-server.ts [--demo]`: browser mode over the in-memory test double,
// for looking at the UI by hand. Prints the URL.
import { startBrowserMode } from '../../electron/browser/server';
import { createMemoryServices } from './memory-services';

const demo = process.argv.includes('--demo');
const mode = await startBrowserMode({ open: false, services: createMemoryServices({ demoHost: demo }), port: Number(process.env.PORT ?? 0) });
process.on('SIGINT', () => void mode.close().then(() => process.exit(0)));
