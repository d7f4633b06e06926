// Writing every byte: `write(2)` may write fewer bytes than asked (a filling disk, a signal).
import { writeSync as fsWriteSync } from 'node:fs';

/** Test seams: the system calls a write makes, so a short write or a full disk can be injected. */
export interface WriteSystem {
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
}

export const realSystem: WriteSystem = { writeSync: (fd, buffer, offset, length) => fsWriteSync(fd, buffer, offset, length) };

/** Writes every byte or throws: `write(2)` may write fewer bytes than asked (a filling disk, a signal). */
export function writeAll(fd: number, bytes: Uint8Array, system: WriteSystem = realSystem): void {
  let offset = 0;
  while (offset < bytes.length) {
    const n = system.writeSync(fd, bytes, offset, bytes.length - offset);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    offset += n;
  }
}
