// Minimal source-map v3 reader for wasm: the "generated column" of each mapping is the byte offset
// in the module (the single generated line), which is how binaryen/asc write `.wasm.map`.

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Map<string, number>([...B64].map((c, i) => [c, i]));

/** Decodes one base64 VLQ segment into its signed integers. */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const d = B64_VALUE.get(ch);
    if (d === undefined) throw new Error(`bad VLQ character ${JSON.stringify(ch)}`);
    value += (d & 31) * 2 ** shift;
    if (d & 32) {
      shift += 5;
    } else {
      const negative = value % 2 === 1;
      const mag = Math.floor(value / 2);
      out.push(negative ? -mag : mag);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

export interface SourcePosition {
  source: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

interface Mapping {
  offset: number;
  source: number;
  line: number;
  column: number;
}

interface RawSourceMap {
  version?: number;
  sources?: string[];
  sourceRoot?: string;
  mappings?: string;
}

export class WasmSourceMap {
  private readonly mappings: Mapping[] = [];
  private readonly sources: string[];

  constructor(json: string) {
    const raw = JSON.parse(json) as RawSourceMap;
    // `sourceRoot` is ignored on purpose: asc writes the output name there ("./debug"), and the
    // `sources` entries as given (project-relative paths, `~lib/...`) are what a test author reads.
    this.sources = raw.sources ?? [];
    let col = 0, src = 0, line = 0, scol = 0;
    // Wasm maps have one generated line; tolerate ';' anyway by resetting the column per line.
    for (const lineText of (raw.mappings ?? "").split(";")) {
      col = 0;
      for (const seg of lineText.split(",")) {
        if (seg === "") continue;
        const v = decodeVlq(seg);
        col += v[0] ?? 0;
        if (v.length >= 4) {
          src += v[1]; line += v[2]; scol += v[3];
          this.mappings.push({ offset: col, source: src, line, column: scol });
        }
      }
    }
    this.mappings.sort((a, b) => a.offset - b.offset);
  }

  /** The mapping with the greatest offset ≤ `offset`. */
  lookup(offset: number): SourcePosition | undefined {
    const m = this.mappings;
    let lo = 0, hi = m.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (m[mid].offset <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const hit = m[best];
    return { source: this.sources[hit.source] ?? `source#${hit.source}`, line: hit.line + 1, column: hit.column + 1 };
  }
}
