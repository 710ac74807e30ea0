import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where Nexus keeps everything: `~/.nexus`, or `NEXUS_HOME` (shared with the Nexus CLI). */
export function nexusHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.NEXUS_HOME ? resolve(env.NEXUS_HOME) : join(homedir(), '.nexus');
}

export interface NexusPaths {
  home: string;
  config: string;
  state: string;
  sshDir: string;
  sshConfig: string;
  knownHosts: string;
  identity: string;
  hostKeysDir: string;
  mutagenDir: string;
  logFile: string;
}

export function nexusPaths(home = nexusHome()): NexusPaths {
  const sshDir = join(home, 'ssh');
  return {
    home,
    config: join(home, 'config.yaml'),
    state: join(home, 'state.json'),
    sshDir,
    sshConfig: join(sshDir, 'config'),
    knownHosts: join(sshDir, 'known_hosts'),
    identity: join(sshDir, 'id_ed25519'),
    hostKeysDir: join(sshDir, 'host-keys'),
    // Short on purpose: Mutagen's daemon socket lives here (socket paths are length-limited).
    mutagenDir: join(home, 'mg'),
    logFile: join(home, 'nexus.log'),
  };
}
