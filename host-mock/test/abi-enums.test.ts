// Pins every enum of sdk/assembly/abi/enums.ts (the one definition the SDK and the mock host
// compile) to the ABI's values as recorded, with their sources, in sdk/abi-reference/enums.md. A
// member that differs, an enum on one side only, or a reference table that cannot be read fails.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as E from "../../sdk/assembly/abi/enums.ts";

const REFERENCE = new URL("../../sdk/abi-reference/enums.md", import.meta.url);

type Table = Record<string, number>;

/** numeric members of a TS enum (drops the reverse mapping) */
function members(e: object): Table {
  const out: Table = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === "number") out[k] = v;
  return out;
}

/** Every `## Name` section's `| value | name |` rows. */
function referenceTables(md: string): Record<string, Table> {
  const out: Record<string, Table> = {};
  for (const part of md.split(/^## /m).slice(1)) {
    const name = part.slice(0, part.indexOf("\n")).trim();
    const rows = [...part.matchAll(/^\|\s*(-?\d+)\s*\|\s*(\w+)\s*\|\s*$/gm)];
    if (rows.length === 0) throw new Error(`sdk/abi-reference/enums.md: section "${name}" has no | value | name | rows`);
    const table: Table = {};
    for (const [, value, member] of rows) {
      if (member in table) throw new Error(`sdk/abi-reference/enums.md: ${name}.${member} is listed twice`);
      table[member] = Number(value);
    }
    out[name] = table;
  }
  return out;
}

const tables = referenceTables(readFileSync(REFERENCE, "utf8"));
const enums: Record<string, object> = Object.fromEntries(Object.entries(E).filter(([, v]) => typeof v === "object"));

describe("ABI enums: sdk/assembly/abi/enums.ts against sdk/abi-reference/enums.md", () => {
  it("both name the same enumerations", () => {
    expect(Object.keys(enums).sort()).toEqual(Object.keys(tables).sort());
  });
  for (const name of Object.keys(tables)) {
    it(name, () => {
      expect(enums[name], `enums.ts lacks ${name}`).toBeDefined();
      expect(members(enums[name])).toEqual(tables[name]);
    });
  }
  it("the reader finds a changed value (the check can fail)", () => {
    const md = readFileSync(REFERENCE, "utf8").replace("| 11 | BrokenConnection |", "| 13 | BrokenConnection |");
    expect(referenceTables(md).WasmResult.BrokenConnection).toBe(13);
    expect(referenceTables(md).WasmResult).not.toEqual(members(E.WasmResult));
  });
});
