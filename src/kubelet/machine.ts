import { readFileSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';

/** What the kubelet reads from the machine for its Node: sizes, free space and identity. */
export interface MachineSample {
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  /** The filesystem holding the kubelet's directory (kubelet's nodefs). */
  filesystemBytes: number;
  filesystemAvailableBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  osImage: string;
}

const readText = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/** A /proc/meminfo field in bytes (the file says kB, meaning KiB). */
function meminfo(text: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** PRETTY_NAME of /etc/os-release, as kubelet's osImage shows it. */
function osImage(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readText('/etc/os-release'))?.[1];
  return pretty || `Linux on ${hostname()}`;
}

export function sampleMachine(directory: string): MachineSample {
  const memory = readText('/proc/meminfo');
  const total = meminfo(memory, 'MemTotal') ?? 0;
  const fs = statfsSync(directory);
  return {
    memoryTotalBytes: total,
    memoryAvailableBytes: meminfo(memory, 'MemAvailable') ?? total,
    filesystemBytes: fs.blocks * fs.bsize,
    filesystemAvailableBytes: fs.bavail * fs.bsize,
    machineID: readText('/etc/machine-id'),
    systemUUID: readText('/sys/class/dmi/id/product_uuid').toLowerCase(),
    bootID: readText('/proc/sys/kernel/random/boot_id'),
    osImage: osImage(),
  };
}
