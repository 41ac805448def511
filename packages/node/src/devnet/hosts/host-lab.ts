/**
 * Hosts as Linux network namespaces: one namespace per host, each joined by a veth pair to one bridge in the
 * root namespace, addressed from the benchmarking range 198.18.0.0/15 (RFC 2544: reserved for test beds, never
 * routed elsewhere) and from nothing else. The bridge holds the gateway address, so the test process (in the
 * root namespace) reaches every host and every host reaches services the test runs on the gateway.
 *
 * Every name starts with `msc<pid>` (this process's id), so that a run removes what a crashed run left behind:
 * names whose pid is no longer alive. What this process creates it removes on stop() and, synchronously, when
 * it exits for any reason short of SIGKILL.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Every command is bounded, so a wedged `ip` fails the run instead of hanging it. */
const IP_TIMEOUT_MS = 10_000;
/** A lab is small: a /24 holds the gateway and up to this many hosts. */
export const MAX_HOSTS = 64;
const NAME = /^msc(\d+)(?:n\d+|h\d+|p\d+|br)$/;
/** The /24 blocks of 198.18.0.0/15. */
const BLOCKS = 512;

export interface LabHost {
  index: number;
  namespace: string;
  /** The host's address, on its side of the veth pair. */
  address: string;
  /** The veth end on the bridge: set down, it cuts the host off. */
  link: string;
  /** The command prefix that runs a program inside the host's namespace. */
  exec: string[];
}

export interface HostLab {
  /** The bridge's address in the root namespace, reachable from every host. */
  gateway: string;
  hosts: LabHost[];
  addHost(): Promise<LabHost>;
  /** Cuts host `index` off the bridge (a partition: packets in either direction are lost). */
  cut(index: number): Promise<void>;
  restore(index: number): Promise<void>;
  remove(): Promise<void>;
}

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('ip', args, { timeout: IP_TIMEOUT_MS });
    return stdout;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`ip ${args.join(' ')}: ${detail}`);
  }
}

function ipSync(...args: string[]): void {
  try {
    execFileSync('ip', args, { timeout: IP_TIMEOUT_MS, stdio: 'ignore' });
  } catch {
    // Removing what is already gone.
  }
}

/**
 * Why namespaces cannot be used here (not root, no `ip`, no netns or veth support), or undefined when they can:
 * it creates and removes a throwaway namespace and veth pair to find out.
 */
export async function namespaceSupportProblem(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, as CI does)';
  const probe = `msc${process.pid}n999`;
  try {
    await ip('netns', 'add', probe);
    await ip('link', 'add', `msc${process.pid}h999`, 'type', 'veth', 'peer', 'name', `msc${process.pid}p999`);
    await ip('link', 'set', `msc${process.pid}p999`, 'netns', probe);
    return undefined;
  } catch (error) {
    return `network namespaces or veth pairs are not available: ${(error as Error).message}`;
  } finally {
    ipSync('link', 'del', `msc${process.pid}h999`);
    ipSync('netns', 'del', probe);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the namespaces and links of labs whose process is gone; returns their names. */
export async function removeStaleLabs(): Promise<string[]> {
  const namespaces = (await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0] ?? '');
  const links = (await ip('-o', 'link', 'show')).split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '');
  const stale = (name: string) => {
    const match = NAME.exec(name);
    return match !== null && Number(match[1]) !== process.pid && !alive(Number(match[1]));
  };
  const removed: string[] = [];
  for (const ns of namespaces.filter(stale)) {
    ipSync('netns', 'del', ns);
    removed.push(ns);
  }
  // A namespace's removal takes its veth end with it; the bridges (and any veth left unattached) go here.
  for (const link of links.filter(stale)) {
    ipSync('link', 'del', link);
    removed.push(link);
  }
  return removed;
}

/** A /24 of 198.18.0.0/15 that no interface of the root namespace uses, tried from one this pid picks. */
async function freeBlock(): Promise<string> {
  const used = await ip('-o', '-4', 'addr', 'show');
  for (let k = 0; k < BLOCKS; k++) {
    const block = (process.pid + k) % BLOCKS;
    const prefix = `198.${18 + (block >> 8)}.${block & 255}.`;
    if (!used.includes(` ${prefix}`)) return prefix;
  }
  throw new Error('host lab: every /24 of 198.18.0.0/15 is in use');
}

/** A bridge and no host yet; addHost() adds them. Throws when namespaces are unusable (see namespaceSupportProblem). */
export async function createHostLab(): Promise<HostLab> {
  const prefix = `msc${process.pid}`;
  const bridge = `${prefix}br`;
  const block = await freeBlock();
  const gateway = `${block}1`;
  const hosts: LabHost[] = [];
  let removed = false;
  const removeSync = () => {
    if (removed) return;
    removed = true;
    for (const host of hosts) {
      // Deleting a veth end deletes its pair. A namespace outlives its name while anything still refers to it
      // (a socket closing), and its veth with it: deleting the link does not wait for that.
      ipSync('link', 'del', host.link);
      ipSync('netns', 'del', host.namespace);
    }
    ipSync('link', 'del', bridge);
  };
  process.once('exit', removeSync);

  const lab: HostLab = {
    gateway,
    hosts,
    async addHost() {
      if (removed) throw new Error('host lab: removed');
      if (hosts.length >= MAX_HOSTS) throw new RangeError(`host lab: at most ${MAX_HOSTS} hosts`);
      const index = hosts.length;
      const host: LabHost = {
        index,
        namespace: `${prefix}n${index}`,
        address: `${block}${10 + index}`,
        link: `${prefix}h${index}`,
        exec: ['ip', 'netns', 'exec', `${prefix}n${index}`],
      };
      const inner = `${prefix}p${index}`;
      hosts.push(host); // from here on, removal covers it
      await ip('netns', 'add', host.namespace);
      await ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', inner);
      await ip('link', 'set', inner, 'netns', host.namespace);
      await ip('link', 'set', host.link, 'master', bridge);
      await ip('link', 'set', host.link, 'up');
      await ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', inner);
      await ip('-n', host.namespace, 'link', 'set', inner, 'up');
      await ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
      return host;
    },
    async cut(index) {
      await ip('link', 'set', hostAt(index).link, 'down');
    },
    async restore(index) {
      await ip('link', 'set', hostAt(index).link, 'up');
    },
    async remove() {
      removeSync();
      process.off('exit', removeSync);
    },
  };
  const hostAt = (index: number) => {
    const host = hosts[index];
    if (!host) throw new RangeError(`host lab: no host ${index}`);
    return host;
  };

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    return lab;
  } catch (error) {
    await lab.remove();
    throw error;
  }
}
