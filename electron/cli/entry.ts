// The bundled CLI's entry point (dist/cli/emberscope.cjs).
import { runCli } from './main';

runCli(process.argv.slice(2));
