// The services behind browser mode in the offline end-to-end tests: the real facade
// (createServices), with a private data directory, an empty ssh_config and no user
// known_hosts, so the test sees only "This machine" and its own library.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServices } from '../../electron/services/index';
import type { Services } from '../../electron/services/types';

export async function offlineServices(dataDir: string): Promise<Services> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sshConfigPath = join(dataDir, 'empty_ssh_config');
  writeFileSync(sshConfigPath, '');
  return createServices({ dataDir, sshConfigPath, userKnownHosts: [], appKnownHosts: join(dataDir, 'known_hosts'), keychainService: `emberscope-e2e-${process.pid}` });
}
