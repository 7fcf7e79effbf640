// Typed access to a JSON configuration with field-path error messages.
//
//   const cfg = JsonConfig.parse(text);
//   const name = cfg.requireString("name");
//   const limit = cfg.optionalInt("limit", 10);
//   const headers = cfg.requireArray("headers");
//   for (let i = 0; i < headers.length; i++) {
//     const h = headers.object(i);
//     h.requireString("name");
//   }
//   return cfg.check();   // logs `invalid configuration: field "headers[1].name": expected a
//                          // non-empty string, got number` at error level and returns false
//
// Accessors never trap: on a problem they record an error (the first one is the one reported)
// and return a neutral value ("" / 0 / false / an empty view), so a filter can read every field
// and decide once at the end.

import { LogLevel } from "./abi/enums";
import {
  JsonArray, JsonBool, JsonKind, JsonNumber, JsonObject, JsonString, JsonValue, parseJson,
  parseJsonBytes, JsonParseResult, jsonQuote,
} from "./json";
import { decimal } from "./decimal";
import { log } from "./log";

/** Error list shared by a configuration root and all views derived from it. */
export class ConfigErrors {
  messages: Array<string> = new Array<string>();
  /** Set when the document itself did not parse; field errors are then suppressed. */
  syntaxError: bool = false;
}

function describeValue(v: JsonValue | null): string {
  if (v === null) return "nothing (field is missing)";
  if (v.kind == JsonKind.Number && !changetype<JsonNumber>(v).isInteger()) return "non-integer number";
  return v.kindName();
}

function quoteAll(xs: Array<string>): string {
  const out = new Array<string>();
  for (let i = 0; i < xs.length; i++) out.push("\"" + unchecked(xs[i]) + "\"");
  return out.join(", ");
}

function joinPath(base: string, key: string): string {
  return base.length == 0 ? key : base + "." + key;
}

/** A view on a JSON object inside a configuration. */
export class JsonConfig {
  /** The object this view reads (empty when the value was missing or not an object). */
  obj: JsonObject;
  /** Field path of this object ("" for the document root). */
  path: string;
  errors: ConfigErrors;
  /** Placeholder for a value that was already reported as wrong: records no further errors. */
  silent: bool;

  constructor(obj: JsonObject, path: string, errors: ConfigErrors, silent: bool = false) {
    this.obj = obj;
    this.path = path;
    this.errors = errors;
    this.silent = silent;
  }

  /** Parses a configuration text. A syntax error or a non-object document is recorded. */
  static parse(text: string): JsonConfig {
    return JsonConfig.fromResult(parseJson(text));
  }

  /** Parses configuration bytes (UTF-8). */
  static parseBytes(bytes: ArrayBuffer): JsonConfig {
    return JsonConfig.fromResult(parseJsonBytes(bytes));
  }

  static fromResult(res: JsonParseResult): JsonConfig {
    const errors = new ConfigErrors();
    const v = res.value;
    if (v === null) {
      errors.messages.push("invalid configuration: " + res.error + " at byte " + decimal(res.offset));
      errors.syntaxError = true;
      return new JsonConfig(new JsonObject(), "", errors);
    }
    if (v.kind != JsonKind.Object) {
      errors.messages.push("invalid configuration: expected a JSON object, got " + v.kindName());
      errors.syntaxError = true;
      return new JsonConfig(new JsonObject(), "", errors);
    }
    return new JsonConfig(changetype<JsonObject>(v), "", errors);
  }

  // ---- error reporting ----

  /** Records an error for field `key` of this object (`key` "" = the object itself). */
  fail(key: string, expected: string): void {
    if (this.errors.syntaxError || this.silent) return;
    const field = key.length == 0 ? this.path : joinPath(this.path, key);
    this.errors.messages.push("invalid configuration: field \"" + field + "\": " + expected);
  }

  failAt(field: string, expected: string, got: JsonValue | null): void {
    if (this.errors.syntaxError || this.silent) return;
    this.errors.messages.push("invalid configuration: field \"" + field + "\": expected " + expected + ", got " + describeValue(got));
  }

  /** Whether no error was recorded so far. */
  get valid(): bool { return this.errors.messages.length == 0; }

  /** The first error message, or null. */
  error(): string | null {
    return this.errors.messages.length > 0 ? unchecked(this.errors.messages[0]) : null;
  }

  /** Every recorded error message. */
  allErrors(): Array<string> { return this.errors.messages; }

  /**
   * Logs the first error (and how many more there are) at error level; returns true when the
   * configuration is valid. Made for `return cfg.check();` at the end of onConfigure.
   */
  check(): bool {
    const n = this.errors.messages.length;
    if (n == 0) return true;
    let msg = unchecked(this.errors.messages[0]);
    if (n > 1) msg += " (and " + decimal(n - 1) + " more)";
    log(LogLevel.error, msg);
    return false;
  }

  /**
   * Logs every error, one line each, at error level (a configuration with several problems shows
   * them all at once); returns true when the configuration is valid.
   */
  checkAll(): bool {
    const n = this.errors.messages.length;
    for (let i = 0; i < n; i++) log(LogLevel.error, unchecked(this.errors.messages[i]));
    return n == 0;
  }

  /** Records an "unknown field" error for every key of this object not in `known` (typos fail loudly). */
  allowOnly(known: Array<string>): void {
    const keys = this.obj.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (!known.includes(k)) this.fail(k, "unknown field (expected one of: " + known.join(", ") + ")");
    }
  }

  /** A string that must be one of `allowed` (`def` when absent). */
  optionalEnum(key: string, allowed: Array<string>, def: string): string {
    const v = this.obj.get(key);
    if (v === null) return def;
    if (v.kind == JsonKind.String) {
      const s = changetype<JsonString>(v).value;
      if (allowed.includes(s)) return s;
      // quoted and cut short: the text is the user's, and it lands in Envoy's log
      this.fail(key, "expected one of " + quoteAll(allowed) + ", got " + jsonQuote(s.length > 40 ? s.substring(0, 40) + "…" : s));
      return def;
    }
    this.failAt(this.fieldPath(key), "one of " + quoteAll(allowed), v);
    return def;
  }

  /**
   * This object without member `key`, errors going to the same list: for fields that sit beside a
   * name, as a matcher's do in {"name": "x-a", "prefix": "b"}.
   */
  without(key: string): JsonConfig {
    const copy = new JsonObject();
    const keys = this.obj.keys;
    for (let i = 0; i < keys.length; i++) if (unchecked(keys[i]) != key) copy.set(unchecked(keys[i]), unchecked(this.obj.values[i]));
    return new JsonConfig(copy, this.path, this.errors, this.silent);
  }

  // ---- raw access ----

  has(key: string): bool { return this.obj.get(key) !== null; }
  get(key: string): JsonValue | null { return this.obj.get(key); }
  keys(): Array<string> { return this.obj.keys; }
  fieldPath(key: string): string { return joinPath(this.path, key); }

  // ---- strings ----

  private str(key: string, required: bool, allowEmpty: bool, def: string): string {
    const v = this.obj.get(key);
    if (v === null && !required) return def;
    if (v !== null && v.kind == JsonKind.String) {
      const s = changetype<JsonString>(v).value;
      if (allowEmpty || s.length > 0) return s;
    }
    this.failAt(this.fieldPath(key), allowEmpty ? "a string" : "a non-empty string", v);
    return def;
  }

  /** A non-empty string. */
  requireString(key: string): string { return this.str(key, true, false, ""); }
  /** A string, possibly empty. */
  requireStringAllowEmpty(key: string): string { return this.str(key, true, true, ""); }
  /** A string when present (may be empty), else `def`. */
  optionalString(key: string, def: string = ""): string { return this.str(key, false, true, def); }

  // ---- numbers ----

  private int(key: string, required: bool, def: i64, min: i64, max: i64): i64 {
    const v = this.obj.get(key);
    if (v === null && !required) return def;
    let what = "an integer";
    if (min != i64.MIN_VALUE || max != i64.MAX_VALUE) what = "an integer in [" + decimal(min) + ", " + decimal(max) + "]";
    if (v !== null && v.kind == JsonKind.Number) {
      const n = changetype<JsonNumber>(v);
      if (n.isInteger()) {
        const i = n.toI64();
        if (i >= min && i <= max) return i;
        this.fail(key, "expected " + what + ", got " + decimal(i));
        return def;
      }
    }
    this.failAt(this.fieldPath(key), what, v);
    return def;
  }

  requireInt(key: string, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.int(key, true, 0, min, max);
  }
  optionalInt(key: string, def: i64, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.int(key, false, def, min, max);
  }

  private num(key: string, required: bool, def: f64): f64 {
    const v = this.obj.get(key);
    if (v === null && !required) return def;
    if (v !== null && v.kind == JsonKind.Number) return changetype<JsonNumber>(v).value;
    this.failAt(this.fieldPath(key), "a number", v);
    return def;
  }

  requireNumber(key: string): f64 { return this.num(key, true, 0); }
  optionalNumber(key: string, def: f64): f64 { return this.num(key, false, def); }

  // ---- booleans ----

  private boolean(key: string, required: bool, def: bool): bool {
    const v = this.obj.get(key);
    if (v === null && !required) return def;
    if (v !== null && v.kind == JsonKind.Bool) return changetype<JsonBool>(v).value;
    this.failAt(this.fieldPath(key), "a boolean", v);
    return def;
  }

  requireBool(key: string): bool { return this.boolean(key, true, false); }
  optionalBool(key: string, def: bool): bool { return this.boolean(key, false, def); }

  // ---- nested objects and arrays ----

  /** A nested object (an empty view, with an error recorded, when missing or not an object). */
  requireObject(key: string): JsonConfig {
    const v = this.obj.get(key);
    const path = this.fieldPath(key);
    if (v !== null && v.kind == JsonKind.Object) return new JsonConfig(changetype<JsonObject>(v), path, this.errors);
    this.failAt(path, "an object", v);
    return new JsonConfig(new JsonObject(), path, this.errors, true);
  }

  /** A nested object, or null when absent (an error when present but not an object). */
  optionalObject(key: string): JsonConfig | null {
    const v = this.obj.get(key);
    if (v === null) return null;
    return this.requireObject(key);
  }

  /** An array (an empty view, with an error recorded, when missing or not an array). */
  requireArray(key: string, minLength: i32 = 0): JsonConfigArray {
    const v = this.obj.get(key);
    const path = this.fieldPath(key);
    if (v !== null && v.kind == JsonKind.Array) {
      const arr = changetype<JsonArray>(v);
      if (arr.items.length < minLength) {
        this.fail(key, "expected an array with at least " + decimal(minLength) + " element" + (minLength == 1 ? "" : "s") + ", got " + decimal(arr.items.length));
      }
      return new JsonConfigArray(arr, path, this.errors);
    }
    this.failAt(path, "an array", v);
    return new JsonConfigArray(new JsonArray(), path, this.errors, true);
  }

  /** An array, or an empty one when absent (an error when present but not an array). */
  optionalArray(key: string): JsonConfigArray {
    const v = this.obj.get(key);
    if (v === null) return new JsonConfigArray(new JsonArray(), this.fieldPath(key), this.errors);
    return this.requireArray(key);
  }

  /** An array of non-empty strings (optional: absent gives an empty array). */
  optionalStringArray(key: string): Array<string> {
    const a = this.optionalArray(key);
    const out = new Array<string>();
    for (let i = 0; i < a.length; i++) out.push(a.string(i));
    return out;
  }

  /** An array of non-empty strings (required). */
  requireStringArray(key: string, minLength: i32 = 0): Array<string> {
    const a = this.requireArray(key, minLength);
    const out = new Array<string>();
    for (let i = 0; i < a.length; i++) out.push(a.string(i));
    return out;
  }
}

/** A view on a JSON array inside a configuration. */
export class JsonConfigArray {
  arr: JsonArray;
  path: string;
  errors: ConfigErrors;
  silent: bool;

  constructor(arr: JsonArray, path: string, errors: ConfigErrors, silent: bool = false) {
    this.arr = arr;
    this.path = path;
    this.errors = errors;
    this.silent = silent;
  }

  get length(): i32 { return this.arr.items.length; }

  elementPath(i: i32): string { return this.path + "[" + decimal(i) + "]"; }

  at(i: i32): JsonValue | null { return this.arr.at(i); }

  private failAt(i: i32, expected: string, got: JsonValue | null): void {
    if (this.errors.syntaxError || this.silent) return;
    this.errors.messages.push("invalid configuration: field \"" + this.elementPath(i) + "\": expected " + expected + ", got " + describeValue(got));
  }

  /** Element `i` as an object view. */
  object(i: i32): JsonConfig {
    const v = this.arr.at(i);
    if (v !== null && v.kind == JsonKind.Object) return new JsonConfig(changetype<JsonObject>(v), this.elementPath(i), this.errors);
    this.failAt(i, "an object", v);
    return new JsonConfig(new JsonObject(), this.elementPath(i), this.errors, true);
  }

  /** Element `i` as a non-empty string. */
  string(i: i32): string {
    const v = this.arr.at(i);
    if (v !== null && v.kind == JsonKind.String && changetype<JsonString>(v).value.length > 0) return changetype<JsonString>(v).value;
    this.failAt(i, "a non-empty string", v);
    return "";
  }

  /** Element `i` as an integer. */
  int(i: i32): i64 {
    const v = this.arr.at(i);
    if (v !== null && v.kind == JsonKind.Number && changetype<JsonNumber>(v).isInteger()) return changetype<JsonNumber>(v).toI64();
    this.failAt(i, "an integer", v);
    return 0;
  }

  /** Element `i` as a number. */
  number(i: i32): f64 {
    const v = this.arr.at(i);
    if (v !== null && v.kind == JsonKind.Number) return changetype<JsonNumber>(v).value;
    this.failAt(i, "a number", v);
    return 0;
  }

  /** Element `i` as a boolean. */
  bool(i: i32): bool {
    const v = this.arr.at(i);
    if (v !== null && v.kind == JsonKind.Bool) return changetype<JsonBool>(v).value;
    this.failAt(i, "a boolean", v);
    return false;
  }
}
