// A minimal ustar (POSIX.1-1988) writer for the compat image's one file, and a strict reader for
// tests and for pulling an image back. Written here rather than taken from npm: `tar-stream` and
// `tar` (node-tar) are stream-based and asynchronous, stamp the current time unless told not to,
// and would add dependencies for ~60 lines whose every byte must be pinned for reproducible digests.
//
// Writer: one regular file, mode 0644, uid/gid 0, mtime 0, empty uname/gname, the data padded to
// 512 bytes, then two zero blocks (no padding to a 10240-byte record: Go's archive/tar, which
// Istio reads the layer with, neither writes nor needs it). The same name and bytes give the same archive.
// Reader: ustar ("ustar\0" "00") and GNU ("ustar  \0") headers; regular files and directories;
// every header's checksum checked. Anything else (PAX or GNU long-name headers, links, base-256
// sizes, a truncated archive) is refused with an error naming it, rather than misread.

const BLOCK = 512;
/** The largest size the 11 octal digits of a ustar size field hold (8 GiB - 1). */
const MAX_SIZE = 0o77777777777;

export interface TarEntry {
  /** the full path: the header's prefix, "/", name (ustar), or the name alone */
  name: string;
  type: "file" | "directory";
  size: number;
  bytes: Uint8Array;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** `value` as `digits` octal digits then a NUL, as ustar's numeric fields are written. */
function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, "0") + "\0";
}

function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}

/** A tar archive holding one regular file `name` with `bytes`, byte-for-byte the same for the same input. */
export function tarFile(name: string, bytes: Uint8Array): Uint8Array {
  const nameBytes = ascii(name);
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(name) || nameBytes.length > 100) {
    throw new Error(`tar: the entry name must be printable ASCII of 1..100 bytes, got ${JSON.stringify(name)}`);
  }
  if (bytes.length > MAX_SIZE) throw new Error(`tar: ${name} is ${bytes.length} bytes, more than a ustar header can describe`);
  const padded = Math.ceil(bytes.length / BLOCK) * BLOCK;
  const out = new Uint8Array(BLOCK + padded + 2 * BLOCK); // zero-filled: padding and the end-of-archive blocks
  const header = out.subarray(0, BLOCK);
  const put = (offset: number, text: string): void => header.set(ascii(text), offset);
  header.set(nameBytes, 0);
  put(100, octal(0o644, 7)); // mode
  put(108, octal(0, 7)); // uid
  put(116, octal(0, 7)); // gid
  put(124, octal(bytes.length, 11)); // size
  put(136, octal(0, 11)); // mtime
  put(156, "0"); // typeflag: regular file
  put(257, "ustar\0"); // magic
  put(263, "00"); // version
  // uname (265) and gname (297) stay empty
  put(329, octal(0, 7)); // devmajor
  put(337, octal(0, 7)); // devminor
  put(148, octal(checksum(header), 6) + " "); // six digits, NUL, space: the traditional form
  out.set(bytes, BLOCK);
  return out;
}

/** The entries of a tar archive, in order. Throws on anything it does not understand. */
export function untar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  const text = (from: number, length: number): string => {
    const field = archive.subarray(from, from + length);
    const end = field.indexOf(0);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(end < 0 ? field : field.subarray(0, end));
    } catch {
      throw new Error(`tar: the header at byte ${at} has a field at offset ${from - at} that is not UTF-8`);
    }
  };
  const number = (from: number, length: number, what: string, at: number): number => {
    if (archive[from] & 0x80) throw new Error(`tar: the header at byte ${at} has a base-256 ${what}, which this reader does not handle`);
    const digits = text(from, length).trim();
    if (!/^[0-7]*$/.test(digits)) throw new Error(`tar: the header at byte ${at} has a ${what} that is not octal: ${JSON.stringify(digits)}`);
    return digits === "" ? 0 : parseInt(digits, 8);
  };
  for (;;) {
    if (at === archive.length) return entries; // no end-of-archive blocks: Go's archive/tar accepts that too
    if (at > archive.length) throw new Error("tar: truncated: the last entry's padding to 512 bytes is missing");
    if (at + BLOCK > archive.length) throw new Error(`tar: truncated: ${archive.length - at} bytes left at byte ${at}, less than a header`);
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) {
      if (!archive.subarray(at).every((b) => b === 0)) throw new Error(`tar: data after the end-of-archive block at byte ${at}`);
      return entries;
    }
    const stored = number(at + 148, 8, "checksum", at);
    const unsigned = checksum(header);
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) signed += i >= 148 && i < 156 ? 0x20 : (header[i] << 24) >> 24;
    if (stored !== unsigned && stored !== signed) {
      throw new Error(`tar: bad header checksum at byte ${at}: stored ${stored}, computed ${unsigned}`);
    }
    const magic = text(at + 257, 6);
    const version = String.fromCharCode(header[263], header[264]);
    const ustar = magic === "ustar" && version === "00";
    const gnu = magic === "ustar " && version === " \0";
    if (!ustar && !gnu) throw new Error(`tar: the header at byte ${at} is neither ustar nor GNU (magic ${JSON.stringify(magic + version)})`);
    const flag = String.fromCharCode(header[156]);
    const prefix = ustar ? text(at + 345, 155) : "";
    const name = prefix === "" ? text(at, 100) : `${prefix}/${text(at, 100)}`;
    const size = number(at + 124, 12, "size", at);
    let type: TarEntry["type"];
    if (flag === "0" || flag === "\0") type = "file";
    else if (flag === "5") type = "directory";
    else throw new Error(`tar: entry ${JSON.stringify(name)} at byte ${at} has type ${JSON.stringify(flag)}; only regular files and directories are read`);
    const start = at + BLOCK;
    if (start + size > archive.length) throw new Error(`tar: entry ${JSON.stringify(name)} is truncated: ${size} bytes declared, ${archive.length - start} present`);
    entries.push({ name, type, size, bytes: archive.slice(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
