// The Emberscope version, from package.json: the agent, the app and the CLI report this one.
import { version } from '../package.json';

export const EMBERSCOPE_VERSION: string = version;
